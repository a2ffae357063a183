"""`GET /healthz`: 200 when the database, Redis, worker and beat are up; 503 naming what is down."""

import time

import pytest
import redis
import requests
from django.conf import settings
from django.test import override_settings

from backend.core.health import heartbeat_key
from tests.processes import AsgiServer, CeleryBeat, CeleryWorker, process_env, running, wait_until

ALL_OK = {"database": "ok", "redis": "ok", "worker": "ok", "beat": "ok"}


def write_heartbeat(process: str, age: float, url: str | None = None) -> None:
    client = redis.Redis.from_url(url or settings.CACHE_REDIS_URL)
    client.set(heartbeat_key(process), str(time.time() - age))


@pytest.mark.django_db
def test_healthy_when_redis_is_up_and_heartbeats_are_fresh(client):
    write_heartbeat("worker", age=1)
    write_heartbeat("beat", age=1)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == ALL_OK


@pytest.mark.django_db
@pytest.mark.parametrize("process", ["worker", "beat"])
def test_a_heartbeat_older_than_30_seconds_is_503_naming_that_process(client, process):
    other = {"worker": "beat", "beat": "worker"}[process]
    write_heartbeat(other, age=1)
    write_heartbeat(process, age=31)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body[process].startswith("down: last heartbeat 3")  # 31 s, or a little more on a slow machine
    assert body == {**ALL_OK, process: body[process]}


@pytest.mark.django_db
def test_a_heartbeat_29_seconds_old_is_still_ok(client):
    write_heartbeat("worker", age=29)
    write_heartbeat("beat", age=29)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_no_heartbeat_at_all_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {**ALL_OK, "worker": "down: no heartbeat yet", "beat": "down: no heartbeat yet"}


@pytest.mark.django_db
def test_an_unreadable_heartbeat_is_503_not_500(client):
    write_heartbeat("beat", age=1)
    redis.Redis.from_url(settings.CACHE_REDIS_URL).set(heartbeat_key("worker"), "garbage")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "down: unreadable heartbeat"


@pytest.mark.django_db
def test_a_frozen_redis_is_503_naming_redis_within_seconds(client, redis_server):
    """A Redis that accepts connections but never answers (SIGSTOP) costs one short timeout, not a hung probe."""
    write_heartbeat("worker", age=1, url=redis_server.url)
    write_heartbeat("beat", age=1, url=redis_server.url)
    with override_settings(CACHE_REDIS_URL=redis_server.url):
        assert client.get("/healthz").status_code == 200
        redis_server.pause()
        try:
            started = time.monotonic()
            response = client.get("/healthz")
            elapsed = time.monotonic() - started
        finally:
            redis_server.resume()
    assert response.status_code == 503
    body = response.json()
    assert body["redis"].startswith("down: ")
    assert body["worker"] == body["beat"] == "unknown: Redis is down"
    assert body["database"] == "ok"
    assert elapsed < 5


@pytest.mark.slow
def test_real_server_answers_503_naming_redis_while_its_redis_is_stopped(transactional_db, redis_server):
    server = AsgiServer(process_env(REDIS_URL=redis_server.url))
    with running(server):
        write_heartbeat("worker", age=1, url=redis_server.url)
        write_heartbeat("beat", age=1, url=redis_server.url)
        response = requests.get(f"{server.url}/healthz", timeout=10)
        assert (response.status_code, response.json()) == (200, ALL_OK)

        redis_server.stop()
        started = time.monotonic()
        response = requests.get(f"{server.url}/healthz", timeout=10)
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["redis"].startswith("down: ")
        assert response.json()["database"] == "ok"

        # Back on the same port, the server reconnects on its own.
        redis_server.start()
        body = wait_until(
            lambda: (seen := requests.get(f"{server.url}/healthz", timeout=10).json())["redis"] == "ok" and seen,
            timeout=20,
            what="healthz to see Redis again",
        )
        assert body["worker"] == "down: no heartbeat yet"  # the restarted Redis kept nothing


@pytest.mark.slow
def test_stopping_the_real_worker_makes_healthz_name_the_worker(transactional_db, redis_server, client):
    """Worker and beat run for real; once the worker stops, its heartbeat ages and /healthz names it (beat stays ok)."""
    env = process_env(REDIS_URL=redis_server.url, HEARTBEAT_SECONDS="1")
    worker, beat = CeleryWorker(env), CeleryBeat(env)
    with override_settings(CACHE_REDIS_URL=redis_server.url, HEARTBEAT_STALE_SECONDS=5), running(beat, worker):
        wait_until(lambda: client.get("/healthz").status_code == 200, timeout=30, what="worker and beat heartbeats")
        worker.stop()
        body = wait_until(
            lambda: (seen := client.get("/healthz")).status_code == 503 and seen.json(),
            timeout=30,
            what="worker called down",
        )
        assert body["worker"].startswith("down: last heartbeat")
        assert body["beat"] == "ok"
        assert (body["database"], body["redis"]) == ("ok", "ok")
