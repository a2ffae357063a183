"""Reads that ask Steam (through the client, its cache and budget), and of what is stored from it (heroes)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from backend.core.cache import cached_read
from backend.steam.budget import Priority
from backend.steam.client import INTERACTIVE, CallPolicy, get_client
from backend.steam.errors import SteamNotFound
from backend.steam.ids import STEAM_ID64_BASE, parse_steam_query
from backend.steam.models import Hero


@dataclass(frozen=True)
class SteamAccount:
    steam_id: int
    account_id: int
    persona_name: str
    avatar: str
    profile_url: str


def steam_account_resolve(*, query: str) -> SteamAccount:
    """The Steam account `query` names (see backend.steam.ids for the forms).

    Raises InvalidSteamQuery for text that names nothing, SteamNotFound when Steam knows no such account,
    and SteamUnavailable (503 + Retry-After) when Steam cannot answer within about 10 s and no cached copy can.
    """
    parsed = parse_steam_query(query)
    client = get_client()
    started = time.monotonic()
    steam_id = parsed.steam_id
    if steam_id is None:
        assert parsed.vanity_name is not None
        steam_id = client.resolve_vanity_url(parsed.vanity_name, policy=INTERACTIVE)
        if not STEAM_ID64_BASE < steam_id < STEAM_ID64_BASE + 2**32:
            raise SteamNotFound("That custom URL belongs to a group, not a player.")
    # Both calls share one deadline: the person asking waits about 10 s at most, not 10 s per call.
    remaining = max(1.0, INTERACTIVE.deadline_seconds - (time.monotonic() - started))
    policy = CallPolicy(Priority.INTERACTIVE, deadline_seconds=remaining, attempts=INTERACTIVE.attempts)
    summary = client.get_player_summaries([steam_id], policy=policy).get(steam_id)
    if summary is None:
        raise SteamNotFound("Steam has no profile with that id.")
    return SteamAccount(
        steam_id=summary.steam_id,
        account_id=summary.account_id,
        persona_name=summary.persona_name,
        avatar=summary.avatar,
        profile_url=summary.profile_url,
    )


def hero_names() -> dict[int, str]:
    """Every stored hero's English name by hero id; cached until a hero row changes."""
    return cached_read("heroes|localized_names", lambda: dict(Hero.objects.values_list("id", "localized_name")), Hero)


def hero_name(hero_id: int, *, names: dict[int, str] | None = None) -> str:
    """The hero's English name, or "Hero <id>" for one not stored (yet)."""
    return (hero_names() if names is None else names).get(hero_id) or f"Hero {hero_id}"
