"""A real Celery worker (prefork pool) and beat, on a Redis of the test's own that it may stop and restart."""

import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from celery import Celery

from backend.core.health import heartbeat_key
from tests.processes import BIN, CeleryBeat, CeleryWorker, Process, RedisServer, process_env, running, wait_until

pytestmark = pytest.mark.slow

TEST_TASKS = ["--include", "tests.workers.tasks"]
# Only beat sends core.worker_heartbeat (the worker's own heartbeat sends no task).
SCHEDULED_HEARTBEAT_RUN = re.compile(r"Task core\.worker_heartbeat\[[0-9a-f-]+\] succeeded")


def worker_env(server: RedisServer, **overrides: str) -> dict[str, str]:
    return process_env(REDIS_URL=server.url, **overrides)


def cache_db(server: RedisServer) -> redis.Redis:
    """The database the worker's tasks write to (REDIS_URL's n)."""
    return redis.Redis(port=server.port, db=0, socket_timeout=5)


@contextmanager
def producer(server: RedisServer) -> Iterator[Celery]:
    """A client app that only sends, on the worker's broker database (REDIS_URL's n + 2)."""
    client = Celery("tests-client", broker=f"redis://127.0.0.1:{server.port}/2", set_as_current=False)
    client.conf.update(task_serializer="json", accept_content=["json"])
    try:
        yield client
    finally:
        client.close()


def send(server: RedisServer, name: str, *args: Any) -> None:
    with producer(server) as client:
        client.send_task(name, args=list(args))


def done(server: RedisServer, key: str) -> bytes | None:
    return cache_db(server).get(f"tests:done:{key}")


def test_worker_runs_a_task_queued_before_it_started_and_one_sent_after(redis_server, transactional_db):
    """Queued work survives a worker start (nothing flushes Redis), and the running worker consumes new work."""
    send(redis_server, "tests.record", "queued-early", "a")
    worker = CeleryWorker(worker_env(redis_server), extra=TEST_TASKS)
    with running(worker):
        wait_until(lambda: done(redis_server, "queued-early") == b"a", timeout=30, what="the queued task")
        send(redis_server, "tests.record", "sent-later", "b")
        wait_until(lambda: done(redis_server, "sent-later") == b"b", timeout=30, what="the task sent later")
        assert "Traceback" not in worker.log


def test_beat_schedules_the_heartbeat_task_and_the_worker_runs_it(redis_server, transactional_db):
    env = worker_env(redis_server, HEARTBEAT_SECONDS="1")
    worker, beat = CeleryWorker(env), CeleryBeat(env)
    with running(beat, worker):  # beat boots while the worker does; the worker's start waits until it is ready
        wait_until(
            lambda: SCHEDULED_HEARTBEAT_RUN.search(worker.log),
            timeout=30,
            what="a heartbeat task scheduled by beat and run by the worker",
        )
        assert "Sending due task core.worker_heartbeat" in beat.log
        assert cache_db(redis_server).get(heartbeat_key("beat"))


def heartbeat_age(server: RedisServer, process: str = "worker") -> float:
    raw = cache_db(server).get(heartbeat_key(process))
    return float("inf") if raw is None else time.time() - float(raw)


def test_the_worker_beats_on_its_own_and_stops_when_it_stops_consuming(redis_server, transactional_db):
    """Without beat and without tasks the heartbeat stays fresh; connected but not consuming (here: told to cancel
    its queue) while a task waits, it stops, so /healthz calls the worker down."""
    worker = CeleryWorker(worker_env(redis_server, HEARTBEAT_SECONDS="1"), extra=TEST_TASKS)
    with running(worker), producer(redis_server) as client:
        first = float(wait_until(lambda: cache_db(redis_server).get(heartbeat_key("worker")), what="heartbeat"))
        wait_until(
            lambda: float(cache_db(redis_server).get(heartbeat_key("worker"))) > first + 2.5,
            timeout=30,
            what="the worker to beat again on its own",
        )

        assert client.control.cancel_consumer("celery", reply=True, limit=1, timeout=10)
        client.send_task("tests.record", args=["waiting", "1"])
        wait_until(lambda: heartbeat_age(redis_server) > 4, timeout=30, what="the heartbeat to stop")
        assert done(redis_server, "waiting") is None
        assert "worker heartbeat skipped" in worker.log

        assert client.control.add_consumer("celery", reply=True, limit=1, timeout=10)
        wait_until(lambda: done(redis_server, "waiting"), timeout=30, what="the waiting task once consuming again")
        wait_until(lambda: heartbeat_age(redis_server) < 2, timeout=30, what="the heartbeat to resume")


