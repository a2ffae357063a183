"""Tasks only the worker tests load (`celery worker --include tests.workers.tasks`).

They write to the worker's own Redis (the cache database), where the test reads. Each is idempotent:
running one twice leaves the same result, and `runs:` counters only count attempts.
"""

import os
import time

from backend.core.redis import get_redis
from workers.celery import app


@app.task(name="tests.record")
def record(key: str, value: str) -> None:
    get_redis().set(f"tests:done:{key}", value)


@app.task(name="tests.block_until_released")
def block_until_released(key: str) -> None:
    """Record the pool process running it, then wait for the test to release it (or kill that process)."""
    redis = get_redis()
    redis.incr(f"tests:runs:{key}")
    redis.rpush(f"tests:pids:{key}", os.getpid())
    deadline = time.monotonic() + 60
    while not redis.exists(f"tests:release:{key}") and time.monotonic() < deadline:
        time.sleep(0.05)
    redis.set(f"tests:done:{key}", str(os.getpid()))


@app.task(name="tests.sleep_then_record")
def sleep_then_record(key: str, seconds: float) -> None:
    time.sleep(seconds)
    get_redis().set(f"tests:done:{key}", "1")
