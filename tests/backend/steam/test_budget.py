"""The global Steam call budget: measured where it matters, at the (fake) Steam server."""

import sys
import threading
import time

import pytest
import redis

from backend.steam.budget import CallBudget, Priority, Window
from backend.steam.client import LIVE, SteamClient
from backend.steam.errors import SteamBudgetExhausted, SteamUnavailable
from tests.processes import Process, free_port, process_env, wait_until

pytestmark = pytest.mark.slow

WORKER_SCRIPT = """
import sys, django
django.setup()
from backend.steam.client import SteamClient, CallPolicy
from backend.steam.budget import Priority
client = SteamClient()
first, count = int(sys.argv[1]), int(sys.argv[2])
policy = CallPolicy(Priority.BACKGROUND, deadline_seconds=120, attempts=3)
for server_steam_id in range(first, first + count):
    client.get_realtime_stats(server_steam_id, policy=policy)  # distinct ids: nothing is answered from the cache
print("done", flush=True)
"""


def _worker(fake_steam, settings, first: int, count: int) -> Process:
    env = process_env(
        STEAM_API_KEY=settings.STEAM_API_KEY,
        STEAM_API_BASE_URL=fake_steam.url,
        STEAM_CALLS_PER_SECOND=str(settings.STEAM_CALLS_PER_SECOND),
    )
    return Process("steam-budget", [sys.executable, "-c", WORKER_SCRIPT, str(first), str(count)], env)


def test_two_processes_together_never_exceed_the_budget(fake_steam, settings):
    settings.STEAM_CALLS_PER_SECOND = 3
    workers = [_worker(fake_steam, settings, first, 9) for first in (1000, 2000)]
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: all("done" in w.log or not w.alive() for w in workers), timeout=60, what="workers")
    finally:
        for worker in workers:
            worker.stop()
    assert all("done" in w.log for w in workers), [w.log for w in workers]
    calls = fake_steam.calls_to("GetRealtimeStats")
    assert len(calls) == 18
    assert fake_steam.max_calls_in_window(1.0) <= 3
    # and the budget is used, not wasted: 18 calls at 3/s need a little over 5 s
    span = calls[-1].at - calls[0].at
    print(
        f"\nbudget N=3: 18 calls from 2 processes in {span:.2f} s, most in any 1 s: {fake_steam.max_calls_in_window()}"
    )
    assert 5.0 <= span < 8.0, span


def test_live_polling_keeps_its_share_while_a_sync_runs_elsewhere(fake_steam, settings):
    settings.STEAM_CALLS_PER_SECOND = 2
    workers = [_worker(fake_steam, settings, first, 12) for first in (1000, 2000)]
    for worker in workers:
        worker.start()
    try:
        wait_until(lambda: len(fake_steam.calls) >= 4, timeout=30, what="the sync to be running")
        live_calls = []
        client = SteamClient()
        for server_steam_id in (1, 2, 3):
            started = time.monotonic()
            client.get_realtime_stats(server_steam_id, policy=LIVE)
            live_calls.append((server_steam_id, started, time.monotonic()))
            time.sleep(0.3)
        background_pending = all(w.alive() for w in workers)
    finally:
        for worker in workers:
            worker.stop()
    assert background_pending, "the background sync should still have been running"
    arrivals = {int(call.params["server_steam_id"]): call.at for call in fake_steam.calls_to("GetRealtimeStats")}
    for server_steam_id, started, finished in live_calls:
        # at most one window's wait (2 calls per 1 s can both be taken just before), ...
        assert finished - started < 1.15
        # ... and no queued sync call overtook it: none arrived between its request and its arrival
        # (one already granted may still be in flight for a few milliseconds)
        overtaking = [
            sid for sid, at in arrivals.items() if sid >= 1000 and started + 0.03 < at < arrivals[server_steam_id]
        ]
        assert overtaking == [], (server_steam_id, overtaking)
    assert fake_steam.max_calls_in_window(1.0) <= 2


@pytest.fixture
def budget_redis(settings):
    return redis.Redis.from_url(settings.CACHE_REDIS_URL)


def test_waiting_higher_priority_goes_first(budget_redis):
    budget = CallBudget(1, client=budget_redis, prefix="test:budget:priority")
    budget.acquire(Priority.BACKGROUND, timeout=1)  # the window is now full for ~1 s
    granted: dict[str, float] = {}

    def take(name: str, priority: Priority) -> None:
        budget.acquire(priority, timeout=5)
        granted[name] = time.monotonic()

    background = threading.Thread(target=take, args=("background", Priority.BACKGROUND))
    background.start()
    time.sleep(0.2)  # the background caller has been waiting longer
    live = threading.Thread(target=take, args=("live", Priority.LIVE))
    live.start()
    background.join()
    live.join()
    assert granted["live"] < granted["background"]
    assert granted["background"] - granted["live"] >= 0.95


def test_lower_priority_still_runs_when_nobody_else_waits(budget_redis):
    budget = CallBudget(5, client=budget_redis, prefix="test:budget:alone")
    started = time.monotonic()
    for _ in range(5):
        budget.acquire(Priority.BACKGROUND, timeout=1)
    assert time.monotonic() - started < 0.5


def test_no_slot_before_the_deadline_raises_budget_exhausted(budget_redis):
    budget = CallBudget(1, client=budget_redis, prefix="test:budget:deadline")
    budget.acquire(Priority.LIVE, timeout=1)
    started = time.monotonic()
    with pytest.raises(SteamBudgetExhausted) as caught:
        budget.acquire(Priority.LIVE, timeout=0.3)
    assert time.monotonic() - started < 0.35  # it knew the next slot was too late and said so at once
    assert caught.value.retryable and caught.value.retry_after >= 1


def test_pause_stops_every_caller(budget_redis):
    budget = CallBudget(100, client=budget_redis, prefix="test:budget:pause")
    budget.pause(0.5)
    started = time.monotonic()
    budget.acquire(Priority.LIVE, timeout=2)
    assert time.monotonic() - started >= 0.45


def test_redis_down_means_no_call(settings):
    budget = CallBudget(1, client=redis.Redis(port=free_port(), socket_connect_timeout=0.2), prefix="x")
    with pytest.raises(SteamUnavailable):
        budget.acquire(Priority.LIVE, timeout=1)


@pytest.mark.parametrize(
    ("rate", "window"), [(1, Window(1, 1.0)), (2.5, Window(2, 1.0)), (0.5, Window(1, 2.0)), (10, Window(10, 1.0))]
)
def test_rate_to_window(rate, window):
    assert Window.from_rate(rate) == window


def test_pause_after_429s_doubles_while_they_continue_and_resets_after_a_success(budget_redis):
    budget = CallBudget(100, client=budget_redis, prefix="test:budget:streak")
    pauses = [budget.rate_limited(None, initial=0.1, maximum=0.35) for _ in range(4)]
    # each pause extends the one in force (never shortens it), so compare what was asked: 0.1, 0.2, 0.35 (max)
    assert pauses[0] == pytest.approx(0.1, abs=0.02)
    assert pauses[1] == pytest.approx(0.2, abs=0.02)
    assert pauses[2] == pytest.approx(0.35, abs=0.02) and pauses[3] == pytest.approx(0.35, abs=0.02)
    budget.succeeded()
    time.sleep(0.4)
    assert budget.rate_limited(None, initial=0.1, maximum=0.35) == pytest.approx(0.1, abs=0.02)
    assert budget.rate_limited(2, initial=0.1, maximum=0.35) == pytest.approx(2, abs=0.02)  # Retry-After wins
