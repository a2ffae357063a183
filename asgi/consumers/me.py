from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from backend.drafts.selectors import current_turns_of
from backend.notifications.services import YOUR_TURN, user_group_name, your_turn_data

# Anonymous connections are accepted, then closed with this code, so a browser can tell "sign in" from "network".
CLOSE_NOT_SIGNED_IN = 4401


def _turns_now(user_id: int) -> list[dict[str, Any]]:
    return [
        your_turn_data(draft_id=draft_id, tournament_id=tournament_id, round=draft_round)
        for draft_id, tournament_id, draft_round in current_turns_of(user_id)
    ]


class MeConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/me/`: the signed-in user's notifications, `seq` counting from 1 on each connection. Listen only.

    A connection opened while it is the user's turn in a draft starts with that `notify.your_turn`: a captain who
    was offline, or between two pages, when the turn came is told all the same. (If the turn came just as the
    connection opened, it may be told twice; the page shows it once.)
    """

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        self.seq = 0
        self.group = user_group_name(user.pk)
        # Join before accepting: once the client sees the socket open, nothing sent to the user is missed.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for data in await database_sync_to_async(_turns_now)(user.pk):
            await self.notify_message({"event": YOUR_TURN, "data": data})

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def notify_message(self, event: dict[str, Any]) -> None:
        self.seq += 1
        await self.send_json({"type": event["event"], "seq": self.seq, "data": event["data"]})
