"""One Redis client per process for the project's own keys (heartbeats, locks, budgets), on the cache database."""

from functools import cache

import redis
from django.conf import settings


@cache
def get_redis() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CACHE_REDIS_URL, socket_connect_timeout=1, socket_timeout=2, health_check_interval=10
    )
