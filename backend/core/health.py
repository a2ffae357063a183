"""Heartbeats of the worker and beat processes, and the health report built from them."""

import logging
import time
from functools import cache
from typing import cast

import redis
from django.conf import settings
from django.db import connection
from redis.backoff import NoBackoff
from redis.retry import Retry

from backend.core.redis import get_redis

logger = logging.getLogger(__name__)

PROCESSES = ("worker", "beat")


def heartbeat_key(process: str) -> str:
    return f"dtx:heartbeat:{process}"


def heartbeat_write(process: str) -> None:
    """Record that `process` is alive now; a Redis outage is logged by the caller's next health check, not here."""
    try:
        get_redis().set(heartbeat_key(process), str(time.time()), ex=settings.HEARTBEAT_STALE_SECONDS * 10)
    except redis.RedisError:
        logger.debug("heartbeat for %s not written: Redis unreachable", process)


@cache
def _probe_client(url: str) -> redis.Redis:
    # A load balancer's probe wants an answer, not patience: short timeouts and no retries (redis-py retries
    # three times with backoff by default), so a dead or frozen Redis costs one timeout, then 503.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))


def _heartbeat_status(raw: bytes | str | None, now: float) -> str:
    if raw is None:
        return "down: no heartbeat yet"
    try:
        age = now - float(raw)
    except ValueError:
        return "down: unreadable heartbeat"
    if age > settings.HEARTBEAT_STALE_SECONDS:
        return f"down: last heartbeat {age:.0f} s ago"
    return "ok"


def health_report() -> tuple[bool, dict[str, str]]:
    """(healthy, {"database", "redis", "worker", "beat": "ok" or what is wrong}); never raises."""
    report: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as error:  # any driver error means "down"; the report says which
        report["database"] = f"down: {error.__class__.__name__}"
    beats: list[bytes | str | None] = []
    try:
        beats = cast(
            list[bytes | str | None],
            _probe_client(settings.CACHE_REDIS_URL).mget([heartbeat_key(process) for process in PROCESSES]),
        )
        report["redis"] = "ok"
    except Exception as error:  # RedisError, or OSError from a half-open socket: Redis is what is down
        report["redis"] = f"down: {error.__class__.__name__}"
    now = time.time()
    for index, process in enumerate(PROCESSES):
        if report["redis"] != "ok":
            report[process] = "unknown: Redis is down"
        else:
            report[process] = _heartbeat_status(beats[index], now)
    return all(value == "ok" for value in report.values()), report
