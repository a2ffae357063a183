"""WebSocket origin check through the real ASGI server with DEBUG=0.

With DEBUG=1 AllowedHostsOriginValidator also lets local origins through, so the check is only
meaningful in production mode.
"""

import json
import secrets
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.processes import AsgiServer, process_env, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def production_server(django_db_setup, django_db_blocker) -> Iterator[AsgiServer]:
    env = process_env(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        TEST_LOGIN_ENABLED="0",
        ALLOWED_HOSTS="127.0.0.1,dtx.example.org",
    )
    server = AsgiServer(env)
    with django_db_blocker.unblock(), running(server):
        yield server


def ping(server: AsgiServer, origin: str | None) -> dict:
    with connect(f"{server.ws_url}/ws/ping/", origin=origin, open_timeout=10) as socket:
        socket.send(json.dumps({"n": 1}))
        return json.loads(socket.recv(timeout=10))


@pytest.mark.parametrize("origin", ["https://dtx.example.org", "http://dtx.example.org", "http://127.0.0.1:8000"])
def test_an_allowed_origin_is_accepted(production_server, origin):
    assert ping(production_server, origin) == {"type": "pong", "seq": 1, "data": {"n": 1}}


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "http://localhost",  # local, but not in this server's ALLOWED_HOSTS; DEBUG=1 would let it through
        "https://dtx.example.org.evil.example.com",
        "https://sub.dtx.example.org",
        "null",
    ],
)
def test_another_origin_is_refused(production_server, origin):
    with pytest.raises(InvalidStatus) as refused:
        ping(production_server, origin)
    assert refused.value.response.status_code == 403


def test_a_connection_without_origin_is_refused(production_server):
    with pytest.raises(InvalidStatus) as refused:
        ping(production_server, None)
    assert refused.value.response.status_code == 403
