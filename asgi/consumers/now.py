"""`/ws/now/`: what is live now, for the home page (listen only).

On connect: `now.snapshot` (seq 0) with the drafts in progress and the live games; then `now.draft_started`,
`now.draft_completed`, `now.draft_reopened`, `now.game_started` and `now.game_ended`, each one more in `seq`
than the message before on this connection; `{"type": "sync"}` answers a fresh snapshot.

The group is joined before the snapshot is read, so a change committed in between is not lost (at worst it
arrives after a snapshot that already shows it; applying it again changes nothing). Draft messages carry the
draft's own `seq`, so a client can tell a late message about a draft from a newer one.
"""

import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from asgi.consumers.drafts import CLOSE_UNAVAILABLE, join_group
from backend.notifications.now import NOW_GROUP, SNAPSHOT
from backend.pages.selectors import live_now

logger = logging.getLogger(__name__)

# Off the one thread Channels gives database calls by default: every home page load reads one.
_read_snapshot = database_sync_to_async(live_now, thread_sensitive=False)


class NowConsumer(AsyncJsonWebsocketConsumer):
    joined = False

    async def connect(self) -> None:
        self.seq = 0
        await self.accept()
        if not await self.join():
            await self.close(code=CLOSE_UNAVAILABLE)  # the page should retry, not wait in silence
            return
        self.joined = True
        await self.send_json({"type": SNAPSHOT, "seq": self.seq, "data": await _read_snapshot()})

    async def join(self) -> bool:
        return await join_group(self.channel_layer, NOW_GROUP, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if not self.joined:
            return
        try:
            await self.channel_layer.group_discard(NOW_GROUP, self.channel_name)
        except Exception as error:  # nothing to repair: the socket is gone either way
            logger.info("/ws/now/: leaving failed (%s: %s)", type(error).__name__, error)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Only `{"type": "sync"}` means anything: a fresh snapshot. Everything else is ignored."""
        if isinstance(content, dict) and content.get("type") == "sync" and self.joined:
            snapshot = await _read_snapshot()
            self.seq += 1
            await self.send_json({"type": SNAPSHOT, "seq": self.seq, "data": snapshot})

    async def forward(self, event: dict[str, Any]) -> None:
        self.seq += 1
        await self.send_json({"type": event["type"], "seq": self.seq, "data": event["data"]})

    # One handler per message type (the channel layer dispatches `now.draft_started` to `now_draft_started`).
    now_draft_started = forward
    now_draft_completed = forward
    now_draft_reopened = forward
    now_game_started = forward
    now_game_ended = forward
