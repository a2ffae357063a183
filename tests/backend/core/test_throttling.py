"""Throttles come from API_THROTTLE_ANON / API_THROTTLE_USER: over the rate, 429 with Retry-After and a JSON body."""

import pytest
import requests
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from tests.processes import AsgiServer, process_env, running

pytestmark = pytest.mark.slow


def test_throttled_requests_get_429_with_retry_after(transactional_db):
    token = Token.objects.create(user=UserFactory()).key
    server = AsgiServer(process_env(API_THROTTLE_ANON="3/min", API_THROTTLE_USER="5/min"))
    with running(server):
        anonymous = [requests.get(f"{server.url}/api/tournaments/", timeout=10) for _ in range(4)]
        assert [r.status_code for r in anonymous] == [200, 200, 200, 429]
        throttled = anonymous[-1]
        assert throttled.json()["code"] == "throttled"
        assert throttled.json()["detail"]
        assert 0 < int(throttled.headers["Retry-After"]) <= 60

        headers = {"Authorization": f"Token {token}"}
        signed_in = [requests.get(f"{server.url}/api/tournaments/", headers=headers, timeout=10) for _ in range(6)]
        assert [r.status_code for r in signed_in] == [200] * 5 + [429]
        assert int(signed_in[-1].headers["Retry-After"]) > 0


def test_empty_rates_turn_throttling_off(transactional_db):
    server = AsgiServer(process_env(API_THROTTLE_ANON="", API_THROTTLE_USER=""))
    with running(server):
        statuses = {requests.get(f"{server.url}/api/tournaments/", timeout=10).status_code for _ in range(20)}
    assert statuses == {200}
