"""Heartbeats of the worker and beat processes, and the health report built from them."""

import logging
import time

import redis
from django.conf import settings
from django.db import connection

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


def health_report() -> tuple[bool, dict[str, str]]:
    """(healthy, {"database", "redis", "worker", "beat": "ok" or what is wrong})."""
    report: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = "ok"
    except Exception as error:  # any driver error means "down"; the report says which
        report["database"] = f"down: {error.__class__.__name__}"
    try:
        client = get_redis()
        client.ping()
        beats = client.mget([heartbeat_key(process) for process in PROCESSES])
        report["redis"] = "ok"
    except redis.RedisError as error:
        report["redis"] = f"down: {error.__class__.__name__}"
        beats = [None] * len(PROCESSES)
    now = time.time()
    for process, beat in zip(PROCESSES, beats, strict=True):
        if beat is None:
            report[process] = "unknown: Redis is down" if report["redis"] != "ok" else "down: no heartbeat yet"
            continue
        age = now - float(beat)
        stale = age > settings.HEARTBEAT_STALE_SECONDS
        report[process] = f"down: last heartbeat {age:.0f} s ago" if stale else "ok"
    return all(value == "ok" for value in report.values()), report
