"""Writes made by another process (a real Celery worker) and concurrent readers (threads) against the real cache."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from cacheops.signals import cache_read
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from backend.core import cache
from backend.tournaments.models import Tournament
from tests.backend.core.cachetools import get_json, read_cached
from tests.conftest import client_for
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.processes import CeleryWorker, process_env, wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow
def test_write_made_by_a_celery_task_is_visible_on_the_next_read(organization):
    tournament = TournamentFactory(organization=organization)
    captain, member = UserFactory(username="wcap", mmr=1000), UserFactory(username="wmem", mmr=2000)
    tournament.players.add(captain, member)
    team = TeamFactory(tournament=tournament, captain=captain, members=[member], name="Before", draft_order=1)
    client = client_for(None)
    urls = [f"/api/teams/{team.pk}/", "/api/teams/", f"/api/teams/?tournament={tournament.pk}"]
    for url in urls:
        read_cached(client, url)
    worker = CeleryWorker(process_env(), extra=["--include", "tests.backend.core.cache_tasks"]).start()
    try:
        from workers.celery import app

        app.send_task("tests.cache.team_rename_and_member_mmr", args=[team.pk, "After", member.pk, 3000])
        finished = "tests.cache.team_rename_and_member_mmr["  # its own line, not another task's "succeeded"
        wait_until(
            lambda: any(finished in line and "succeeded" in line for line in worker.log.splitlines()),
            30,
            what="the task",
        )
    finally:
        worker.stop()
    detail = get_json(client, urls[0])
    assert (detail["name"], detail["total_mmr"]) == ("After", 4000)
    for url in urls[1:]:
        row = {row["id"]: row for row in get_json(client, url)["results"]}[team.pk]
        assert (row["name"], row["total_mmr"]) == ("After", 4000)


def test_32_concurrent_readers_after_an_invalidation_cause_one_rebuild(organization):
    tournament = TournamentFactory(organization=organization, name="Stampede")
    tournament.players.add(*[UserFactory(username=f"s{i}") for i in range(40)])
    url = f"/api/tournaments/{tournament.pk}/"
    read_cached(client_for(None), url)
    tournament.name = "Rebuilt"
    tournament.save()  # invalidates the cached detail

    rebuilds: list[object] = []

    def count(sender: object, func: object, hit: bool, **kwargs: object) -> None:
        if func is cache._run and not hit:
            rebuilds.append(func)

    barrier = threading.Barrier(32)

    def reader(_: int) -> tuple[int, str]:
        try:
            barrier.wait(timeout=10)
            response = APIClient().get(url)
            return response.status_code, response.json()["name"]
        finally:
            connection.close()

    cache_read.connect(count)
    try:
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(reader, range(32)))
    finally:
        cache_read.disconnect(count)
    assert answers == [(200, "Rebuilt")] * 32
    assert len(rebuilds) == 1


def test_readers_wait_for_a_rebuild_that_outlasts_the_socket_timeout(organization):
    tournament = TournamentFactory(organization=organization)
    socket_timeout = settings.CACHEOPS_REDIS["socket_timeout"]
    builds: list[float] = []

    def slow_build() -> bytes:
        builds.append(time.monotonic())
        time.sleep(socket_timeout * 1.5)  # a rebuild on a loaded machine
        return b"built"

    barrier = threading.Barrier(8)

    def reader(_: int) -> bytes:
        barrier.wait(timeout=10)
        return cache.cached_read("slow-rebuild", slow_build, Tournament, tournament.pk)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(reader, range(8)))
    assert answers == [b"built"] * 8
    assert len(builds) == 1
