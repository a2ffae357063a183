from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class PingConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/ping/`: answers every message with `pong` carrying it back, so a client can measure its round trip."""

    async def connect(self) -> None:
        self.seq = 0
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        self.seq += 1
        await self.send_json({"type": "pong", "seq": self.seq, "data": content if isinstance(content, dict) else {}})
