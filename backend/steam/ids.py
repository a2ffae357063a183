"""What a person may type to name a Steam account, and what it means.

Accepted: a steamid64 (17 digits), a 32-bit account id (the Dota "friend id"), a Steam3 id `[U:1:N]`,
a Steam2 id `STEAM_X:Y:Z`, a profile URL in any common form (`https://steamcommunity.com/profiles/<id64>/`,
`steamcommunity.com/id/<custom>`, with or without scheme, `www.`, trailing path, query), or a bare custom
URL name. Digits always mean an id: a custom URL made only of digits cannot be told from one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

STEAM_ID64_BASE = 76561197960265728
ACCOUNT_ID_MAX = 2**32 - 2  # 2**32 - 1 (4294967295) is Dota's "anonymous"

_VANITY = re.compile(r"^[A-Za-z0-9_-]{2,32}$")
_STEAM3 = re.compile(r"^\[?U:1:(\d{1,10})\]?$", re.IGNORECASE)
_STEAM2 = re.compile(r"^STEAM_[0-5]:([01]):(\d{1,10})$", re.IGNORECASE)
_COMMUNITY_HOSTS = {"steamcommunity.com", "www.steamcommunity.com"}


class InvalidSteamQuery(ValueError):
    """The text names no Steam account in any accepted form."""


@dataclass(frozen=True)
class SteamQuery:
    """Exactly one of `steam_id` (already known) and `vanity_name` (to resolve through Steam) is set."""

    steam_id: int | None = None
    vanity_name: str | None = None


def steam_id_from_account_id(account_id: int) -> int:
    return STEAM_ID64_BASE + account_id


def _from_number(digits: str) -> SteamQuery:
    value = int(digits)
    if STEAM_ID64_BASE < value <= STEAM_ID64_BASE + ACCOUNT_ID_MAX:
        return SteamQuery(steam_id=value)
    if 0 < value <= ACCOUNT_ID_MAX:
        return SteamQuery(steam_id=steam_id_from_account_id(value))
    raise InvalidSteamQuery("That number is neither a steamid64 of a player nor a 32-bit account id.")


def _from_url(text: str) -> SteamQuery | None:
    candidate = text if "://" in text else f"https://{text}"
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if (parts.hostname or "").lower() not in _COMMUNITY_HOSTS:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) >= 2 and segments[0].lower() == "profiles":
        if not segments[1].isdigit():
            raise InvalidSteamQuery("A /profiles/ URL must end in a 17-digit steamid64.")
        return _from_number(segments[1])
    if len(segments) >= 2 and segments[0].lower() == "id":
        if not _VANITY.match(segments[1]):
            raise InvalidSteamQuery("That /id/ URL has no valid custom name.")
        return SteamQuery(vanity_name=segments[1])
    raise InvalidSteamQuery("A Steam profile URL looks like steamcommunity.com/id/<name> or /profiles/<steamid64>.")


def parse_steam_query(text: str) -> SteamQuery:
    query = text.strip()
    if not query or len(query) > 200:
        raise InvalidSteamQuery("Give a Steam profile URL, custom URL name, steamid64 or account id.")
    if query.isdigit():
        return _from_number(query)
    if match := _STEAM3.match(query):
        return _from_number(match.group(1))
    if match := _STEAM2.match(query):
        return _from_number(str(int(match.group(2)) * 2 + int(match.group(1))))
    if "/" in query or "." in query:
        parsed = _from_url(query)
        if parsed is None:
            raise InvalidSteamQuery("Only steamcommunity.com profile URLs are understood.")
        return parsed
    if _VANITY.match(query):
        return SteamQuery(vanity_name=query)
    raise InvalidSteamQuery(
        "A custom URL name has 2-32 letters, digits, '_' or '-'; or give a profile URL, steamid64 or account id."
    )
