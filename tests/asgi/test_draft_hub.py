"""A web process's DraftHub: one group membership per draft for all its watchers, on the real Redis channel layer."""

import asyncio
import contextlib
import json
from dataclasses import dataclass, field

from channels.layers import get_channel_layer

from asgi.consumers import drafts
from backend.drafts.broadcast import draft_group_name
from tests.asgi.draft_clients import run_async


@dataclass(eq=False)
class FakeWatcher:
    received: list[tuple[int, str]] = field(default_factory=list)

    async def deliver(self, seq: int, text: str) -> None:
        self.received.append((seq, text))


async def publish(draft_id: int, seq: int) -> None:
    message = {"type": "draft.pick", "draft": draft_id, "seq": seq, "text": f"event {seq}"}
    await get_channel_layer().group_send(draft_group_name(draft_id), message)


async def until(condition, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_watchers_arriving_together_share_one_channel_and_each_hears_every_event_once(monkeypatch) -> None:
    from channels_redis.pubsub import RedisPubSubLoopLayer

    new_channel = RedisPubSubLoopLayer.new_channel
    made: list[str] = []

    async def new_channel_after_a_round_trip(self, prefix: str = "specific.") -> str:
        await asyncio.sleep(0.01)  # a Redis that answers after a moment: the other watchers arrive meanwhile
        made.append(await new_channel(self, prefix))
        return made[-1]

    monkeypatch.setattr(RedisPubSubLoopLayer, "new_channel", new_channel_after_a_round_trip)

    async def scenario() -> tuple[list[FakeWatcher], FakeWatcher, drafts.DraftHub]:
        hub = drafts.DraftHub()
        watchers = [FakeWatcher() for _ in range(30)]
        assert all(await asyncio.gather(*(hub.add(901, watcher) for watcher in watchers)))
        other = FakeWatcher()
        assert await hub.add(902, other)
        for seq in (1, 2, 3):
            await publish(901, seq)
        await until(lambda: all(len(watcher.received) == 3 for watcher in watchers))
        await asyncio.sleep(0.1)  # nothing more arrives
        return watchers, other, hub

    watchers, other, hub = run_async(scenario())
    for watcher in watchers:
        assert watcher.received == [(1, "event 1"), (2, "event 2"), (3, "event 3")]
    assert other.received == []  # another draft's watcher hears none of them
    assert hub.joined == {901, 902}
    assert made == [hub.channel]  # one channel for the process, made once


def test_the_group_is_left_with_the_last_watcher_and_joined_again_by_the_next() -> None:
    async def scenario() -> tuple[FakeWatcher, FakeWatcher, set[int]]:
        hub = drafts.DraftHub()
        first, second = FakeWatcher(), FakeWatcher()
        await hub.add(903, first)
        await publish(903, 1)
        await until(lambda: first.received == [(1, "event 1")])
        await hub.remove(903, first)
        joined_after_leaving = set(hub.joined)
        await publish(903, 2)  # nobody in this process watches: not delivered
        await hub.add(903, second)
        await publish(903, 3)
        await until(lambda: second.received == [(3, "event 3")])
        return first, second, joined_after_leaving

    first, second, joined_after_leaving = run_async(scenario())
    assert joined_after_leaving == set()
    assert first.received == [(1, "event 1")]
    assert second.received == [(3, "event 3")]


@dataclass(eq=False)
class SlowWatcher(FakeWatcher):
    """A watcher whose client reads slowly: each send waits until the test lets it through."""

    let_through: asyncio.Event = field(default_factory=asyncio.Event)

    async def deliver(self, seq: int, text: str) -> None:
        await self.let_through.wait()
        self.received.append((seq, text))


def test_a_watcher_whose_sends_wait_holds_up_nobody_and_still_gets_every_event_in_order() -> None:
    async def scenario() -> tuple[list[FakeWatcher], SlowWatcher, list[tuple[int, str]]]:
        hub = drafts.DraftHub()
        slow = SlowWatcher()
        quick = [FakeWatcher() for _ in range(3)]
        for watcher in (quick[0], slow, *quick[1:]):
            hub.watchers.setdefault(904, set()).add(watcher)  # type: ignore[arg-type]
        for seq in (1, 2, 3):
            hub.deliver(904, seq, f"event {seq}")
        # the quick ones have every event already, without the loop running once: nothing waited for the slow one
        assert all(len(watcher.received) == 3 for watcher in quick)
        received_while_waiting = list(slow.received)
        slow.let_through.set()
        await until(lambda: len(slow.received) == 3)
        return quick, slow, received_while_waiting

    quick, slow, received_while_waiting = run_async(scenario())
    assert received_while_waiting == []
    assert slow.received == [(1, "event 1"), (2, "event 2"), (3, "event 3")]
    assert all(watcher.received == slow.received for watcher in quick)


def test_a_cancelled_waiting_send_is_cancelled_inside_the_watcher() -> None:
    cancelled: list[int] = []

    async def waits_forever(seq: int) -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(seq)
            raise

    async def scenario() -> None:
        drafts.run_eagerly(waits_forever(1))
        [task] = [task for task in drafts._waiting if not task.done()]
        await asyncio.sleep(0)  # the task takes over the wait
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run_async(scenario())
    assert cancelled == [1]


def test_a_watchers_events_leave_in_order_even_when_its_socket_frees_up_between_two_events() -> None:
    """A socket that could not take more (a slow reader) frees up: the events held back go out before a new one."""

    async def scenario() -> list[int]:
        writable = asyncio.Event()
        written: list[int] = []

        async def send(text_data: str) -> None:  # as uvicorn's: wait until the transport takes more, then write
            await writable.wait()
            written.append(json.loads(text_data)["seq"])

        watcher = drafts.DraftConsumer()
        watcher.draft_id, watcher.seq = 905, 0
        watcher.send = send  # type: ignore[method-assign]
        for seq in (1, 2, 3):
            drafts.run_eagerly(watcher.deliver(seq, json.dumps({"seq": seq})))
        writable.set()  # the held-back sends are only scheduled to resume...
        drafts.run_eagerly(watcher.deliver(4, json.dumps({"seq": 4})))  # ...when the next event arrives
        await until(lambda: len(written) == 4)
        return written

    assert run_async(scenario()) == [1, 2, 3, 4]
