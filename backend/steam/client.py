"""The only code that talks HTTP to Steam.

Every call goes through `SteamClient._call`, which in order: answers from the Redis cache when a fresh
copy exists; refuses at once when the key is missing or Steam has rejected it; takes a slot of the global
call budget (each retry takes one too); makes the request with connect/read timeouts; classifies the
answer into a typed result or an error that says whether retrying can help; retries the retryable ones
with exponential backoff and jitter (longer when Steam sends Retry-After, and a 429 pauses every process);
and, when Steam stays unavailable, answers from a stale cached copy if the caller allows it.

The API key is a query parameter (Steam has no other way for these methods), so URLs are never logged
or put into exceptions as they are: `redact()` removes the key, and a filter on urllib3's logger does the
same for its debug lines.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import redis
import requests
from django.conf import settings
from django.core.cache import cache
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

from backend.core.redis import get_redis
from backend.steam import results
from backend.steam.budget import CallBudget, Priority
from backend.steam.errors import (
    SteamBadKey,
    SteamBudgetUnavailable,
    SteamError,
    SteamMalformed,
    SteamNotConfigured,
    SteamNotFound,
    SteamPrivateHistory,
    SteamRateLimited,
    SteamRejected,
    SteamUnavailable,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

CACHE_PREFIX = "steam:cache:v1"
BAD_KEY_PREFIX = "steam:bad_key"
BAD_KEY_SECONDS = 3600
MAX_RETRY_AFTER_SECONDS = 300
PLAYER_SUMMARIES_PER_CALL = 100  # Steam's limit for `steamids`

_KEY_IN_TEXT = re.compile(r"(?i)(\bkey=)[^&\s'\"]*")


def redact(text: str) -> str:
    """`text` without the Steam key: `key=...` parameters and the key's value wherever it appears."""
    text = _KEY_IN_TEXT.sub(r"\1[redacted]", text)
    key = settings.STEAM_API_KEY
    if key:
        text = text.replace(key, "[redacted]")
    return text


