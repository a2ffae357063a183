"""Draft events to their watchers: after commit, encoded once, one group send per event, never waited for.

Each web process joins `draft_group_name(id)` once for all its watchers of that draft (asgi.consumers.drafts) and
writes the pre-encoded text to each of their sockets as it is, so a pick costs one JSON encoding and one Redis
message per web process, whatever the number of watchers.

Sending happens on a publisher thread with its own event loop, fed in commit order: a request hands the event over
and answers at once, rather than waiting for the web process's own event loop, which may be busy delivering the
previous event to a thousand sockets. One queue and one sending task keep the events in `seq` order.

A lost broadcast is repaired by the watchers themselves (a gap in `seq` -> a fresh snapshot), so a failure here is
logged, once per outage, and never raised: the pick is committed already.
"""

import asyncio
import atexit
import json
import logging
import os
import threading
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

logger = logging.getLogger(__name__)

Item = tuple[int, str, int, str]  # draft id, event type, seq, encoded message


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
    """Hand one encoded event to the publisher; returns at once."""
    publisher.submit((draft_id, event_type, seq, text))


class Publisher:
    """A daemon thread running an event loop whose one task group-sends the submitted events in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Item] | None = None
        self._pid: int | None = None
        self._failing = False

    def _ensure_started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Item]]:
        with self._lock:
            # A forked child (a prefork worker) inherits the attributes but not the thread: start its own.
            if self._loop is None or self._queue is None or self._pid != os.getpid():
                started = threading.Event()
                loop = asyncio.new_event_loop()
                queue: asyncio.Queue[Item] = asyncio.Queue()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(started.set)
                    loop.run_until_complete(self._drain(queue))

                threading.Thread(target=run, name="draft-broadcast", daemon=True).start()
                started.wait()
                self._loop, self._queue, self._pid = loop, queue, os.getpid()
            return self._loop, self._queue

    def submit(self, item: Item) -> None:
        loop, queue = self._ensure_started()
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every submitted event has been sent or given up (tests, commands about to exit)."""
        if self._loop is None or self._queue is None or self._pid != os.getpid():
            return True
        try:
            asyncio.run_coroutine_threadsafe(self._queue.join(), self._loop).result(timeout)
        except TimeoutError:
            return False
        return True

    async def _drain(self, queue: asyncio.Queue[Item]) -> None:
        while True:
            draft_id, event_type, seq, text = await queue.get()
            try:
                layer = get_channel_layer()
                if layer is not None:
                    message = {"type": event_type, "draft": draft_id, "seq": seq, "text": text}
                    await _send(layer, draft_group_name(draft_id), message)
                if self._failing:
                    self._failing = False
                    logger.warning("draft broadcasts resumed (draft %s: %s, seq %s)", draft_id, event_type, seq)
            except Exception as error:  # whatever the layer raises, the pick is committed
                level = logging.DEBUG if self._failing else logging.WARNING
                self._failing = True
                logger.log(
                    level,
                    "draft %s: %s (seq %s) not broadcast (%s: %s); watchers catch up by snapshot%s",
                    draft_id,
                    event_type,
                    seq,
                    type(error).__name__,
                    error,
                    "" if level == logging.DEBUG else "; further failures are logged at DEBUG until one succeeds",
                )
            finally:
                queue.task_done()


async def _send(layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
    # A Redis that accepts the connection but never answers must not hold the events behind this one forever.
    await asyncio.wait_for(layer.group_send(group, message), timeout=settings.DRAFT_BROADCAST_TIMEOUT_SECONDS)


publisher = Publisher()
# A command (demo data, a script) may exit right after its last pick: give its events a moment to leave.
atexit.register(publisher.flush, 2.0)
