"""`/ws/drafts/{id}/`: a snapshot with its `seq` on connect, then every committed change in `seq` order.

Watchers only listen: nothing they send can change the draft (writes go through REST). Events arrive through the
channel layer pre-encoded (backend.drafts.broadcast), so forwarding one costs a comparison and a send.

Order and completeness: the consumer joins the draft's group before it reads the snapshot, so an event committed
after the snapshot's read reaches it; events already in the snapshot (seq <= the snapshot's) are dropped. A gap
(an event lost while Redis was down, or two web processes publishing out of order) is repaired by sending a fresh
snapshot instead, as a `sync` from the client would.
"""

import asyncio
import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from backend.drafts.broadcast import draft_group_name, encode
from backend.drafts.selectors import draft_snapshot

logger = logging.getLogger(__name__)

CLOSE_UNKNOWN = 4404
CLOSE_UNAVAILABLE = 1011
DRAFT_ID_MAX = 2**63 - 1
JOIN_RETRY_DELAYS = (0.05, 0.2, 0.5)  # seconds before the 2nd, 3rd and 4th attempt

Snapshot = tuple[int, str] | None  # (seq, the encoded draft.snapshot message), None for an unknown draft


def _snapshot_message(draft_id: int) -> Snapshot:
    snapshot = draft_snapshot(draft_id)
    if snapshot is None:
        return None
    return snapshot["seq"], encode({"type": "draft.snapshot", "seq": snapshot["seq"], "data": snapshot})


# Off the one thread Channels gives database calls by default: a thousand watchers connecting at once would queue
# behind each other there.
_read_snapshot = database_sync_to_async(_snapshot_message, thread_sensitive=False)


class SnapshotReads:
    """Shares snapshot reads among the watchers of a draft that connect together.

    A watcher may only share a read that started after it joined the group (`since`): an older read could miss an
    event published before the watcher was listening. Those who arrive while a read runs wait for the next one,
    which starts as soon as the running one ends and serves all of them: a burst of a thousand connects costs a
    read per read-duration, not a read per watcher.
    """

    def __init__(self) -> None:
        self.running: dict[int, tuple[float, asyncio.Future[Snapshot]]] = {}
        self.waiting: dict[int, asyncio.Future[Snapshot]] = {}

    async def get(self, draft_id: int, since: float) -> Snapshot:
        running = self.running.get(draft_id)
        if running is not None and running[0] >= since:
            return await asyncio.shield(running[1])
        if running is None:
            future = asyncio.get_running_loop().create_future()
            self._start(draft_id, future)
        else:
            future = self.waiting.get(draft_id) or asyncio.get_running_loop().create_future()
            self.waiting[draft_id] = future
        return await asyncio.shield(future)

    def _start(self, draft_id: int, future: asyncio.Future[Snapshot]) -> None:
        self.running[draft_id] = (time.monotonic(), future)
        asyncio.get_running_loop().create_task(self._read(draft_id, future))

    async def _read(self, draft_id: int, future: asyncio.Future[Snapshot]) -> None:
        try:
            future.set_result(await _read_snapshot(draft_id))
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits any more
        finally:
            del self.running[draft_id]
            following = self.waiting.pop(draft_id, None)
            if following is not None:
                self._start(draft_id, following)


snapshot_reads = SnapshotReads()


def _draft_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 0 < int(raw) <= DRAFT_ID_MAX else None


class DraftConsumer(AsyncWebsocketConsumer):
    draft_id: int
    seq: int
    listening_since: float
    # The group is joined and left here rather than through `groups`: the base class would let a Redis outage
    # at disconnect raise.
    group: str | None = None

    async def connect(self) -> None:
        self.seq = -1
        await self.accept()
        draft_id = _draft_id(str(self.scope["url_route"]["kwargs"]["draft_id"]))
        if draft_id is None:
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.draft_id = draft_id
        if not await self.join(draft_group_name(draft_id)):
            await self.close(code=CLOSE_UNAVAILABLE)  # the watcher should retry, not wait in silence
            return
        self.group = draft_group_name(draft_id)
        self.listening_since = time.monotonic()
        if not await self.send_snapshot():
            await self.close(code=CLOSE_UNKNOWN)

    async def join(self, group: str) -> bool:
        """Join the draft's group; after a Redis restart the layer's first command can fail on a stale connection."""
        for delay in (*JOIN_RETRY_DELAYS, None):
            try:
                await self.channel_layer.group_add(group, self.channel_name)
            except Exception as error:
                if delay is None:
                    logger.warning("%s: a watcher could not join (%s: %s)", group, type(error).__name__, error)
                    return False
                await asyncio.sleep(delay)
            else:
                return True
        return False

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except Exception as error:  # nothing to repair: the socket is gone either way
            logger.info("%s: leaving failed (%s: %s)", self.group, type(error).__name__, error)

    async def send_snapshot(self) -> bool:
        snapshot = await snapshot_reads.get(self.draft_id, self.listening_since)
        if snapshot is None:
            return False
        seq, text = snapshot
        if seq >= self.seq:  # a shared read never takes a watcher back in time
            self.seq = seq
            await self.send(text_data=text)
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Only `{"type": "sync"}` means anything: a fresh snapshot. Everything else is ignored."""
        if not text_data or not hasattr(self, "draft_id"):
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "sync":
            # A sync asks for the state now: never share a read that began before it.
            self.listening_since = time.monotonic()
            await self.send_snapshot()

    async def forward(self, event: dict[str, Any]) -> None:
        seq = int(event["seq"])
        if seq <= self.seq:
            return  # already in the snapshot this watcher has
        if seq != self.seq + 1:
            self.listening_since = time.monotonic()
            await self.send_snapshot()
            return
        self.seq = seq
        await self.send(text_data=event["text"])

    # One handler per event type (the channel layer dispatches `draft.pick` to `draft_pick`).
    draft_started = forward
    draft_pick = forward
    draft_undo = forward
    draft_style_changed = forward
    draft_completed = forward