class _RedactKeyFilter(logging.Filter):
    """urllib3 logs request lines ("GET /...?key=... HTTP/1.1") at DEBUG; take the key out before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
    logging.getLogger(_name).addFilter(_RedactKeyFilter())


def steam_configured() -> bool:
    return bool(settings.STEAM_API_KEY)


@dataclass(frozen=True)
class CallPolicy:
    """How hard one call tries: its budget priority, total seconds (waits and retries included), attempts."""

    priority: Priority
    deadline_seconds: float
    attempts: int


LIVE = CallPolicy(Priority.LIVE, deadline_seconds=8, attempts=2)  # the next poll period tries again
INTERACTIVE = CallPolicy(Priority.INTERACTIVE, deadline_seconds=10, attempts=5)  # a user is waiting
BACKGROUND = CallPolicy(Priority.BACKGROUND, deadline_seconds=120, attempts=5)


@dataclass(frozen=True)
class CacheRule:
    """`fresh` seconds: answer from the cache without calling; `stale` seconds: fallback when Steam is down;
    `negative`: how long a final "not found"/"private" answer is remembered (0: not at all)."""

    fresh: int
    stale: int = 0
    negative: int = 0


NO_CACHE = CacheRule(fresh=0)
HOURS = 3600
DAY = 24 * HOURS


def _retry_after_seconds(response: requests.Response) -> int | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER_SECONDS)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, min(math.ceil((moment - datetime.now(UTC)).total_seconds()), MAX_RETRY_AFTER_SECONDS))


class SteamClient:
    """Typed calls to the Steam Web API. Settings are read at call time, so one instance serves a process."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        budget: CallBudget | None = None,
        session: requests.Session | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._budget = budget
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = "dtx-backend (+Steam Web API client)"
        self._timeouts = (connect_timeout, read_timeout)
        self.calls_made = 0  # HTTP requests this client sent (retries included), for run reports

    @property
    def api_key(self) -> str:
        return self._api_key if self._api_key is not None else settings.STEAM_API_KEY

    @property
    def base_url(self) -> str:
        return (self._base_url or settings.STEAM_API_BASE_URL).rstrip("/")

    @property
    def timeouts(self) -> tuple[float, float]:
        connect, read = self._timeouts
        return (
            connect if connect is not None else settings.STEAM_CONNECT_TIMEOUT_SECONDS,
            read if read is not None else settings.STEAM_READ_TIMEOUT_SECONDS,
        )

    @property
    def budget(self) -> CallBudget:
        return self._budget or CallBudget()

    # --- the call pipeline ------------------------------------------------------------------------------------------

    def _call(
        self,
        path: str,
        params: dict[str, Any],
        parse: Callable[[Any], T],
        *,
        policy: CallPolicy,
        cache_rule: CacheRule = NO_CACHE,
        allow_stale: bool = False,
        use_fresh: bool = True,
    ) -> T:
        method = path.split("/")[1]
        if not self.api_key:
            raise SteamNotConfigured("STEAM_API_KEY is not set: Steam cannot be asked.")
        cache_key = self._cache_key(path, params)
        cached = self._cache_get(cache_key) if cache_rule.fresh or cache_rule.stale else None
        if use_fresh and cached is not None and time.time() - cached["at"] < cached.get("ttl", cache_rule.fresh):
            return parse(cached["payload"])
        try:
            payload, value = self._call_with_retries(path, params, parse, policy=policy, method=method)
        except SteamError as exc:
            # Any failure that is not Steam's own final answer (not found, private, rejected) may be answered
            # from a stale copy: 5xx, timeouts, budget, garbage, a rejected key.
            final_answer = isinstance(exc, SteamNotFound | SteamPrivateHistory | SteamRejected)
            if allow_stale and cached is not None and not final_answer:
                logger.info("steam %s unavailable (%s); answering from a stale cached copy", method, exc.code)
                return parse(cached["payload"])
            if isinstance(exc, SteamNotFound | SteamPrivateHistory) and cache_rule.negative:
                self._cache_set(cache_key, exc.payload, ttl=cache_rule.negative, keep=cache_rule.negative)
            raise
        if cache_rule.fresh or cache_rule.stale:
            self._cache_set(cache_key, payload, ttl=cache_rule.fresh, keep=max(cache_rule.fresh, cache_rule.stale))
        return value

    def _call_with_retries(
        self, path: str, params: dict[str, Any], parse: Callable[[Any], T], *, policy: CallPolicy, method: str
    ) -> tuple[Any, T]:
        started = time.monotonic()
        initial, maximum = settings.STEAM_BACKOFF_INITIAL_SECONDS, settings.STEAM_BACKOFF_MAX_SECONDS

        def wait(state: RetryCallState) -> float:
            # Exponential backoff with full jitter on top of the base; never shorter than Steam's Retry-After.
            base = min(maximum, initial * 2 ** (state.attempt_number - 1))
            delay = base + _jitter(base)
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, SteamRateLimited) and exc.header_retry_after is not None:
                delay = max(delay, exc.header_retry_after)
            return delay

        def log_retry(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            sleep = state.next_action.sleep if state.next_action else 0
            logger.warning(
                "steam %s attempt %d failed (%s: %s); retrying in %.1f s",
                method,
                state.attempt_number,
                type(exc).__name__,
                redact(str(exc)),
                sleep,
            )

        retrying = Retrying(
            stop=stop_after_attempt(policy.attempts) | stop_before_delay(policy.deadline_seconds),
            wait=wait,
            retry=retry_if_exception(
                lambda exc: (
                    isinstance(exc, SteamError) and exc.retryable and not isinstance(exc, SteamBudgetUnavailable)
                )
            ),
            before_sleep=log_retry,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                remaining = policy.deadline_seconds - (time.monotonic() - started)
                payload = self._request(path, params, policy=policy, timeout=max(0.0, remaining), method=method)
                try:
                    value = parse(payload)
                except (SteamNotFound, SteamPrivateHistory) as exc:
                    exc.payload = payload  # kept for negative caching
                    raise
                return payload, value
        raise AssertionError("unreachable: tenacity either returned or raised")  # pragma: no cover

    def _request(self, path: str, params: dict[str, Any], *, policy: CallPolicy, timeout: float, method: str) -> Any:
        """One HTTP call, after taking a budget slot. Returns the decoded JSON body or raises a SteamError."""
        self._refuse_if_key_rejected()
        budget = self.budget
        budget.acquire(policy.priority, timeout=timeout)
        self.calls_made += 1
        url = f"{self.base_url}/{path}/"
        started = time.monotonic()
        try:
            response = self.session.get(
                url,
                params={"key": self.api_key, **params, "format": "json"},
                # Never read for longer than the call's own deadline allows.
                timeout=(self.timeouts[0], min(self.timeouts[1], max(0.5, timeout))),
            )
        except requests.Timeout:
            raise SteamUnavailable(f"Steam {method} timed out.") from None
        except requests.RequestException as exc:
            # The exception text holds the full URL, key included: keep only the class name.
            raise SteamUnavailable(f"Steam {method} could not be reached ({type(exc).__name__}).") from None
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.debug("steam %s %s -> HTTP %s in %.0f ms", method, params, response.status_code, elapsed_ms)
        status = response.status_code
        if status in (401, 403):
            self._mark_key_rejected(status)
            raise SteamBadKey(f"Steam rejected the API key (HTTP {status}).")
        if status == 429:
            retry_after = _retry_after_seconds(response)
            budget.rate_limited(
                retry_after,
                initial=settings.STEAM_BACKOFF_INITIAL_SECONDS,
                maximum=settings.STEAM_BACKOFF_MAX_SECONDS,
            )
            raise SteamRateLimited(f"Steam {method} answered 429 Too Many Requests.", header_retry_after=retry_after)
        if status >= 500:
            raise SteamUnavailable(f"Steam {method} answered HTTP {status}.")
        if status < 300:
            budget.succeeded()
        if status >= 400:
            raise SteamRejected(f"Steam {method} answered HTTP {status}.")
        try:
            return response.json()
        except ValueError:
            raise SteamMalformed(f"Steam {method} answered HTTP {status} with a body that is not JSON.") from None

    # --- the rejected-key stop --------------------------------------------------------------------------------------

    def _key_flag(self) -> str:
        return f"{BAD_KEY_PREFIX}:{hashlib.sha256(self.api_key.encode()).hexdigest()[:16]}"

    def _refuse_if_key_rejected(self) -> None:
        try:
            rejected = get_redis().exists(self._key_flag())
        except redis.RedisError:
            return  # the budget check right after fails closed anyway
        if rejected:
            raise SteamBadKey("Steam rejected the API key earlier; no calls until it is replaced (or an hour passes).")

    def _mark_key_rejected(self, status: int) -> None:
        try:
            first = get_redis().set(self._key_flag(), "1", nx=True, ex=BAD_KEY_SECONDS)
        except redis.RedisError:
            first = True
        if first:
            logger.error(
                "STEAM API KEY REJECTED (HTTP %s: 'Access is denied. Retrying will not help.'). Every Steam call "
                "stops for %d minutes. Set a valid STEAM_API_KEY and restart the web and worker processes.",
                status,
                BAD_KEY_SECONDS // 60,
            )

    # --- the response cache -----------------------------------------------------------------------------------------

    @staticmethod
    def _cache_key(path: str, params: dict[str, Any]) -> str:
        canonical = json.dumps(params, sort_keys=True, default=str)
        return f"{CACHE_PREFIX}:{path}:{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"

    @staticmethod
    def _cache_get(key: str) -> dict[str, Any] | None:
        try:
            entry = cache.get(key)
        except Exception:  # a cache outage must not stop Steam calls
            # INFO: the cache is on the budget's Redis, whose outage the failing call or task reports.
            logger.info("steam cache unavailable; calling Steam")
            return None
        return entry if isinstance(entry, dict) else None

    @staticmethod
    def _cache_set(key: str, payload: Any, *, ttl: int, keep: int) -> None:
        if keep <= 0:
            return
        try:
            cache.set(key, {"at": time.time(), "ttl": ttl, "payload": payload}, timeout=keep)
        except Exception:
            logger.info("steam cache unavailable; answer not cached")

    # --- typed calls ------------------------------------------------------------------------------------------------

    def resolve_vanity_url(self, vanity_name: str, *, policy: CallPolicy = INTERACTIVE) -> int:
        """The steamid64 behind `steamcommunity.com/id/<vanity_name>`; SteamNotFound when there is none."""
        return self._call(
            "ISteamUser/ResolveVanityURL/v1",
            {"vanityurl": vanity_name},
            results.parse_resolve_vanity_url,
            policy=policy,
            cache_rule=CacheRule(fresh=6 * HOURS, stale=7 * DAY, negative=1 * HOURS),
            allow_stale=True,
        )

    def get_player_summaries(
        self, steam_ids: list[int], *, policy: CallPolicy = INTERACTIVE
    ) -> dict[int, results.PlayerSummary]:
        """Summaries by steamid64; ids Steam does not know are missing from the answer."""
        found: dict[int, results.PlayerSummary] = {}
        for chunk in _chunks(sorted(set(steam_ids)), PLAYER_SUMMARIES_PER_CALL):
            players = self._call(
                "ISteamUser/GetPlayerSummaries/v2",
                {"steamids": ",".join(str(steam_id) for steam_id in chunk)},
                results.parse_player_summaries,
                policy=policy,
                cache_rule=CacheRule(fresh=6 * HOURS, stale=7 * DAY),
                allow_stale=True,
            )
            found.update({player.steam_id: player for player in players})
        return found

    def get_match_history(
        self,
        account_id: int,
        *,
        start_at_match_id: int | None = None,
        matches_requested: int = 100,
        policy: CallPolicy = BACKGROUND,
    ) -> results.MatchHistoryPage:
        """Newest first; `start_at_match_id` lists matches with ids <= it. SteamPrivateHistory for status 15."""
        params: dict[str, Any] = {"account_id": account_id, "matches_requested": matches_requested}
        if start_at_match_id is not None:
            params["start_at_match_id"] = start_at_match_id
        return self._call(
            "IDOTA2Match_570/GetMatchHistory/v1",
            params,
            results.parse_match_history,
            policy=policy,
            # Not cached: each sync must see what is new, and nothing else asks for the same page.
            cache_rule=NO_CACHE,
        )

    def get_match_by_seq_num(
        self, match_seq_num: int, *, match_id: int | None = None, policy: CallPolicy = BACKGROUND
    ) -> results.MatchDetails:
        """One finished match by its sequence number (GetMatchDetails fails for matches since patch 7.36).

        SteamNotFound when Steam does not list it (yet): the first match returned is another one.
        """

        def parse(payload: Any) -> results.MatchDetails:
            matches = results.parse_match_history_by_sequence_num(payload)
            match = matches[0] if matches else None
            if match is None or match.match_seq_num != match_seq_num or (match_id and match.match_id != match_id):
                raise SteamNotFound(f"Steam does not list match sequence number {match_seq_num} (yet).")
            return match

        return self._call(
            "IDOTA2Match_570/GetMatchHistoryBySequenceNum/v1",
            {"start_at_match_seq_num": match_seq_num, "matches_requested": 1},
            parse,
            policy=policy,
            cache_rule=CacheRule(fresh=DAY),  # a finished match never changes; a missing one is not remembered
        )

    def get_match_details(self, match_id: int, *, policy: CallPolicy = BACKGROUND) -> results.MatchDetails:
        """Kept for old matches; for new ones Steam answers 500 or `{}` (use `get_match_by_seq_num`)."""
        return self._call(
            "IDOTA2Match_570/GetMatchDetails/v1",
            {"match_id": match_id},
            results.parse_match_details,
            policy=policy,
            cache_rule=CacheRule(fresh=DAY),
        )

    def get_live_league_games(
        self, *, league_id: int | None = None, policy: CallPolicy = LIVE
    ) -> list[results.LiveLeagueGame]:
        params: dict[str, Any] = {} if league_id is None else {"league_id": league_id}
        return self._call(
            "IDOTA2Match_570/GetLiveLeagueGames/v1",
            params,
            results.parse_live_league_games,
            policy=policy,
            cache_rule=CacheRule(fresh=_live_cache_seconds()),
        )

    def get_top_live_games(self, *, partner: int = 0, policy: CallPolicy = LIVE) -> list[results.TopLiveGame]:
        return self._call(
            "IDOTA2Match_570/GetTopLiveGame/v1",
            {"partner": partner},
            results.parse_top_live_game,
            policy=policy,
            cache_rule=CacheRule(fresh=_live_cache_seconds()),
        )

    def get_realtime_stats(self, server_steam_id: int, *, policy: CallPolicy = LIVE) -> results.RealtimeStats:
        """SteamNotFound for `{}` (unknown or ended server); SteamRejected for Steam's ambiguous HTTP 400."""
        return self._call(
            "IDOTA2MatchStats_570/GetRealtimeStats/v1",
            {"server_steam_id": server_steam_id},
            results.parse_realtime_stats,
            policy=policy,
            cache_rule=CacheRule(fresh=_live_cache_seconds()),
        )

    def get_heroes(self, *, policy: CallPolicy = BACKGROUND, cached: bool = True) -> list[results.Hero]:
        """`cached=False` asks Steam even when a fresh copy is cached (a game showed a hero the copy lacks)."""
        return self._call(
            "IEconDOTA2_570/GetHeroes/v1",
            {"language": "en"},
            results.parse_heroes,
            policy=policy,
            cache_rule=CacheRule(fresh=DAY, stale=7 * DAY),
            allow_stale=True,
            use_fresh=cached,
        )


def _live_cache_seconds() -> int:
    # Shorter than the poll period, so each period sees new data, but repeated asks within it cost nothing.
    return max(1, settings.LIVE_POLL_SECONDS // 2)


def _jitter(base: float) -> float:
    import random

    return random.uniform(0, base)  # noqa: S311  (spreading retries, not security)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_client: SteamClient | None = None


def get_client() -> SteamClient:
    """The process's client (one requests session, so connections are reused)."""
    global _client
    if _client is None:
        _client = SteamClient()
    return _client
