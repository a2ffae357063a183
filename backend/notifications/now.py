"""The public "live now" stream (`/ws/now/`): drafts as they start, complete or reopen, live games as they appear
and end. The home page follows it.

Every function here may be called inside the writing transaction: the message leaves after commit (a rolled-back
draft start announces nothing), and a failure is logged in one line, never raised, so neither a draft write nor a
live poll fails or waits long because Redis is down. A page that missed a message is right again at its next
(re)connection, which starts with a snapshot.
"""

import asyncio
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

NOW_GROUP = "now"

SNAPSHOT = "now.snapshot"
DRAFT_STARTED = "now.draft_started"
DRAFT_COMPLETED = "now.draft_completed"
DRAFT_REOPENED = "now.draft_reopened"  # an undo of the last pick of a completed draft
GAME_STARTED = "now.game_started"
GAME_ENDED = "now.game_ended"


def publish_on_commit(message_type: str, data: dict[str, Any]) -> None:
    """Send `{"type": message_type, "data": data}` to every `/ws/now/` connection once the transaction commits."""
    transaction.on_commit(lambda: _send({"type": message_type, "data": data}))


def _send(message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_group_send)(layer, message)
    except Exception as error:  # whatever the layer raises, the change is committed
        logger.warning("%s not sent (%s: %s)", message["type"], type(error).__name__, error)


async def _group_send(layer: BaseChannelLayer, message: dict[str, Any]) -> None:
    # A Redis that accepts the connection but never answers must not hold the request or the poll.
    await asyncio.wait_for(layer.group_send(NOW_GROUP, message), timeout=settings.NOTIFY_TIMEOUT_SECONDS)
