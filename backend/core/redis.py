"""One Redis client per process for the project's own keys (heartbeats, locks, budgets), on the cache database."""

from functools import cache

import redis
from django.conf import settings


def get_redis() -> redis.Redis:
    return _client(settings.CACHE_REDIS_URL)


@cache
def _client(url: str) -> redis.Redis:
    # Keyed by URL, so a test that points CACHE_REDIS_URL at a Redis of its own gets a client for that one.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2, health_check_interval=10)
