"""Watchers connecting together share one snapshot read, but never one that began before they were listening."""

import asyncio
import time

import pytest

from asgi.consumers import drafts
from tests.asgi.draft_clients import run_async


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    started: list[int] = []

    async def slow_read(draft_id: int):
        started.append(draft_id)
        number = len(started)
        await asyncio.sleep(0.05)
        return number, f"snapshot {number}"

    monkeypatch.setattr(drafts, "_read_snapshot", slow_read)
    return started


def test_watchers_asking_during_a_read_that_began_after_they_joined_share_it(reads) -> None:
    async def scenario():
        shared = drafts.SnapshotReads()
        joined = time.monotonic() - 1
        return await asyncio.gather(*(shared.get(7, joined) for _ in range(100)))

    results = run_async(scenario())
    assert reads == [7]
    assert set(results) == {(1, "snapshot 1")}


def test_watchers_that_joined_during_a_read_share_the_next_one(reads) -> None:
    async def scenario():
        shared = drafts.SnapshotReads()
        first = asyncio.create_task(shared.get(7, time.monotonic() - 1))
        await asyncio.sleep(0.01)
        late = await asyncio.gather(*(shared.get(7, time.monotonic()) for _ in range(100)))
        return await first, late

    first, late = run_async(scenario())
    assert reads == [7, 7]
    assert first == (1, "snapshot 1") and set(late) == {(2, "snapshot 2")}


def test_a_failed_read_fails_its_waiters_and_the_next_read_starts_afresh(monkeypatch) -> None:
    calls = []

    async def flaky(draft_id: int):
        calls.append(draft_id)
        await asyncio.sleep(0.02)
        if len(calls) == 1:
            raise ConnectionError("database gone")
        return 5, "snapshot"

    monkeypatch.setattr(drafts, "_read_snapshot", flaky)

    async def scenario():
        shared = drafts.SnapshotReads()
        failing = asyncio.gather(*(shared.get(3, time.monotonic() - 1) for _ in range(3)), return_exceptions=True)
        await asyncio.sleep(0.005)
        later = shared.get(3, time.monotonic())
        return await failing, await later, shared

    failed, later, shared = run_async(scenario())
    assert all(isinstance(result, ConnectionError) for result in failed)
    assert later == (5, "snapshot")
    assert shared.running == {} and shared.waiting == {}


def test_a_watcher_that_joined_after_a_read_began_gets_a_read_of_its_own(reads) -> None:
    async def scenario():
        shared = drafts.SnapshotReads()
        first = asyncio.create_task(shared.get(7, time.monotonic() - 1))
        await asyncio.sleep(0.01)
        late = await shared.get(7, time.monotonic())
        return await first, late

    first, late = run_async(scenario())
    assert reads == [7, 7]
    assert first == (1, "snapshot 1") and late == (2, "snapshot 2")


def test_different_drafts_are_read_separately(reads) -> None:
    async def scenario():
        shared = drafts.SnapshotReads()
        joined = time.monotonic() - 1
        return await asyncio.gather(shared.get(1, joined), shared.get(2, joined))

    run_async(scenario())
    assert sorted(reads) == [1, 2]