def test_beat_starts_when_its_schedule_directory_does_not_exist_yet(redis_server, transactional_db, tmp_path):
    """The Procfile's plain `celery -A workers beat` on a fresh clone, where .run/ is missing."""
    schedule = tmp_path / "missing" / "celerybeat-schedule"
    env = worker_env(redis_server, HEARTBEAT_SECONDS="1", CELERY_BEAT_SCHEDULE_FILENAME=str(schedule))
    beat = Process("beat", [str(BIN / "celery"), "-A", "workers", "beat", "--loglevel", "INFO"], env)
    with running(beat):
        wait_until(
            lambda: "Sending due task core.worker_heartbeat" in beat.log or not beat.alive(),
            timeout=30,
            what="beat to send its first task",
        )
        assert beat.alive(), beat.log
    assert list(schedule.parent.iterdir())


def test_worker_consumes_again_after_its_redis_restarts_under_a_running_task(redis_server, transactional_db):
    """Workers have been reported to stay connected but stop consuming after a broker reconnect.

    The restarted Redis is empty (no persistence here): the heartbeats in it were written after the restart.
    """
    env = worker_env(redis_server, HEARTBEAT_SECONDS="1")
    worker, beat = CeleryWorker(env, extra=TEST_TASKS), CeleryBeat(env)
    db = cache_db(redis_server)
    with running(beat, worker):
        send(redis_server, "tests.record", "before-restart", "1")
        wait_until(lambda: done(redis_server, "before-restart"), timeout=30, what="a task before the restart")
        # A task is running (acks_late: not yet acknowledged) when the broker goes away.
        send(redis_server, "tests.sleep_then_record", "in-flight", 3)
        wait_until(lambda: "tests.sleep_then_record[" in worker.log, timeout=30, what="the long task to start")
        scheduled_runs = len(SCHEDULED_HEARTBEAT_RUN.findall(worker.log))
        redis_server.stop()
        time.sleep(1)  # let both processes notice the outage; not an assertion
        redis_server.start()
        wait_until(
            lambda: db.exists(heartbeat_key("worker"), heartbeat_key("beat")) == 2,
            timeout=40,
            what="worker and beat heartbeats after the restart",
        )
        wait_until(
            lambda: len(SCHEDULED_HEARTBEAT_RUN.findall(worker.log)) > scheduled_runs,
            timeout=40,
            what="beat to schedule and the worker to run a task after the restart",
        )
        for number in range(3):
            send(redis_server, "tests.record", f"after-restart-{number}", "2")
        wait_until(
            lambda: all(done(redis_server, f"after-restart-{number}") == b"2" for number in range(3)),
            timeout=40,
            what="tasks sent after the restart",
        )


def test_a_task_whose_pool_process_is_killed_runs_again(redis_server, transactional_db):
    """acks_late + task_reject_on_worker_lost: the message goes back to the queue and another child runs it."""
    worker = CeleryWorker(worker_env(redis_server), extra=TEST_TASKS)
    db = cache_db(redis_server)
    with running(worker):
        send(redis_server, "tests.block_until_released", "victim")
        first_pid = int(wait_until(lambda: db.lindex("tests:pids:victim", 0), timeout=30, what="the task to start"))
        assert first_pid != worker.popen.pid  # the pool's child, not the worker's main process
        os.kill(first_pid, signal.SIGKILL)
        second_pid = int(
            wait_until(lambda: db.lindex("tests:pids:victim", 1), timeout=30, what="the task to run again")
        )
        assert second_pid != first_pid
        db.set("tests:release:victim", "1")
        wait_until(lambda: done(redis_server, "victim"), timeout=30, what="the second run to finish")
        assert int(done(redis_server, "victim")) == second_pid
        assert int(db.get("tests:runs:victim")) == 2
