"""While Redis (where throttle counters live) is unreachable, the API answers unthrottled instead of 500."""

import pytest
import requests

from tests.processes import AsgiServer, process_env, running, wait_until

pytestmark = pytest.mark.slow


def test_requests_pass_unthrottled_while_redis_is_down_and_are_counted_again_after(transactional_db, redis_server):
    server = AsgiServer(process_env(REDIS_URL=redis_server.url, API_THROTTLE_ANON="3/min", API_THROTTLE_USER=""))
    url = f"{server.url}/api/users/"
    with running(server):
        assert [requests.get(url, timeout=10).status_code for _ in range(4)] == [200, 200, 200, 429]

        redis_server.stop()
        assert [requests.get(url, timeout=10).status_code for _ in range(5)] == [200] * 5

        # Back, empty: counting starts over, and the limit holds again.
        redis_server.start()
        statuses = wait_until(
            lambda: 429 in (seen := [requests.get(url, timeout=10).status_code for _ in range(4)]) and seen,
            timeout=30,
            what="throttling to count again",
        )
        assert set(statuses) <= {200, 429}
