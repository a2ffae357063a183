"""Writes of the reference data Steam publishes: the hero list."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import redis
from django.db import transaction

from backend.core.cache import invalidate_models_after_commit
from backend.core.redis import get_redis
from backend.notifications.queue import enqueue
from backend.steam.client import BACKGROUND, SteamClient, get_client, steam_configured
from backend.steam.models import Hero
from backend.steam.selectors import hero_names

logger = logging.getLogger(__name__)

HERO_REFRESH_TASK = "steam.refresh_heroes"
# Set when an unknown hero queued a refresh: Steam lists a new hero a while after games show it, and every
# poll meanwhile would queue another refresh.
HERO_REFRESH_REQUESTED = "steam:heroes:refresh_requested"
HERO_REFRESH_REQUEST_SECONDS = 3600


@dataclass
class HeroRefreshReport:
    listed: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)


def heroes_refresh(*, client: SteamClient | None = None) -> HeroRefreshReport:
    """Store Steam's hero list: new heroes added, renamed ones updated, none removed (stored games still show them).

    Asks Steam even when a fresh copy is cached, at background priority. Raises SteamError when Steam cannot
    answer and no cached copy can. Safe to run twice, or twice at once.
    """
    heroes = (client or get_client()).get_heroes(policy=BACKGROUND, cached=False)
    report = HeroRefreshReport(listed=len(heroes))
    with transaction.atomic():
        stored = {hero.id: hero for hero in Hero.objects.all()}
        new = []
        for hero in heroes:
            row = stored.get(hero.id)
            if row is None:
                new.append(Hero(id=hero.id, name=hero.name, localized_name=hero.localized_name))
                report.created.append(hero.id)
            elif (row.name, row.localized_name) != (hero.name, hero.localized_name):
                row.name, row.localized_name = hero.name, hero.localized_name
                row.save(update_fields=["name", "localized_name"])  # cacheops invalidates on save
                report.updated.append(hero.id)
        if new:
            Hero.objects.bulk_create(new, ignore_conflicts=True)  # a refresh running beside this one may store them
            invalidate_models_after_commit(Hero)
    return report


def heroes_refresh_request(*, hero_ids: Iterable[int | None]) -> bool:
    """Queue a hero list refresh when one of `hero_ids` is not stored, at most once an hour across processes.

    Returns whether one was queued. Never raises: a name shows as "Hero <id>" until the refresh, and the next
    sighting asks again when Redis or the broker could not be reached.
    """
    wanted = {hero_id for hero_id in hero_ids if hero_id}  # 0 or none: not picked yet
    if not wanted or not steam_configured() or wanted <= hero_names().keys():
        return False
    try:
        first = get_redis().set(HERO_REFRESH_REQUESTED, "1", nx=True, ex=HERO_REFRESH_REQUEST_SECONDS)
    except redis.RedisError:
        return False
    if not first:
        return False
    logger.info("heroes %s are not stored; refreshing the hero list", sorted(wanted - hero_names().keys()))
    if enqueue(HERO_REFRESH_TASK):
        return True
    with contextlib.suppress(redis.RedisError):  # not queued: the next sighting asks again
        get_redis().delete(HERO_REFRESH_REQUESTED)
    return False
