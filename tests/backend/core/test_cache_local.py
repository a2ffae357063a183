"""Copies of cached answers kept in process memory: a hit costs no Redis call, and a copy is never stale."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.core import cache
from backend.core.cache import CacheRedis, cached_answer
from backend.tournaments.models import Tournament
from tests.backend.core.cachetools import get_json
from tests.conftest import client_for
from tests.factories import TournamentFactory
from tests.processes import ROOT, process_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)

WRITER = """
import sys
import django

django.setup()
from backend.tournaments.models import Tournament

print("ready", flush=True)
for line in sys.stdin:
    pk, name = line.rstrip("\\n").split(" ", 1)
    tournament = Tournament.objects.get(pk=int(pk))
    tournament.name = name
    tournament.save()
    print("saved", flush=True)
"""


class Writer:
    """Another process that renames a tournament when asked, and answers once the save has committed."""

    def __init__(self) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-c", WRITER],
            cwd=ROOT,
            env=process_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._answer() == "ready"

    def _answer(self) -> str:
        assert self.popen.stdout is not None
        line = self.popen.stdout.readline().strip()
        assert line, f"the writer process ended (exit code {self.popen.poll()})"
        return line

    def rename(self, pk: int, name: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(f"{pk} {name}\n")
        self.popen.stdin.flush()
        assert self._answer() == "saved"

    def stop(self) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.close()
        self.popen.wait(10)


@pytest.fixture
def writer() -> Iterator[Writer]:
    process = Writer()
    yield process
    process.stop()


@pytest.fixture
def redis_commands(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the commands this process sends to the cache's Redis from now on."""
    sent: list[str] = []
    original = CacheRedis.execute_command

    def record(self: CacheRedis, *args: Any, **options: Any) -> Any:
        sent.append(str(args[0]))
        return original(self, *args, **options)

    monkeypatch.setattr(CacheRedis, "execute_command", record)
    return sent


def mute_listener(monkeypatch: pytest.MonkeyPatch) -> None:
    """The listener thread reads nothing from now on: only readers apply what reaches the socket."""
    drain = cache._LocalCopies._drain

    def reader_only(self: cache._LocalCopies) -> None:
        if threading.current_thread().name != "cache-invalidations":
            drain(self)

    monkeypatch.setattr(cache._LocalCopies, "_drain", reader_only)


def copies_usable() -> bool:
    cached_answer("warm-up", lambda: b"", Tournament)  # starts this process's subscription
    return bool(cache.cache_status()["local_copies"])


def read_from_memory(client: APIClient, url: str, redis_commands: list[str]) -> Any:
    """GET `url` until this process keeps a copy, then once more: no SQL and no Redis command."""
    wait_until(copies_usable, 10, what="the invalidation subscription")
    get_json(client, url)
    get_json(client, url)
    redis_commands.clear()
    with CaptureQueriesContext(connection) as queries:
        body = get_json(client, url)
    assert (len(queries), redis_commands) == (0, []), f"{url} was not answered from memory"
    return body


def copied_detail(organization: Any, redis_commands: list[str], name: str) -> tuple[Tournament, APIClient, str]:
    """A new tournament whose detail this process holds a copy of: (tournament, client, url)."""
    tournament = TournamentFactory(organization=organization, name=name)
    client = client_for(None)
    url = f"/api/tournaments/{tournament.pk}/"
    read_from_memory(client, url, redis_commands)
    return tournament, client, url


def test_a_repeated_read_costs_no_query_and_no_redis_command(organization, redis_commands):
    tournament = TournamentFactory(organization=organization, name="Kept")
    client = client_for(None)
    for url in (f"/api/tournaments/{tournament.pk}/", f"/api/tournaments/?organization={organization.pk}"):
        body = read_from_memory(client, url, redis_commands)
        names = [body["name"]] if "name" in body else [row["name"] for row in body["results"]]
        assert names == ["Kept"]


def test_a_write_committed_by_another_process_is_seen_by_the_very_next_read(organization, writer, redis_commands):
    tournament = TournamentFactory(organization=organization, name="Round 0")
    client = client_for(None)
    detail, listing = f"/api/tournaments/{tournament.pk}/", f"/api/tournaments/?organization={organization.pk}"
    read_from_memory(client, detail, redis_commands)
    read_from_memory(client, listing, redis_commands)
    for round_ in range(1, 21):
        writer.rename(tournament.pk, f"Round {round_}")
        # At once: no sleep, no retry. The announcement was on this process's socket before the writer returned.
        assert get_json(client, detail)["name"] == f"Round {round_}"
        assert [row["name"] for row in get_json(client, listing)["results"]] == [f"Round {round_}"]
        assert read_from_memory(client, detail, redis_commands)["name"] == f"Round {round_}"


def test_an_answer_read_while_another_process_wrote_is_not_kept(organization, writer):
    tournament = TournamentFactory(organization=organization, name="Old")
    wait_until(copies_usable, 10, what="the invalidation subscription")

    def build_while_renamed() -> bytes:
        writer.rename(tournament.pk, "New")  # committed and announced while this read is under way
        return b"old answer"

    assert cached_answer("race", build_while_renamed, Tournament, tournament.pk) == b"old answer"
    assert cached_answer("race", lambda: b"new answer", Tournament, tournament.pk) == b"new answer"
    # Copies are kept at all: the answer read after the write is.
    assert cached_answer("race", lambda: b"not read", Tournament, tournament.pk) == b"new answer"


