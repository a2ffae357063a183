"""The live poll against the fake Steam with a scripted live game."""

import copy

import pytest
from django.core.cache import cache

from backend.accounts.models import STEAM_ID64_BASE
from backend.live import broadcast, services
from backend.live.models import LiveMatch
from backend.steam.budget import CallBudget
from backend.steam.client import LIVE, SteamClient
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.fakes.steam import Fault, fixture

pytestmark = pytest.mark.django_db

MEMBER = 1200486799  # plays the first game of GetTopLiveGame.json
TOP = fixture("GetTopLiveGame.json")
FIRST, SECOND = TOP["game_list"]
SERVER, LOBBY = int(FIRST["server_steam_id"]), int(FIRST["lobby_id"])


@pytest.fixture
def member(db):
    return UserFactory(username="member", steam_id=STEAM_ID64_BASE + MEMBER)


class Sent(list):
    """The broadcasts sent (after commit) by the polls run through `poll`."""

    def __init__(self, capture):
        super().__init__()
        self.capture = capture

    def poll(self, *, fresh=False, **kwargs):
        if fresh:  # a new period: the short live cache would answer asks made within the same one
            cache.clear()
        with self.capture(execute=True):
            return services.live_poll(**kwargs)


@pytest.fixture
def sent(monkeypatch, django_capture_on_commit_callbacks):
    messages = Sent(django_capture_on_commit_callbacks)
    monkeypatch.setattr(broadcast, "_send", lambda live_id, message: messages.append(message))
    return messages


class RealtimeTimeline:
    """GetRealtimeStats per server id: the recorded mid-game body with this game's ids; tests edit `stats`."""

    def __init__(self, fake_steam):
        self.bodies = {}
        fake_steam.serve("GetRealtimeStats", self)

    def add(self, server_steam_id, lobby_match_id, accounts):
        body = fixture("GetRealtimeStats.json")
        body["match"]["server_steam_id"] = str(server_steam_id)
        body["match"]["matchid"] = lobby_match_id
        body["teams"][0]["players"][0]["accountid"] = accounts[0]
        self.bodies[server_steam_id] = body
        return body

    def __call__(self, params):
        return copy.deepcopy(self.bodies.get(int(params["server_steam_id"]), {}))


