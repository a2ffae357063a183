"""DRF's rate throttles, except that a Redis outage lets requests through instead of failing every one of them.

Throttle counters live in the Django cache (Redis). DRF throttling is a courtesy limit, not a security measure
(its counters are not atomic), so while Redis is unreachable an unthrottled API is better than one that answers
every request with 500. The outage is logged once, and once more when counting works again.
"""

import logging
from typing import TYPE_CHECKING

import redis
from rest_framework import throttling
from rest_framework.request import Request

if TYPE_CHECKING:  # rest_framework.views imports this module while it loads its settings
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

_state = {"down": False}


def _counted() -> None:
    if _state["down"]:
        _state["down"] = False
        logger.info("throttling: Redis answers again, requests are counted")


def _not_counted(error: redis.RedisError) -> bool:
    if not _state["down"]:
        _state["down"] = True
        logger.warning("throttling: Redis unreachable (%s), requests pass unthrottled", error.__class__.__name__)
    return True


class PassWhenRedisDown:
    """A DRF throttle that lets requests through, uncounted, while its Redis cache is unreachable."""

    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        except redis.RedisError as error:
            return _not_counted(error)
        _counted()
        return allowed


class AnonRateThrottle(PassWhenRedisDown, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(PassWhenRedisDown, throttling.UserRateThrottle):
    pass
