"""The global Steam call budget: at most N calls in any sliding window, across every process, in Redis.

Why a Lua script and not a rate-limit library: the budget needs three things at once, atomically, on
Redis time (so clocks of different hosts do not matter): a sliding-window log (a hard "at most N in any
window", which token buckets with a burst allowance do not give), priorities (a waiting live poll or a
user's lookup goes before background sync), and a shared pause after a 429. `limits`' moving window has
the first only, and Celery's `rate_limit` is per worker.

How it works. The window is a sorted set of call timestamps. A caller asks `try_acquire(priority)`; the
script drops timestamps older than the window, and grants a slot when fewer than N remain, no pause is in
force, and no caller of a higher priority is waiting. Otherwise the caller is registered as waiting (a
short-lived entry it refreshes on each try) and told how long to sleep before the next slot opens.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import uuid
from dataclasses import dataclass
from enum import IntEnum
from typing import cast

import redis
from django.conf import settings

from backend.core.redis import get_redis
from backend.steam.errors import SteamBudgetExhausted, SteamBudgetUnavailable

logger = logging.getLogger(__name__)

KEY_PREFIX = "steam:budget"
# Calls are recorded when granted, but reach Steam a few milliseconds later and not in the same order;
# the window is a little longer than the period so that arrivals, too, never exceed N per period.
ARRIVAL_MARGIN_SECONDS = 0.05
# A waiter refreshes its entry on each try; a process that died waiting stops blocking others after this.
WAITER_TTL_SECONDS = 2.0


class Priority(IntEnum):
    """Lower is served first: live polling, then lookups a user waits for, then background sync."""

    LIVE = 0
    INTERACTIVE = 1
    BACKGROUND = 2


# KEYS[1] window zset, KEYS[2] pause key, KEYS[3..5] waiter zsets for priorities 0..2
# ARGV: limit, window (s), priority, waiter id, waiter ttl (s), call id
# Returns {granted (0/1), seconds to wait (string), calls in window}.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local priority = tonumber(ARGV[3])
local waiter = ARGV[4]
local waiter_ttl = tonumber(ARGV[5])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
for p = 0, 2 do
  redis.call('ZREMRANGEBYSCORE', KEYS[3 + p], '-inf', now)
end

local wait = 0
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > now then
  wait = paused - now
end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, count - limit, 'WITHSCORES')
  local free_at = tonumber(oldest[#oldest]) + window
  wait = math.max(wait, free_at - now)
end
local blocked = false
for p = 0, priority - 1 do
  if redis.call('ZCARD', KEYS[3 + p]) > 0 then
    blocked = true
  end
end

if wait <= 0 and not blocked then
  redis.call('ZADD', KEYS[1], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
  redis.call('ZREM', KEYS[3 + priority], waiter)
  return {1, '0', count + 1}
end
redis.call('ZADD', KEYS[3 + priority], now + waiter_ttl, waiter)
redis.call('PEXPIRE', KEYS[3 + priority], math.ceil(waiter_ttl * 1000) + 1000)
if blocked and wait <= 0 then
  wait = 0.02
end
return {0, tostring(wait), count}
"""

