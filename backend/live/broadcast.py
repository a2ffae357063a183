"""Live-match messages to spectators, sent through the channel layer after the poll's writes commit.

Groups: `live` (every tracked game) and `live.<live_id>` (one game). Messages are
`{"type": "live.match", "data": <live match>}` and `{"type": "live.ended", "data": {"live_id", "match_id"}}`;
the consumers add the per-connection `seq`. A game's start and end also go to the home page's stream
(backend.notifications.now), without its stats.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from backend.live.models import LiveMatch
from backend.live.selectors import live_games_now_data
from backend.live.serializers import live_match_data
from backend.notifications import now

logger = logging.getLogger(__name__)

LIVE_GROUP = "live"


def live_game_group(live_id: int | str) -> str:
    return f"live.{live_id}"


def _send(live_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in (LIVE_GROUP, live_game_group(live_id)):
            async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # a lost message must not fail the poll
        logger.warning("live broadcast of %s failed (%s)", message["type"], type(exc).__name__)
        # The next poll sends it again, so spectators do not keep old stats or a game that is over.
        if message["type"] == "live.match":
            LiveMatch.objects.filter(live_id=live_id).update(fingerprint="")  # the game looks changed
        elif message["type"] == "live.ended":
            LiveMatch.objects.filter(live_id=live_id).update(end_unsent=True)


def live_match_changed(row: LiveMatch) -> None:
    """Precondition: inside the transaction that wrote `row` (sent when it commits)."""
    message = {"type": "live.match", "data": live_match_data(row)}
    transaction.on_commit(lambda: _send(row.live_id, message))


def live_match_started(row: LiveMatch) -> None:
    """A game newly tracked (or tracked again). Precondition: inside the transaction that wrote `row`."""
    now.publish_on_commit(now.GAME_STARTED, live_games_now_data([row])[0])


def live_match_ended(*, live_id: int, match_id: int | None) -> None:
    message = {"type": "live.ended", "data": {"live_id": str(live_id), "match_id": match_id}}
    transaction.on_commit(lambda: _send(live_id, message))
    now.publish_on_commit(now.GAME_ENDED, {"live_id": str(live_id), "match_id": match_id})