def test_member_top_live_game_is_tracked_with_realtime_stats(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    report = sent.poll()
    assert report.changed == [LOBBY] and report.realtime_refreshed == 1
    row = LiveMatch.objects.get(live_id=LOBBY)
    assert (row.server_steam_id, row.match_id, row.source) == (SERVER, 8591964706, "top_live")
    assert (row.radiant_score, row.dire_score, row.game_time) == (20, 30, 1395)
    me = next(p for p in row.players if p["account_id"] == MEMBER)
    assert me["user"] == member.pk and me["kills"] == 6 and me["gpm"] is None and me["xpm"] is None
    # the other top game has no member: not tracked, its stats not asked for
    assert LiveMatch.objects.count() == 1
    assert [c.params["server_steam_id"] for c in fake_steam.calls_to("GetRealtimeStats")] == [str(SERVER)]
    assert [m["type"] for m in sent] == ["live.match"]
    assert sent[0]["data"]["live_id"] == str(LOBBY) and sent[0]["data"]["server_steam_id"] == str(SERVER)


def test_nothing_changed_means_no_broadcast(fake_steam, member, sent, settings):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    fake_steam.server.clear_log()
    report = sent.poll()
    assert report.changed == [] and [m["type"] for m in sent] == ["live.match"]


def test_changed_stats_are_broadcast(fake_steam, member, sent, monkeypatch):
    timeline = RealtimeTimeline(fake_steam)
    body = timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    body["teams"][0]["players"][0]["kill_count"] = 7
    body["teams"][0]["score"] = 21
    body["match"]["game_time"] = 1405
    report = sent.poll(fresh=True)
    assert report.changed == [LOBBY]
    assert [m["type"] for m in sent] == ["live.match", "live.match"]
    assert sent[1]["data"]["radiant_score"] == 21
    assert next(p for p in sent[1]["data"]["players"] if p["account_id"] == MEMBER)["kills"] == 7


def test_game_over_is_broadcast_as_ended(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    del timeline.bodies[SERVER]  # the server answers {} now
    report = sent.poll(fresh=True)
    [ended] = report.ended
    assert (ended["live_id"], ended["match_id"]) == (LOBBY, 8591964706) and MEMBER in ended["account_ids"]
    assert sent[-1] == {"type": "live.ended", "data": {"live_id": str(LOBBY), "match_id": 8591964706}}
    assert LiveMatch.objects.get(live_id=LOBBY).ended_at is not None
    assert LiveMatch.objects.tracked().count() == 0


def test_post_game_state_ends_it(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    body = timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    body["match"]["game_state"] = 6
    report = sent.poll(fresh=True)
    assert [e["live_id"] for e in report.ended] == [LOBBY]


def test_game_out_of_the_top_list_is_followed_until_it_ends(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    fake_steam.serve("GetTopLiveGame", {**TOP, "game_list": [SECOND]})
    report = sent.poll(fresh=True)
    assert report.ended == [] and LiveMatch.objects.tracked().count() == 1
    assert len(fake_steam.calls_to("GetRealtimeStats")) == 2


def test_realtime_400s_in_a_row_end_a_game_out_of_the_top_list(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    fake_steam.serve("GetTopLiveGame", {**TOP, "game_list": [SECOND]})
    for _ in range(services.REALTIME_FAILURES_TO_END - 1):
        fake_steam.fail("GetRealtimeStats", 400)
        assert sent.poll(fresh=True).ended == []
    fake_steam.fail("GetRealtimeStats", 400)
    assert [e["live_id"] for e in sent.poll(fresh=True).ended] == [LOBBY]


def test_failures_that_say_nothing_of_the_game_never_end_it(fake_steam, member, sent):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    fake_steam.serve("GetTopLiveGame", {**TOP, "game_list": [SECOND]})
    for fault in (500, 429, "timeout", 503, 500):  # more than REALTIME_FAILURES_TO_END in a row
        fake_steam.fail("GetRealtimeStats", fault, fault)  # the live policy's two attempts both fail
        assert sent.poll(fresh=True).ended == []
    # Steam's refusals still end it, counted from where they were
    fake_steam.fail("GetRealtimeStats", *[400] * services.REALTIME_FAILURES_TO_END)
    for _ in range(services.REALTIME_FAILURES_TO_END - 1):
        assert sent.poll(fresh=True).ended == []
    assert [e["live_id"] for e in sent.poll(fresh=True).ended] == [LOBBY]


def test_league_lobby_with_scoreboard_then_leaving_the_feed(fake_steam, sent, monkeypatch):
    monkeypatch.setattr(services, "tracked_league_ids", lambda: [2091])
    report = sent.poll()
    league_rows = LiveMatch.objects.filter(source="league")
    assert league_rows.count() == 3 and len(report.changed) == 3
    row = league_rows.get(live_id=23972521217273801)
    assert row.server_steam_id is None and row.league_id == 2091 and row.radiant_score == 19
    player = next(p for p in row.players if p["account_id"] == 193496070)
    assert (player["gpm"], player["xpm"], player["deaths"]) == (255, 381, 5)  # the scoreboard has gpm/xpm
    assert [c.params.get("league_id") for c in fake_steam.calls_to("GetLiveLeagueGames")] == ["2091"]

    # the feed fails: nothing is ended on a guess
    fake_steam.fail("GetLiveLeagueGames", *[503] * LIVE.attempts)
    assert sent.poll(fresh=True).ended == []
    # the feed answers without one game: it ended
    body = fixture("GetLiveLeagueGames.json")
    body["result"]["games"] = body["result"]["games"][1:]
    fake_steam.serve("GetLiveLeagueGames", body)
    assert [e["live_id"] for e in sent.poll(fresh=True).ended] == [23972521217273801]


def test_budget_too_small_stretches_refreshes_evenly_and_says_so(fake_steam, sent, settings, caplog):
    settings.STEAM_CALLS_PER_SECOND = 0.25  # with LIVE_POLL_SECONDS 10: 2 calls per period, 1 for the top list
    top = copy.deepcopy(TOP)
    games = []
    for index in range(3):
        game = copy.deepcopy(FIRST)
        game["server_steam_id"], game["lobby_id"] = str(SERVER + index), str(LOBBY + index)
        game["players"][0]["account_id"] = 1000 + index
        UserFactory(username=f"m{index}", steam_id=STEAM_ID64_BASE + 1000 + index)
        games.append(game)
    top["game_list"] = games
    fake_steam.serve("GetTopLiveGame", top)
    timeline = RealtimeTimeline(fake_steam)
    for index in range(3):
        timeline.add(SERVER + index, 8591964706 + index, [1000 + index])
    # The plan reads STEAM_CALLS_PER_SECOND; this client's own budget is generous so the test runs fast.
    client = SteamClient(budget=CallBudget(1000))
    refreshed = []
    for _ in range(3):
        report = sent.poll(fresh=True, client=client)
        refreshed.append(report.realtime_refreshed)
        assert report.refresh_seconds == 30
    assert refreshed == [1, 1, 1]
    asked = [int(c.params["server_steam_id"]) for c in fake_steam.calls_to("GetRealtimeStats")]
    assert sorted(asked) == [SERVER, SERVER + 1, SERVER + 2]  # each game once in three periods: evenly
    assert any("refresh every 30 s" in r.getMessage() for r in caplog.records)


def test_live_api_lists_tracked_games_per_the_contract(fake_steam, member, sent, anonymous):
    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    response = client_for(anonymous).get("/api/live/")
    assert response.status_code == 200
    [game] = response.json()["results"]
    assert game["live_id"] == str(LOBBY) and game["server_steam_id"] == str(SERVER)
    assert game["match_id"] == 8591964706 and game["source"] == "top_live"
    assert set(game) >= {
        "league_id",
        "game_time",
        "radiant_score",
        "dire_score",
        "radiant_lead",
        "players",
        "updated_at",
    }
    assert set(game["players"][0]) == {
        "account_id",
        "user",
        "hero_id",
        "team",
        "kills",
        "deaths",
        "assists",
        "net_worth",
        "level",
        "gpm",
        "xpm",
    }


def test_bad_key_stops_the_poll(fake_steam, member, sent, settings):
    fake_steam.fail("GetTopLiveGame", Fault(403))
    with pytest.raises(services.SteamBadKey):
        sent.poll()


def test_a_live_tournament_game_is_marked_live(fake_steam, sent):
    from backend.tournaments.models import GameStatus
    from tests.factories import GameFactory, TeamFactory, TournamentFactory

    radiant_player, dire_player = MEMBER, 130357820  # on opposite sides of GetTopLiveGame.json's first game
    tournament = TournamentFactory()
    home = TeamFactory(
        tournament=tournament, captain=UserFactory(username="r", steam_id=STEAM_ID64_BASE + radiant_player)
    )
    away = TeamFactory(tournament=tournament, captain=UserFactory(username="d", steam_id=STEAM_ID64_BASE + dire_player))
    game = GameFactory(tournament=tournament, radiant_team=away, dire_team=home)
    fake_steam.serve("GetRealtimeStats", {})  # no realtime stats: the top list's own data is used
    fake_steam.fail("GetRealtimeStats", 503, 503)
    sent.poll()
    game.refresh_from_db()
    assert game.status == GameStatus.LIVE


def test_a_poll_running_while_another_stores_sends_each_change_and_end_once(fake_steam, member, sent):
    # A Redis restart loses the poll lock, so the next period's poll may run while one is still asking Steam.
    timeline = RealtimeTimeline(fake_steam)
    body = timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    body["teams"][0]["players"][0]["kill_count"] = 7

    def another_poll_stores_first():
        assert services.live_poll().changed == [LOBBY]

    assert sent.poll(fresh=True, confirm=another_poll_stores_first).changed == []
    assert [m["type"] for m in sent] == ["live.match", "live.match"]

    del timeline.bodies[SERVER]  # the game is over

    def another_poll_ends_it_first():
        assert len(services.live_poll().ended) == 1

    assert sent.poll(fresh=True, confirm=another_poll_ends_it_first).ended == []
    assert [m["type"] for m in sent] == ["live.match", "live.match", "live.ended"]
    assert LiveMatch.objects.count() == 1


def test_a_hero_not_stored_queues_one_hero_refresh(fake_steam, member, sent, queued_tasks):
    from backend.core.redis import get_redis
    from backend.steam.models import Hero
    from backend.steam.services import HERO_REFRESH_REQUESTED

    def next_period():  # only the Steam answers go (cache.clear() would take the hour's marker with them)
        redis = get_redis()
        redis.delete(*redis.keys("*steam:cache:*"))

    timeline = RealtimeTimeline(fake_steam)
    timeline.add(SERVER, 8591964706, [MEMBER])
    sent.poll()
    next_period()
    sent.poll()
    assert len(fake_steam.calls_to("GetRealtimeStats")) == 2
    assert queued_tasks() == ["steam.refresh_heroes"]  # once, not every period

    Hero.objects.bulk_create(Hero(**hero) for hero in fixture("GetHeroes.json")["result"]["heroes"])
    get_redis().delete(HERO_REFRESH_REQUESTED)  # an hour later, every hero of the game stored: nothing queued
    next_period()
    sent.poll()
    assert queued_tasks() == ["steam.refresh_heroes"]