# KEYS[1] pause key; ARGV[1] seconds. Extends the pause, never shortens it.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return tostring(math.max(until_, current) - now)
"""


@dataclass(frozen=True)
class Window:
    """`limit` calls per `seconds`: N per second when N >= 1, else one call per 1/N seconds."""

    limit: int
    seconds: float

    @classmethod
    def from_rate(cls, calls_per_second: float) -> Window:
        if calls_per_second <= 0:
            raise ValueError("STEAM_CALLS_PER_SECOND must be positive")
        if calls_per_second >= 1:
            return cls(limit=math.floor(calls_per_second), seconds=1.0)
        return cls(limit=1, seconds=1.0 / calls_per_second)


class CallBudget:
    """The shared budget. One instance per process is enough; it holds no state besides the Redis client."""

    def __init__(
        self,
        calls_per_second: float | None = None,
        *,
        client: redis.Redis | None = None,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self.window = Window.from_rate(calls_per_second or settings.STEAM_CALLS_PER_SECOND)
        self.redis = client or get_redis()
        self.prefix = prefix
        self._acquire = self.redis.register_script(_ACQUIRE)
        self._pause = self.redis.register_script(_PAUSE)

    @property
    def _keys(self) -> list[str]:
        return [
            f"{self.prefix}:calls",
            f"{self.prefix}:paused_until",
            *(f"{self.prefix}:waiting:{priority.value}" for priority in Priority),
        ]

    def try_acquire(self, priority: Priority, waiter_id: str) -> tuple[bool, float]:
        """One atomic attempt: (granted, seconds until a slot may be free)."""
        granted, wait, _count = self._acquire(
            keys=self._keys,
            args=[
                self.window.limit,
                self.window.seconds + ARRIVAL_MARGIN_SECONDS,
                int(priority),
                waiter_id,
                WAITER_TTL_SECONDS,
                uuid.uuid4().hex,
            ],
        )
        return bool(granted), float(wait)

    def acquire(self, priority: Priority, *, timeout: float) -> None:
        """Wait for a slot for one call, at most `timeout` seconds; SteamBudgetExhausted if none came.

        Redis down means the budget cannot be checked, so no call is made (SteamBudgetUnavailable): never over budget.
        """
        deadline = time.monotonic() + timeout
        waiter_id = uuid.uuid4().hex
        try:
            while True:
                granted, wait = self.try_acquire(priority, waiter_id)
                if granted:
                    return
                remaining = deadline - time.monotonic()
                if remaining <= 0 or wait > remaining:
                    break  # the next free slot is past the deadline: say so now rather than at the deadline
                # Re-ask at least every second, so the waiter entry stays fresh and a higher-priority
                # caller that went away stops blocking us.
                time.sleep(max(0.005, min(wait, 1.0)))
        except redis.RedisError as exc:
            raise SteamBudgetUnavailable(
                f"The Steam call budget cannot be checked (Redis: {type(exc).__name__})."
            ) from None
        self._forget_waiter(priority, waiter_id)
        raise SteamBudgetExhausted(
            f"No Steam call slot within {timeout:.1f} s (budget {self.window.limit} per {self.window.seconds:g} s).",
            retry_after=max(1, math.ceil(wait)),
        )

    def _forget_waiter(self, priority: Priority, waiter_id: str) -> None:
        with contextlib.suppress(redis.RedisError):  # the entry expires on its own
            self.redis.zrem(f"{self.prefix}:waiting:{priority.value}", waiter_id)

    def pause(self, seconds: float) -> float:
        """Stop every process's calls for `seconds` (after a 429); returns the pause now in force."""
        try:
            return float(self._pause(keys=[f"{self.prefix}:paused_until"], args=[seconds]))
        except redis.RedisError:
            logger.warning("could not record a Steam pause in Redis; this process backs off alone")
            return seconds

    def rate_limited(self, retry_after: float | None, *, initial: float, maximum: float) -> float:
        """Record a 429 and pause every process: Retry-After when Steam sends one, else a pause that doubles
        with each 429 in a row (1, 2, 4 ... s) and resets after a success. Returns the pause."""
        try:
            streak = cast(int, self.redis.incr(f"{self.prefix}:429_streak"))
            self.redis.expire(f"{self.prefix}:429_streak", int(maximum * 4) + 60)
        except redis.RedisError:
            streak = 1
        seconds = retry_after if retry_after is not None else min(maximum, initial * 2 ** (streak - 1))
        return self.pause(seconds)

    def succeeded(self) -> None:
        """A call went through: the next 429 starts the pause from the shortest again."""
        with contextlib.suppress(redis.RedisError):
            self.redis.delete(f"{self.prefix}:429_streak")

    def calls_in_window(self) -> int:
        now = time.time()
        return cast(int, self.redis.zcount(f"{self.prefix}:calls", now - self.window.seconds, "+inf"))
