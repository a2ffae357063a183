"""`/ws/drafts/{id}/`: a snapshot with its `seq` on connect, then every committed change in `seq` order.

Watchers only listen: nothing they send can change the draft (writes go through REST).

Fan-out. A web process holds thousands of watchers. Rather than each watcher receiving every event through a
channel of its own (a Redis subscription, a queue, a decoding and a dispatch per watcher), the process's
`DraftHub` joins the draft's group once, receives each event once, already encoded (backend.drafts.broadcast),
and writes that same text to each of its watchers' sockets: per watcher, a comparison and a send.

Order and completeness: a watcher is added to the hub (which has joined the group by then) before its snapshot
is read, so an event committed after the read reaches it; events that arrive while the snapshot is on its way
wait, and those already in the snapshot (seq <= the snapshot's) are dropped. A gap (an event lost while Redis was
down, or two web processes publishing out of order) is repaired by sending a fresh snapshot instead, as a `sync`
from the client would.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Coroutine, Generator
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import BaseChannelLayer, get_channel_layer

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


class DraftHub:
    """This process's watchers of each draft, and the one channel-layer channel that receives for all of them.

    The hub joins a draft's group when the draft's first watcher arrives and leaves it when the last one goes; one
    lock keeps joins and leaves in order, so a watcher arriving as the last one leaves is never left without the
    group. One task receives, and writes each event to every watcher of its draft, in turn, at once:
    a send that has to wait (a client that reads slowly, a snapshot to read) goes on as a task of its own
    (`run_eagerly`), so it holds up nobody else, and a task is made only then.
    """

    def __init__(self) -> None:
        self.watchers: dict[int, set[DraftConsumer]] = {}
        self.joined: set[int] = set()
        self.membership = asyncio.Lock()
        self.starting = asyncio.Lock()
        self.channel: str | None = None
        self.receiver: asyncio.Task[None] | None = None

    async def add(self, draft_id: int, watcher: DraftConsumer) -> bool:
        """Start delivering the draft's events to `watcher`; False when the group cannot be joined (Redis down)."""
        layer = get_channel_layer()
        if layer is None:
            return False
        async with self.starting:  # watchers arriving together must not each make a channel of their own
            if self.channel is None:
                self.channel = await layer.new_channel("drafts.")
            if self.receiver is None or self.receiver.done():
                self.receiver = asyncio.get_running_loop().create_task(self._receive(layer, self.channel))
        async with self.membership:
            if draft_id not in self.joined:
                if not await join_group(layer, draft_group_name(draft_id), self.channel):
                    return False
                self.joined.add(draft_id)
            self.watchers.setdefault(draft_id, set()).add(watcher)
        return True

    async def remove(self, draft_id: int, watcher: DraftConsumer) -> None:
        watchers = self.watchers.get(draft_id, set())
        watchers.discard(watcher)
        if watchers:
            return
        layer = get_channel_layer()
        async with self.membership:
            if self.watchers.get(draft_id) or draft_id not in self.joined or layer is None or self.channel is None:
                return
            self.watchers.pop(draft_id, None)
            self.joined.discard(draft_id)
            try:
                await layer.group_discard(draft_group_name(draft_id), self.channel)
            except Exception as error:  # nothing to repair: an event for nobody is dropped here anyway
                logger.info("draft %s: leaving the group failed (%s: %s)", draft_id, type(error).__name__, error)

    async def _receive(self, layer: BaseChannelLayer, channel: str) -> None:
        failing = False
        while True:
            try:
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the layer reconnects; watchers repair what was lost by their seq
                if not failing:
                    logger.warning("draft events: receiving failed (%s: %s); retrying", type(error).__name__, error)
                failing = True
                await asyncio.sleep(0.5)
                continue
            failing = False
            try:
                self.deliver(int(message["draft"]), int(message["seq"]), message["text"])
            except (KeyError, TypeError, ValueError):
                logger.warning("draft events: a message of an unknown shape was dropped: %.200r", message)

    def deliver(self, draft_id: int, seq: int, text: str) -> None:
        for watcher in list(self.watchers.get(draft_id, ())):
            run_eagerly(watcher.deliver(seq, text))


_waiting: set[asyncio.Task[Any]] = set()  # the sends that had to wait, until they end


