"""`/ws/now/` through a real ASGI server and the real Redis channel layer: drafts started, completed and reopened
over REST, and live games found and lost by the real live poll (Steam faked at its HTTP edge)."""

import json

import pytest
from django.db import transaction
from websockets.sync.client import ClientConnection, connect

from backend.accounts.models import STEAM_ID64_BASE
from backend.drafts.services import draft_create
from tests.asgi.draft_clients import rest, token_for
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.live_game import LOBBY, MEMBER, serve_member_game
from tests.processes import AsgiServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def open_now(server: AsgiServer) -> ClientConnection:
    return connect(f"{server.ws_url}/ws/now/", origin=server.url, open_timeout=10)


def receive(socket: ClientConnection) -> dict:
    return json.loads(socket.recv(timeout=10))


def nothing_more(socket: ClientConnection) -> bool:
    try:
        message = socket.recv(timeout=1)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message {message}")


def test_a_draft_shows_from_its_start_to_its_completion_and_again_when_reopened(server):
    tournament = TournamentFactory(name="Now Cup")
    first = TeamFactory(tournament=tournament, draft_order=1)
    second = TeamFactory(tournament=tournament, draft_order=2)
    players = UserFactory.create_batch(2)
    tournament.players.add(*players)
    staff_user = UserFactory(is_staff=True)
    staff = token_for(staff_user)

    with open_now(server) as page:
        assert receive(page) == {"type": "now.snapshot", "seq": 0, "data": {"drafts": [], "games": []}}

        with pytest.raises(RuntimeError), transaction.atomic():  # a start rolled back announces nothing
            draft_create(actor=staff_user, tournament=tournament, style="snake")
            raise RuntimeError("roll back")
        assert nothing_more(page)

        started = rest(server.url, staff, "post", f"tournaments/{tournament.pk}/draft/", {"style": "snake"})
        assert started.status_code == 201, started.text
        draft_id = started.json()["id"]
        draft = {"id": draft_id, "tournament": tournament.pk, "tournament_name": "Now Cup", "style": "snake"}
        assert receive(page) == {"type": "now.draft_started", "seq": 1, "data": {**draft, "state": "active", "seq": 1}}

        # A start refused (the draft exists) announces nothing; nor does a pick that leaves the draft open.
        assert (
            rest(server.url, staff, "post", f"tournaments/{tournament.pk}/draft/", {"style": "normal"}).status_code
            == 409
        )
        captains = {first.captain_id: token_for(first.captain), second.captain_id: token_for(second.captain)}
        for player in players:
            current = rest(server.url, None, "get", f"drafts/{draft_id}/").json()["current_round"]
            picked = rest(
                server.url, captains[current["captain"]], "post", f"drafts/{draft_id}/pick/", {"player_id": player.pk}
            )
            assert picked.status_code == 200, picked.text
            if player is players[0]:
                assert nothing_more(page)

        completed = receive(page)
        assert completed == {"type": "now.draft_completed", "seq": 2, "data": {**draft, "state": "completed", "seq": 4}}

        with open_now(server) as later:  # a page opened now: nothing live
            assert receive(later)["data"] == {"drafts": [], "games": []}

        assert rest(server.url, staff, "post", f"drafts/{draft_id}/undo/").status_code == 200
        reopened = receive(page)
        assert reopened == {"type": "now.draft_reopened", "seq": 3, "data": {**draft, "state": "active", "seq": 5}}

        page.send(json.dumps({"type": "sync"}))
        assert receive(page) == {
            "type": "now.snapshot",
            "seq": 4,
            "data": {"drafts": [{**draft, "state": "active", "seq": 5}], "games": []},
        }
        # An undo that does not reopen the draft is no news here.
        assert rest(server.url, staff, "post", f"drafts/{draft_id}/undo/").status_code == 200
        assert nothing_more(page)


def test_a_live_game_shows_when_the_poll_finds_it_and_goes_when_it_ends(server, fake_steam, monkeypatch):
    member = UserFactory(nickname="<b>Mid</b>", steam_id=STEAM_ID64_BASE + MEMBER)
    stats, poll = serve_member_game(fake_steam, monkeypatch)

    with open_now(server) as page:
        assert receive(page)["data"] == {"drafts": [], "games": []}

        poll()
        started = receive(page)
        assert started["type"] == "now.game_started" and started["seq"] == 1
        assert started["data"]["live_id"] == str(LOBBY)
        assert started["data"]["members"] == [{"id": member.pk, "name": "<b>Mid</b>"}]
        assert "players" not in started["data"]  # no stats: they change every poll

        with open_now(server) as later:
            assert [game["live_id"] for game in receive(later)["data"]["games"]] == [str(LOBBY)]

        stats["teams"][0]["players"][0]["kill_count"] += 1
        stats["match"]["game_time"] += 10
        poll()  # the stats changed: /ws/live/ says so, this stream does not
        assert nothing_more(page)

        stats.clear()  # the server answers {}: the game is over
        poll()
        ended = receive(page)
        assert ended == {
            "type": "now.game_ended",
            "seq": 2,
            "data": {"live_id": str(LOBBY), "match_id": ended["data"]["match_id"]},
        }
