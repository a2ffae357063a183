"""`/ws/live/` and `/ws/live/{live_id}/`: live match stats for spectators (listen only).

On connect: `live.snapshot` (seq 0) with every tracked game, or the one; then `live.match` when a game's
stats changed and `live.ended` when it left the feed, each one more in `seq` than the message before.
The group is joined before the snapshot is read, so a change committed in between is not lost (at worst
it arrives once more after a snapshot that already shows it).
"""

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from backend.live import selectors
from backend.live.broadcast import LIVE_GROUP, live_game_group

UNKNOWN_ID_CLOSE_CODE = 4404


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.seq = 0
        self.group: str | None = None
        live_id: int | None = self.scope["url_route"]["kwargs"].get("live_id")
        await self.accept()
        if live_id is not None and not await database_sync_to_async(selectors.live_match_known)(live_id=live_id):
            await self.close(code=UNKNOWN_ID_CLOSE_CODE)
            return
        self.group = LIVE_GROUP if live_id is None else live_game_group(live_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        matches = await database_sync_to_async(selectors.live_matches_data)(live_id=live_id)
        await self.send_json({"type": "live.snapshot", "seq": self.seq, "data": {"matches": matches}})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "sync":
            matches = await database_sync_to_async(selectors.live_matches_data)(
                live_id=self.scope["url_route"]["kwargs"].get("live_id")
            )
            self.seq += 1
            await self.send_json({"type": "live.snapshot", "seq": self.seq, "data": {"matches": matches}})

    async def live_match(self, event: dict[str, Any]) -> None:
        await self._forward(event)

    async def live_ended(self, event: dict[str, Any]) -> None:
        await self._forward(event)

    async def _forward(self, event: dict[str, Any]) -> None:
        self.seq += 1
        await self.send_json({"type": event["type"], "seq": self.seq, "data": event["data"]})
