"""The demo stand-in for Steam: its generated answers go through the real client and parsers, and the live
poll and guild sync find the demo members' games."""

import pytest

from backend.accounts.models import STEAM_ID64_BASE
from backend.live import services as live_services
from backend.matches import services as match_services
from backend.matches.models import Match, MatchPlayer
from backend.steam.client import SteamClient
from backend.steam.demo_server import CYCLE_SECONDS, EPOCH, LIVE_SECONDS, PREGAME_SECONDS, DemoSteam
from backend.steam.errors import SteamBadKey, SteamNotFound
from backend.steam.selectors import hero_name
from tests.factories import UserFactory
from tests.processes import Process, free_port, process_env, wait_until
from workers.tasks import steam as steam_tasks

pytestmark = pytest.mark.django_db

MEMBERS = [11, 12, 13]


def test_answers_parse_at_every_phase_of_the_cycle():
    demo = DemoSteam(MEMBERS)
    from backend.steam import results

    cycle_start = EPOCH + 100 * CYCLE_SECONDS
    for elapsed in (5, PREGAME_SECONDS + 1, LIVE_SECONDS - 1, LIVE_SECONDS + 1):
        now = cycle_start + elapsed
        top = results.parse_top_live_game(demo.answer("GetTopLiveGame", {}, now)[1])
        if elapsed < LIVE_SECONDS:
            [game] = top
            assert set(MEMBERS) <= game.account_ids
            stats = results.parse_realtime_stats(
                demo.answer("GetRealtimeStats", {"server_steam_id": str(game.server_steam_id)}, now)[1]
            )
            assert stats.game_state == (8 if elapsed < PREGAME_SECONDS else 5)
            assert (stats.match_id is None) == (elapsed < PREGAME_SECONDS)
        else:
            assert top == []
        history = results.parse_match_history(demo.answer("GetMatchHistory", {"account_id": "11"}, now)[1])
        assert history.matches and all(
            m.match_id < 9_000_000_000 + 100 + (elapsed > LIVE_SECONDS) for m in history.matches
        )
        seq = history.matches[0].match_seq_num
        [match] = results.parse_match_history_by_sequence_num(
            demo.answer(
                "GetMatchHistoryBySequenceNum", {"start_at_match_seq_num": str(seq), "matches_requested": "1"}, now
            )[1]
        )
        assert match.match_id == history.matches[0].match_id and len(match.players) == 10


def test_stats_move_during_a_game():
    demo = DemoSteam(MEMBERS)
    from backend.steam import results

    start = EPOCH + 7 * CYCLE_SECONDS
    server = str(demo.game(7).server_steam_id)
    early = results.parse_realtime_stats(demo.answer("GetRealtimeStats", {"server_steam_id": server}, start + 60)[1])
    late = results.parse_realtime_stats(demo.answer("GetRealtimeStats", {"server_steam_id": server}, start + 300)[1])
    assert late.game_time > early.game_time
    assert sum(p.net_worth for p in late.players) > sum(p.net_worth for p in early.players)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_command_serves_the_stack(settings, queued_tasks):
    for account_id in MEMBERS:
        UserFactory(username=f"demo{account_id}", steam_id=STEAM_ID64_BASE + account_id)
    port = free_port()
    server = Process(
        "fake-steam", [str(__import__("sys").executable), "manage.py", "fake_steam", "--port", str(port)], process_env()
    )
    server.start()
    try:
        wait_until(lambda: "Fake Steam" in server.log or not server.alive(), timeout=30, what="fake steam")
        settings.STEAM_API_BASE_URL = f"http://127.0.0.1:{port}"
        settings.STEAM_API_KEY = "demo"
        settings.STEAM_CALLS_PER_SECOND = 1000
        client = SteamClient()
        assert client.get_heroes()
        assert client.resolve_vanity_url("someone") > STEAM_ID64_BASE
        with pytest.raises(SteamNotFound):
            client.resolve_vanity_url("nobody")
        report = match_services.member_games_sync(
            user_id=UserFactory._meta.model.objects.get(username="demo11").pk, client=client
        )
        assert len(report.matches_new) == match_services.SYNC_FIRST_MATCHES and Match.objects.count() == 20
        live = live_services.live_poll(client=client)
        assert live.tracked in (0, 1)  # a game is live 6 minutes out of 8
        # The demo's stored games show heroes no hero list names yet: the refresh fills it from the demo too.
        assert queued_tasks() == ["steam.refresh_heroes"]
        assert steam_tasks.refresh_heroes()["created"]
        shown = set(MatchPlayer.objects.values_list("hero_id", flat=True))
        assert shown and all(not hero_name(hero_id).startswith("Hero ") for hero_id in shown)
        settings.STEAM_API_KEY = "bad"
        with pytest.raises(SteamBadKey):
            SteamClient().get_match_history(11)  # not cached
    finally:
        server.stop()
