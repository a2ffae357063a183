"""End to end: a scripted live game on the fake Steam, polled on schedule, reaches spectators on /ws/live/
through a real ASGI server, and its final result then shows in /api/matches/."""

import copy
import json

import pytest
import requests
from django.core.cache import cache
from websockets.sync.client import connect

from backend.accounts.models import STEAM_ID64_BASE
from backend.tournaments.models import Game, GameStatus
from tests.factories import GameFactory, TeamFactory, TournamentFactory, UserFactory
from tests.fakes.steam import ScriptedMatch, fixture
from tests.processes import AsgiServer, process_env, running
from workers.tasks import steam as steam_tasks

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEMBER = 1200486799  # plays the first game of GetTopLiveGame.json
OPPONENT = 130357820  # the captain of the other team of the tournament game
TOP = fixture("GetTopLiveGame.json")
LOBBY, SERVER, MATCH_ID = int(TOP["game_list"][0]["lobby_id"]), int(TOP["game_list"][0]["server_steam_id"]), 8591964706


def receive(socket):
    return json.loads(socket.recv(timeout=10))


def nothing_more(socket):
    try:
        message = socket.recv(timeout=1)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message {message}")


def poll():
    cache.clear()  # each call is a new poll period (the short live cache would answer within one)
    return steam_tasks.poll_live_matches()


def test_live_game_start_changes_and_end_reach_spectators(fake_steam, monkeypatch):
    member = UserFactory(username="member", steam_id=STEAM_ID64_BASE + MEMBER)
    opponent = UserFactory(username="opponent", steam_id=STEAM_ID64_BASE + OPPONENT)
    tournament = TournamentFactory()
    ours, theirs = (
        TeamFactory(tournament=tournament, captain=member),
        TeamFactory(tournament=tournament, captain=opponent),
    )
    # The game has no match id yet: the live poll and the sync find it by the teams' members on both sides.
    game = GameFactory(tournament=tournament, radiant_team=theirs, dire_team=ours)
    monkeypatch.setattr(steam_tasks.sync_member, "apply_async", lambda **kwargs: None)  # fetched by hand below
    stats = fixture("GetRealtimeStats.json")
    stats["match"]["server_steam_id"], stats["match"]["matchid"] = str(SERVER), MATCH_ID
    stats["teams"][0]["players"][0]["accountid"] = MEMBER
    stats["teams"][1]["players"][0]["accountid"] = OPPONENT
    fake_steam.serve("GetRealtimeStats", lambda params: copy.deepcopy(stats))
    server = AsgiServer(process_env())
    with running(server):
        origin = {"origin": server.url}
        with connect(f"{server.ws_url}/ws/live/", open_timeout=10, **origin) as spectator:
            assert receive(spectator) == {"type": "live.snapshot", "seq": 0, "data": {"matches": []}}

            poll()  # the game starts: it appears
            started = receive(spectator)
            assert (started["type"], started["seq"], started["data"]["live_id"]) == ("live.match", 1, str(LOBBY))
            assert Game.objects.get(pk=game.pk).status == GameStatus.LIVE

            poll()  # nothing changed: nothing sent
            assert nothing_more(spectator)

            stats["teams"][0]["players"][0]["kill_count"] += 1
            stats["match"]["game_time"] += 10
            poll()
            changed = receive(spectator)
            assert changed["seq"] == 2
            assert next(p for p in changed["data"]["players"] if p["account_id"] == MEMBER)["kills"] == 7

            with connect(f"{server.ws_url}/ws/live/{LOBBY}/", open_timeout=10, **origin) as one_game:
                snapshot = receive(one_game)
                assert snapshot["seq"] == 0 and [m["live_id"] for m in snapshot["data"]["matches"]] == [str(LOBBY)]

                stats.clear()  # the server answers {}: the game is over
                poll()
                ended = {"type": "live.ended", "seq": 3, "data": {"live_id": str(LOBBY), "match_id": MATCH_ID}}
                assert receive(spectator) == ended
                assert receive(one_game) == {**ended, "seq": 1}

            listed = requests.get(f"{server.url}/api/live/", timeout=10).json()
            assert listed["results"] == []

        # the final result: the member's history now lists the match
        fake_steam.script_matches([ScriptedMatch(MATCH_ID, 7215564751, radiant=[MEMBER], dire=[OPPONENT])])
        steam_tasks.sync_member(member.pk)
        matches = requests.get(f"{server.url}/api/matches/", timeout=10).json()["results"]
        assert [(m["match_id"], m["game"]) for m in matches] == [(MATCH_ID, game.pk)]
        in_tournament = requests.get(f"{server.url}/api/matches/?tournament={tournament.pk}", timeout=10).json()
        assert [m["match_id"] for m in in_tournament["results"]] == [MATCH_ID]
        game.refresh_from_db()
        # the member's team played radiant (the game lists it as dire) and radiant won
        assert (game.steam_match_id, game.status, game.winning_team_id) == (MATCH_ID, GameStatus.FINISHED, ours.pk)

        with connect(f"{server.ws_url}/ws/live/12345/", open_timeout=10, **origin) as unknown:
            with pytest.raises(Exception) as closed:
                unknown.recv(timeout=10)
            assert getattr(closed.value, "rcvd", None) is not None and closed.value.rcvd.code == 4404
