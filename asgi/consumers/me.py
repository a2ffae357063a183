from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from backend.notifications.services import user_group_name

# Anonymous connections are accepted, then closed with this code, so a browser can tell "sign in" from "network".
CLOSE_NOT_SIGNED_IN = 4401


class MeConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/me/`: the signed-in user's notifications, `seq` counting from 1 on each connection. Listen only."""

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

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen; anything they send is ignored."""

    async def notify_message(self, event: dict[str, Any]) -> None:
        self.seq += 1
        await self.send_json({"type": event["event"], "seq": self.seq, "data": event["data"]})
