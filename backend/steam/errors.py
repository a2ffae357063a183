"""What can go wrong when asking Steam. Every error says whether retrying the same call can help.

All of them are `Unavailable` domain errors, so one that escapes to a view becomes a 503 with `Retry-After`;
views that can say more (a vanity name with no match is a 404) catch the specific class first.
Messages never contain the API key: they are built from the method name and redacted text only.
"""

from typing import Any

from backend.core.errors import Unavailable


class SteamError(Unavailable):
    """Base of every Steam failure. `retryable`: the same call may succeed if made again later."""

    retryable = False
    code = "steam_error"
    default_retry_after = 30
    payload: Any = None  # the decoded body that carried a final answer ("not found", "private"), for caching

    def __init__(self, detail: str, *, retry_after: int | None = None, code: str | None = None) -> None:
        super().__init__(detail, retry_after=retry_after or self.default_retry_after, code=code)


class SteamUnavailable(SteamError):
    """Steam did not answer usefully this time: 5xx, timeout, connection error, budget exhausted."""

    retryable = True
    code = "steam_unavailable"
    default_retry_after = 10


class SteamRateLimited(SteamUnavailable):
    """HTTP 429. `header_retry_after`: Steam's Retry-After in seconds, when it sends one (it usually does not)."""

    code = "steam_rate_limited"

    def __init__(self, detail: str, *, header_retry_after: int | None) -> None:
        super().__init__(detail, retry_after=header_retry_after or 1)
        self.header_retry_after = header_retry_after


class SteamBudgetExhausted(SteamUnavailable):
    """Our own global call budget had no slot for this call before its deadline; Steam was not called."""

    code = "steam_busy"
    default_retry_after = 5


class SteamBudgetUnavailable(SteamUnavailable):
    """The call budget cannot be checked (Redis is down), so Steam was not called. Retried by the next run, not
    within the call: a Redis outage outlasts a few seconds of backoff, and every call of the run would hit it."""

    code = "steam_budget_unavailable"
    default_retry_after = 30


class SteamMalformed(SteamUnavailable):
    """HTTP 200 with a body that is not the documented shape. Retrying the same call rarely helps."""

    retryable = False
    code = "steam_malformed"


class SteamBadKey(SteamError):
    """HTTP 401/403: the key is missing, wrong or revoked ("Retrying will not help"). All calls stop."""

    code = "steam_bad_key"
    default_retry_after = 3600


class SteamNotConfigured(SteamError):
    """STEAM_API_KEY is empty: nothing can be asked."""

    code = "steam_not_configured"
    default_retry_after = 3600


class SteamRejected(SteamError):
    """A 4xx other than 401/403/429: Steam refused these parameters (or the game behind them is gone)."""

    code = "steam_rejected"


class SteamNotFound(SteamError):
    """The thing asked for does not exist (or not any more): no such match, no vanity match, ended game."""

    status_code = 404  # type: ignore[assignment]  # Unavailable narrows it to 503; "not found" is final
    code = "not_found"


class SteamPrivateHistory(SteamError):
    """GetMatchHistory `status` 15: the player does not expose public match data."""

    code = "steam_private_history"
    default_retry_after = 24 * 3600
