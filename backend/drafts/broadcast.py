"""Draft events to their watchers: after commit, encoded once, one group send per event.

The web processes' consumers (asgi.consumers.drafts) join `draft_group_name(id)`; they forward the pre-encoded
text as it is, so a pick costs one JSON encoding whatever the number of watchers. A lost broadcast is repaired by
the watchers themselves (a gap in `seq` -> `sync` -> snapshot), so a failure here is logged and never raised:
the pick is committed already.
"""

import asyncio
import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)


def draft_group_name(draft_id: int) -> str:
    return f"draft.{draft_id}"


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, cls=DjangoJSONEncoder, separators=(",", ":"))


def broadcast_on_commit(draft_id: int, message: dict[str, Any]) -> None:
    """Send `message` ({"type", "seq", "data"}) to the draft's watchers once the current transaction commits.

    Never from inside the transaction: watchers must not see a change that may still roll back.
    """
    text = encode(message)
    transaction.on_commit(lambda: send(draft_id, message["type"], message["seq"], text))


def send(draft_id: int, event_type: str, seq: int, text: str) -> None:
    """Group-send one encoded event; a failure (Redis down, slow) is logged in one line, never raised."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_send)(layer, draft_group_name(draft_id), {"type": event_type, "seq": seq, "text": text})
    except Exception as error:  # whatever the layer raises, the pick is committed
        logger.warning(
            "draft %s: %s (seq %s) not broadcast (%s: %s); watchers catch up by snapshot",
            draft_id,
            event_type,
            seq,
            type(error).__name__,
            error,
        )


async def _send(layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
    # A Redis that accepts the connection but never answers must not hold the POST.
    await asyncio.wait_for(layer.group_send(group, message), timeout=settings.DRAFT_BROADCAST_TIMEOUT_SECONDS)
