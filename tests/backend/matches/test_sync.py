"""The guild-games sync of one member, against the fake Steam with a scripted history."""

import threading

import pytest
from django.db import connection

from backend.accounts.models import STEAM_ID64_BASE
from backend.matches import services
from backend.matches.models import Match, MatchPlayer, MemberSync
from tests.factories import UserFactory
from tests.fakes.steam import Fault, ScriptedMatch

pytestmark = pytest.mark.django_db

MEMBER = 120269134
FRIEND = 130357820
STRANGER = 894758362


@pytest.fixture
def member(db):
    return UserFactory(username="member", steam_id=STEAM_ID64_BASE + MEMBER)


@pytest.fixture
def friend(db):
    return UserFactory(username="friend", steam_id=STEAM_ID64_BASE + FRIEND)


def matches(*ids, **kwargs):
    return [
        ScriptedMatch(match_id=i, match_seq_num=i * 10, radiant=[MEMBER, FRIEND], dire=[STRANGER, None], **kwargs)
        for i in ids
    ]


def test_first_sync_stores_matches_and_players_once_with_users_linked(fake_steam, member, friend):
    fake_steam.script_matches(matches(8000000001, 8000000002, 8000000003))
    report = services.member_games_sync(user_id=member.pk)
    assert sorted(report.matches_new) == [8000000001, 8000000002, 8000000003]
    assert Match.objects.count() == 3
    match = Match.objects.get(match_id=8000000002)
    assert match.match_seq_num == 80000000020 and match.radiant_win
    players = {(p.account_id, p.team, p.user_id) for p in match.players.all()}
    assert players == {
        (MEMBER, "radiant", member.pk),
        (FRIEND, "radiant", friend.pk),
        (STRANGER, "dire", None),
        (None, "dire", None),  # anonymous: kept, without account or user
    }
    assert MemberSync.objects.get(user=member).cursor_match_id == 8000000003
    # 1 history page + 3 matches by sequence number
    assert report.calls == 4


def test_second_sync_stores_nothing_twice_and_costs_one_call(fake_steam, member):
    fake_steam.script_matches(matches(8000000001, 8000000002))
    services.member_games_sync(user_id=member.pk)
    report = services.member_games_sync(user_id=member.pk)
    assert report.matches_new == [] and report.calls == 1
    assert Match.objects.count() == 2 and MatchPlayer.objects.count() == 8


def test_new_matches_are_found_and_the_cursor_moves_forward(fake_steam, member):
    script = matches(8000000001, 8000000002)
    fake_steam.script_matches(script)
    services.member_games_sync(user_id=member.pk)
    script += matches(8000000005, 8000000009)
    report = services.member_games_sync(user_id=member.pk)
    assert sorted(report.matches_new) == [8000000005, 8000000009]
    assert MemberSync.objects.get(user=member).cursor_match_id == 8000000009


def test_match_listed_late_is_still_found(fake_steam, member):
    script = matches(8000000001, 8000000003) + matches(8000000002, listed=False)
    fake_steam.script_matches(script)
    services.member_games_sync(user_id=member.pk)
    assert not Match.objects.filter(match_id=8000000002).exists()
    script[-1].listed = True  # Steam lists it now, below the cursor
    report = services.member_games_sync(user_id=member.pk)
    assert report.matches_new == [8000000002]


def test_match_not_served_yet_is_fetched_by_a_later_run(fake_steam, member):
    script = matches(8000000001) + matches(8000000002, served=False)
    fake_steam.script_matches(script)
    report = services.member_games_sync(user_id=member.pk)
    assert report.matches_missing == [8000000002] and report.matches_new == [8000000001]
    assert MemberSync.objects.get(user=member).cursor_match_id == 8000000001
    script[-1].served = True
    assert services.member_games_sync(user_id=member.pk).matches_new == [8000000002]


def test_one_failing_match_does_not_block_the_others(fake_steam, member):
    fake_steam.script_matches(matches(8000000001, 8000000002, 8000000003))
    fake_steam.fail("GetMatchHistoryBySequenceNum", *[500] * 5)  # the first match's every attempt
    report = services.member_games_sync(user_id=member.pk)
    assert len(report.matches_missing) == 1 and len(report.matches_new) == 2


