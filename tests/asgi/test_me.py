"""`/ws/me/` through a real ASGI server: anonymous refused, notifications in `seq` order, only after commit."""

import json

import pytest
import requests
from django.db import transaction
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from backend.accounts.models import User
from backend.drafts.selectors import round_data
from backend.drafts.services import draft_create
from backend.notifications.services import notify_user, notify_users
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.processes import AsgiServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sign_in(server: AsgiServer, username: str) -> tuple[int, str]:
    session = requests.Session()
    response = session.post(f"{server.url}/api/tests/login-as/", json={"username": username}, timeout=10)
    response.raise_for_status()
    return response.json()["id"], f"sessionid={session.cookies['sessionid']}"


def open_me(server: AsgiServer, cookie: str | None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else {}
    return connect(f"{server.ws_url}/ws/me/", origin=server.url, additional_headers=headers, open_timeout=10)


def test_anonymous_connection_is_closed_with_4401(server):
    with open_me(server, None) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd.code == 4401


def test_notifications_reach_the_users_connections_in_seq_order(server):
    user_id, cookie = sign_in(server, "me-notified")
    other_id, other_cookie = sign_in(server, "me-other")
    with open_me(server, cookie) as first, open_me(server, cookie) as second, open_me(server, other_cookie) as other:
        notify_user(user_id, "notify.draft_started", {"draft": 7, "tournament": 3})
        notify_user(user_id, "notify.your_turn", {"draft": 7, "round": {"id": 70}})

        for socket in (first, second):
            messages = [json.loads(socket.recv(timeout=10)) for _ in range(2)]
            assert messages == [
                {"type": "notify.draft_started", "seq": 1, "data": {"draft": 7, "tournament": 3}},
                {"type": "notify.your_turn", "seq": 2, "data": {"draft": 7, "round": {"id": 70}}},
            ]
        with pytest.raises(TimeoutError):
            other.recv(timeout=0.5)
    assert other_id != user_id


def test_seq_counts_per_connection(server):
    user_id, cookie = sign_in(server, "me-seq")
    with open_me(server, cookie) as early:
        notify_user(user_id, "notify.your_turn", {"draft": 1})
        assert json.loads(early.recv(timeout=10))["seq"] == 1
        with open_me(server, cookie) as late:
            notify_user(user_id, "notify.your_turn", {"draft": 2})
            assert json.loads(early.recv(timeout=10))["seq"] == 2
            assert json.loads(late.recv(timeout=10))["seq"] == 1


def test_nothing_is_sent_for_a_rolled_back_transaction(server):
    user_id, cookie = sign_in(server, "me-rollback")
    with open_me(server, cookie) as socket:
        with pytest.raises(RuntimeError), transaction.atomic():
            notify_users([user_id], "notify.your_turn", {"draft": "rolled back"})
            raise RuntimeError("roll back")
        notify_user(user_id, "notify.your_turn", {"draft": "committed"})

        assert json.loads(socket.recv(timeout=10))["data"] == {"draft": "committed"}
        with pytest.raises(TimeoutError):
            socket.recv(timeout=0.5)


def test_a_connection_opened_during_the_users_turn_starts_with_it(server):
    captain_id, cookie = sign_in(server, "me-captain")
    waiting_id, waiting_cookie = sign_in(server, "me-waiting")
    tournament = TournamentFactory()
    TeamFactory(tournament=tournament, draft_order=1, captain=User.objects.get(pk=captain_id))
    TeamFactory(tournament=tournament, draft_order=2, captain=User.objects.get(pk=waiting_id))
    tournament.players.add(*UserFactory.create_batch(2))
    draft = draft_create(actor=UserFactory(is_staff=True), tournament=tournament, style="snake")
    first_round = draft.rounds.get(pick_number=1)

    with open_me(server, cookie) as on_turn, open_me(server, waiting_cookie) as waiting:
        assert json.loads(on_turn.recv(timeout=10)) == {
            "type": "notify.your_turn",
            "seq": 1,
            "data": {
                "draft": draft.pk,
                "tournament": tournament.pk,
                "round": round_data(first_round),
                "url": f"/drafts/{draft.pk}/",
            },
        }
        with pytest.raises(TimeoutError):
            waiting.recv(timeout=0.5)