def run_eagerly(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` now, up to its first real wait; only if it has to wait does it go on as a task.

    A send to a watcher's socket usually completes without waiting (the bytes go to the transport's buffer), so
    this spares a task per watcher and event. (Python 3.12's eager task factory does the same.)
    """
    try:
        waiting_on = coroutine.send(None)
    except StopIteration:
        return
    task = asyncio.get_running_loop().create_task(_resume(coroutine, waiting_on))
    _waiting.add(task)
    task.add_done_callback(_waiting.discard)


async def _resume(coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    await _Resumed(coroutine, waiting_on)


class _Resumed:
    """Awaitable that goes on driving a coroutine that has already yielded `waiting_on` to the event loop.

    It yields what the coroutine yields (the task waits on it as it would for the coroutine itself) and passes
    back what the task sends or throws (a cancellation), exactly as if the task had run it from the start.
    """

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self.coroutine, self.waiting_on = coroutine, waiting_on

    def __await__(self) -> Generator[Any, None, None]:
        waiting_on = self.waiting_on
        while True:
            try:
                yield waiting_on
            except BaseException as error:  # a cancellation goes to the coroutine, as a task would do
                try:
                    waiting_on = self.coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = self.coroutine.send(None)
                except StopIteration:
                    return


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DraftHub] = weakref.WeakKeyDictionary()


def draft_hub() -> DraftHub:
    """The hub of the running event loop (one per web process; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = DraftHub()
    return hub


async def join_group(layer: BaseChannelLayer, group: str, channel: str) -> bool:
    """Join a group; after a Redis restart the layer's first command can fail on a stale connection."""
    for delay in (*JOIN_RETRY_DELAYS, None):
        try:
            await layer.group_add(group, channel)
        except Exception as error:
            if delay is None:
                logger.warning("%s: could not join (%s: %s)", group, type(error).__name__, error)
                return False
            await asyncio.sleep(delay)
        else:
            return True
    return False


class DraftConsumer(AsyncWebsocketConsumer):
    # Events reach watchers through the process's DraftHub, not through a channel per watcher. Channels gives a
    # consumer no channel when its alias names no configured layer (get_channel_layer answers None), which spares
    # a Redis subscription per connection.
    channel_layer_alias = "draft watchers use the DraftHub"

    draft_id: int
    seq: int
    listening_since: float
    watching = False
    snapshot_sent = False
    # Events waiting for this watcher, in order, while a send to it is under way (or, on connect, until its first
    # snapshot is sent); None when nothing is being sent. One sender at a time keeps a slow client's events in order.
    outbox: list[tuple[int, str]] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # However the connection ends (a disconnect, or a handler that raised: Channels then calls no disconnect),
        # the watcher leaves the hub.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self.leave()

    async def connect(self) -> None:
        self.seq = -1
        self.outbox = []
        await self.accept()
        draft_id = _draft_id(str(self.scope["url_route"]["kwargs"]["draft_id"]))
        if draft_id is None:
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.draft_id = draft_id
        if not await draft_hub().add(draft_id, self):
            await self.close(code=CLOSE_UNAVAILABLE)  # the watcher should retry, not wait in silence
            return
        self.watching = True
        self.listening_since = time.monotonic()
        if not await self.send_snapshot():
            await self.close(code=CLOSE_UNKNOWN)
            return
        self.snapshot_sent = True
        await self.drain()  # the events that arrived meanwhile

    async def disconnect(self, code: int) -> None:
        await self.leave()

    async def leave(self) -> None:
        if self.watching:
            self.watching = False
            try:
                await draft_hub().remove(self.draft_id, self)
            except Exception as error:  # the socket is gone either way
                logger.info("draft %s: a watcher's leaving failed (%s: %s)", self.draft_id, type(error).__name__, error)

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
        if not text_data or not self.watching or not self.snapshot_sent:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "sync":
            # A sync asks for the state now: never share a read that began before it.
            self.listening_since = time.monotonic()
            await self.send_snapshot()

    async def forward(self, seq: int, text: str) -> None:
        if seq <= self.seq:
            return  # already in the snapshot this watcher has
        if seq != self.seq + 1:
            self.listening_since = time.monotonic()
            await self.send_snapshot()
            return
        self.seq = seq
        await self.send(text_data=text)

    async def deliver(self, seq: int, text: str) -> None:
        """One event from the hub: sent now, or queued behind the send already under way to this watcher."""
        if self.outbox is not None:
            self.outbox.append((seq, text))
            return
        self.outbox = [(seq, text)]
        await self.drain()

    async def drain(self) -> None:
        try:
            while self.outbox:
                await self.forward(*self.outbox.pop(0))
        except Exception as error:  # the socket closed meanwhile: the watcher leaves the hub as its connection ends
            logger.debug("draft %s: a delivery failed (%s: %s)", self.draft_id, type(error).__name__, error)
        finally:
            self.outbox = None