def test_cursor_never_moves_backwards(member):
    state = MemberSync.objects.create(user=member, cursor_match_id=8000000500)
    services._advance_cursor(state.pk, [8000000300], [])
    state.refresh_from_db()
    assert state.cursor_match_id == 8000000500


def test_pages_down_from_the_newest_until_the_overlap(fake_steam, member, settings, monkeypatch):
    monkeypatch.setattr(services, "HISTORY_PAGE_SIZE", 10)
    script = matches(*range(8000000100, 8000000103))
    fake_steam.script_matches(script)
    services.member_games_sync(user_id=member.pk)  # cursor at ...102
    script += matches(*range(8000000200, 8000000225))  # 25 new: three pages of 10
    fake_steam.calls.clear()
    report = services.member_games_sync(user_id=member.pk)
    assert len(report.matches_new) == 25
    pages = [call.params.get("start_at_match_id") for call in fake_steam.calls_to("GetMatchHistory")]
    # first page without start_at_match_id, then smallest id of the page before minus one
    assert pages == [None, str(8000000215 - 1), str(8000000205 - 1)]


def test_first_sync_fetches_only_the_newest_matches(fake_steam, member):
    fake_steam.script_matches(matches(*range(8000000100, 8000000160)))
    report = services.member_games_sync(user_id=member.pk)
    assert len(report.matches_new) == services.SYNC_FIRST_MATCHES
    assert min(report.matches_new) == 8000000160 - services.SYNC_FIRST_MATCHES


def test_private_history_is_marked_and_rechecked_rarely(fake_steam, member):
    fake_steam.script_matches(matches(8000000001))
    fake_steam.private_accounts.add(MEMBER)
    report = services.member_games_sync(user_id=member.pk)
    assert report.private and Match.objects.count() == 0
    state = MemberSync.objects.get(user=member)
    assert state.history_private
    assert not services.member_sync_due(user_id=member.pk)
    assert services.member_sync_due(user_id=member.pk, now=state.private_checked_at + services.PRIVATE_RECHECK)
    fake_steam.private_accounts.clear()  # the member opened their history again
    services.member_games_sync(user_id=member.pk)
    assert not MemberSync.objects.get(user=member).history_private


def test_history_unreadable_raises_and_stores_nothing(fake_steam, member):
    fake_steam.script_matches(matches(8000000001))
    fake_steam.fail("GetMatchHistory", *[503] * 10)
    with pytest.raises(services.SteamUnavailable):
        services.member_games_sync(user_id=member.pk)
    assert Match.objects.count() == 0
    assert MemberSync.objects.get(user=member).cursor_match_id is None


def test_tracking_off_and_non_members_are_not_synced(member, settings):
    settings.DISCORD_GUILD_ID = "1"
    quiet = UserFactory(username="quiet", steam_id=STEAM_ID64_BASE + 5, steam_tracking=False)
    outsider = UserFactory(username="outsider", steam_id=STEAM_ID64_BASE + 6, is_guild_member=False)
    no_steam = UserFactory(username="nosteam", steam_id=None)
    ids = set(services.members_to_sync().values_list("id", flat=True))
    assert member.pk in ids and not ids & {quiet.pk, outsider.pk, no_steam.pk}
    settings.DISCORD_GUILD_ID = ""
    assert outsider.pk in set(services.members_to_sync().values_list("id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_two_syncs_at_once_store_each_match_and_player_once(fake_steam, member, friend):
    fake_steam.script_matches(matches(*range(8000000001, 8000000009)))
    errors = []

    def run(user_id):
        try:
            services.member_games_sync(user_id=user_id)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user.pk,)) for user in (member, friend, member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Match.objects.count() == 8
    assert MatchPlayer.objects.count() == 8 * 4


def test_store_twice_writes_once(fake_steam, member):
    from backend.steam.results import parse_match_history_by_sequence_num

    [details] = parse_match_history_by_sequence_num(
        {"result": {"status": 1, "matches": [matches(8000000001)[0].details()]}}
    )
    assert services.match_store(details=details)[1] is True
    assert services.match_store(details=details)[1] is False
    assert MatchPlayer.objects.count() == 4


def test_garbled_history_page_is_not_half_written(fake_steam, member):
    fake_steam.script_matches(matches(8000000001))
    fake_steam.fail("GetMatchHistory", Fault("garbage"))
    with pytest.raises(services.SteamUnavailable):
        services.member_games_sync(user_id=member.pk)
    assert Match.objects.count() == 0
