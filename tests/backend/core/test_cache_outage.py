"""Redis outages: reads fall back to the database, and a write made while Redis is down is never hidden later."""

import contextlib
import os
import signal
import time

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from backend.core.cache import BREAKER_SECONDS
from tests.factories import UserFactory
from tests.processes import AsgiServer, RedisServer, process_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class PersistentRedis(RedisServer):
    """A private Redis that keeps its data across a stop and start, as a production Redis with RDB or AOF does.

    Without that, the restarted Redis would be empty and a stale entry could not survive the outage to be tested.
    """

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(redis.ConnectionError):
            redis.Redis(port=self.port).shutdown(save=True)
        self.popen.wait(10)
        self.popen = None


def cached_values(client: redis.Redis) -> list[bytes]:
    keys = [key for key in client.scan_iter(match="co:as:*") if client.type(key) == b"string"]
    return [value for key in keys if (value := client.get(key)) is not None]


@pytest.fixture
def cache_redis():
    server = PersistentRedis().start()
    yield server
    server.stop()


@pytest.fixture
def web(cache_redis):
    server = AsgiServer(process_env(REDIS_URL=cache_redis.url, LOG_LEVEL="INFO")).start()
    yield server
    server.stop()


def nickname(web, path):
    response = requests.get(f"{web.url}{path}", timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["nickname"] if "nickname" in body else {row["nickname"] for row in body["results"]}


def test_write_during_outage_is_visible_after_redis_returns(cache_redis, web):
    user = UserFactory(username="outage", nickname="Before")
    token = Token.objects.create(user=user).key
    detail, listing = f"/api/users/{user.pk}/", "/api/users/?search=outage"
    assert nickname(web, detail) == "Before"
    assert nickname(web, listing) == {"Before"}
    cache = redis.Redis(port=cache_redis.port)
    assert any(b"Before" in value for value in cached_values(cache)), "the reads did not fill the cache"

    cache_redis.stop()
    # Reads while Redis is down come from the database.
    assert nickname(web, detail) == "Before"
    patched = requests.patch(
        f"{web.url}/api/users/me/",
        json={"nickname": "After"},
        headers={"Authorization": f"Token {token}"},
        timeout=10,
    )
    assert patched.status_code == 200, patched.text
    assert nickname(web, detail) == "After"
    assert nickname(web, listing) == {"After"}

    cache_redis.start()
    # The entries cached before the outage survived the restart: exactly what must not be served.
    assert any(b"Before" in value for value in cached_values(cache))
    assert nickname(web, detail) == "After"
    assert nickname(web, listing) == {"After"}
    time.sleep(BREAKER_SECONDS + 0.2)  # past the breaker: reads go through the cache again
    assert nickname(web, detail) == "After"
    assert nickname(web, listing) == {"After"}
    # The debt is paid: the stale entries are gone and the cache fills again, with the new data only.
    wait_until(lambda: not any(b"Before" in value for value in cached_values(cache)), timeout=5, what="stale keys gone")
    for _ in range(2):
        assert nickname(web, detail) == "After"
        assert nickname(web, listing) == {"After"}
    values = cached_values(cache)
    assert any(b"After" in value for value in values) and not any(b"Before" in value for value in values)
    log = web.log
    assert log.count("cache unreachable") == 1, log
    assert log.count("invalidation(s) were lost") == 1, log
    assert "Traceback" not in log


def test_reads_answer_200_while_redis_is_down(cache_redis, web):
    user = UserFactory(username="down", nickname="Down")
    cache_redis.stop()
    started = time.monotonic()
    for _ in range(10):
        assert nickname(web, f"/api/users/{user.pk}/") == "Down"
        assert requests.get(f"{web.url}/api/users/", timeout=10).status_code == 200
    assert time.monotonic() - started < 5


def test_a_hung_redis_costs_one_short_timeout_then_is_skipped(cache_redis, web):
    user = UserFactory(username="hung", nickname="Hung")
    assert nickname(web, f"/api/users/{user.pk}/") == "Hung"
    assert cache_redis.popen is not None
    os.kill(cache_redis.popen.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        started = time.monotonic()
        for _ in range(20):
            assert nickname(web, f"/api/users/{user.pk}/") == "Hung"
        elapsed = time.monotonic() - started
    finally:
        os.kill(cache_redis.popen.pid, signal.SIGCONT)
    # Without the breaker each read would wait for the socket timeout (20 x 1 s).
    assert elapsed < 6, elapsed