def test_announcements_on_the_socket_are_applied_by_the_reader_itself(
    organization, writer, redis_commands, monkeypatch
):
    tournament, client, url = copied_detail(organization, redis_commands, "Round 0")
    mute_listener(monkeypatch)  # the listener thread may not get the CPU before the next request: here it never does
    for round_ in range(1, 6):
        writer.rename(tournament.pk, f"Round {round_}")
        assert get_json(client, url)["name"] == f"Round {round_}"
        assert read_from_memory(client, url, redis_commands)["name"] == f"Round {round_}"


def test_copies_made_before_the_subscription_dropped_are_not_used(organization, writer, redis_commands, monkeypatch):
    tournament, client, url = copied_detail(organization, redis_commands, "Before")
    # Redis drops the subscription (a restart, a network cut), and a write is announced before it is back.
    written = threading.Event()
    subscribe = cache._LocalCopies._subscribe

    def after_the_write(self: cache._LocalCopies) -> Any:
        written.wait(10)
        return subscribe(self)

    monkeypatch.setattr(cache._LocalCopies, "_subscribe", after_the_write)
    admin = redis.Redis.from_url(settings.CACHE_REDIS_URL)
    subscriptions = [info for info in admin.client_list(_type="pubsub") if info["name"] == cache.SUBSCRIBER_NAME]
    assert subscriptions
    for info in subscriptions:
        admin.client_kill_filter(_id=info["id"])
    writer.rename(tournament.pk, "After")  # announced to nobody
    assert get_json(client, url)["name"] == "After"
    written.set()
    # Subscribed again, the process keeps copies again; the one made before the drop is void.
    assert read_from_memory(client, url, redis_commands)["name"] == "After"


def test_copies_are_not_used_once_the_subscription_is_silent(organization, redis_commands, monkeypatch):
    _, client, url = copied_detail(organization, redis_commands, "Kept")
    # A Redis that stops answering (frozen, or a cut that closes nothing): heartbeats go unanswered.
    monkeypatch.setattr(redis.client.PubSub, "ping", lambda self, message=None: None)
    wait_until(lambda: not cache.cache_status()["local_copies"], 5, what="the silence to be noticed")
    redis_commands.clear()
    assert get_json(client, url)["name"] == "Kept"
    assert redis_commands, "a copy was used although announcements may no longer arrive"


def test_a_subscriber_that_fell_behind_uses_no_copy_until_redis_answers_a_later_ping(
    organization, redis_commands, monkeypatch
):
    _, client, url = copied_detail(organization, redis_commands, "Kept")
    mute_listener(monkeypatch)
    # A burst of announcements (of other rows) arrives at once: more may still be queued in Redis.
    publisher = redis.Redis.from_url(settings.CACHE_REDIS_URL).pipeline(transaction=False)
    for pk in range(cache.BACKLOG):
        publisher.publish(cache._channel(), f"tournaments.tournament|{10**9 + pk}")
    publisher.execute()
    redis_commands.clear()
    assert get_json(client, url)["name"] == "Kept"
    assert redis_commands, "a copy was used right after a backlog was found"
    # The PING sent when the backlog was found is answered after everything queued before it: copies again.
    assert read_from_memory(client, url, redis_commands)["name"] == "Kept"


def test_a_write_whose_invalidation_failed_is_seen_and_then_copies_resume(organization, redis_commands, monkeypatch):
    tournament, client, url = copied_detail(organization, redis_commands, "Before")
    # One invalidation fails (a timeout): cacheops drops it and nothing is announced; a debt is recorded.
    execute = redis.Redis.execute_command
    failures = []

    def fail_one_invalidation(self: redis.Redis, *args: Any, **options: Any) -> Any:
        if not failures and str(args[0]).upper() == "EVALSHA" and str(args[1]) in cache.INVALIDATION_SHAS:
            failures.append(args[0])
            raise redis.TimeoutError("timed out")
        return execute(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", fail_one_invalidation)  # under CacheRedis' bookkeeping
    tournament.name = "After"
    tournament.save()
    assert failures
    assert get_json(client, url)["name"] == "After"
    # The debt is paid (every cacheops key deleted, "everything" announced), and copies are kept again.
    wait_until(lambda: not cache.cache_status()["pending_invalidations"], 5, what="the debt to be paid")
    assert read_from_memory(client, url, redis_commands)["name"] == "After"


def test_a_rolled_back_write_leaves_the_copy_in_use(organization, redis_commands):
    from django.db import transaction

    tournament, client, url = copied_detail(organization, redis_commands, "Kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        Tournament.objects.filter(pk=tournament.pk).update(name="Rolled back")
        cache.invalidate_after_commit(tournament)
        raise RuntimeError("roll back")
    redis_commands.clear()
    assert get_json(client, url)["name"] == "Kept"
    assert redis_commands == [], "a rolled-back write must not void the copy"
