"""The beat schedule, built from settings (exactly one beat process may run it)."""

from datetime import timedelta
from typing import Any

from django.conf import settings


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        "core.worker_heartbeat": {
            "task": "core.worker_heartbeat",
            "schedule": timedelta(seconds=settings.HEARTBEAT_SECONDS),
            # A heartbeat older than the next one is worthless; never let a backlog of them build up.
            "options": {"expires": settings.HEARTBEAT_SECONDS},
        },
        "core.clear_expired_sessions": {
            "task": "core.clear_expired_sessions",
            "schedule": timedelta(hours=6),
        },
        "steam.poll_live_matches": {
            "task": "steam.poll_live_matches",
            "schedule": timedelta(seconds=settings.LIVE_POLL_SECONDS),
            "options": {"expires": settings.LIVE_POLL_SECONDS},
        },
        "steam.sync_guild_games": {
            "task": "steam.sync_guild_games",
            "schedule": timedelta(minutes=settings.GUILD_SYNC_MINUTES),
            "options": {"expires": settings.GUILD_SYNC_MINUTES * 60},
        },
        "steam.refresh_heroes": {
            "task": "steam.refresh_heroes",
            "schedule": timedelta(hours=settings.HERO_REFRESH_HOURS),
            "options": {"expires": 3600},
        },
    }
