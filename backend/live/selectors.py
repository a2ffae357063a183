"""Reads of live games, for the API and the WebSocket snapshot."""

from typing import Any

from backend.live.models import LiveMatch
from backend.live.serializers import live_match_data


def live_matches_data(*, live_id: int | None = None) -> list[dict[str, Any]]:
    """Every tracked live game (or the one), as the contract's live match objects."""
    rows = LiveMatch.objects.tracked().order_by("started_at", "id")
    if live_id is not None:
        rows = rows.filter(live_id=live_id)
    return [live_match_data(row) for row in rows]


def live_match_known(*, live_id: int) -> bool:
    return LiveMatch.objects.filter(live_id=live_id).exists()
