"""The Steam Celery tasks: called directly, and run by a real worker against the fake Steam."""

import logging

import pytest
import redis
from celery.exceptions import Retry

from backend.accounts.models import STEAM_ID64_BASE
from backend.matches.models import Match, MatchPlayer
from tests.factories import UserFactory
from tests.fakes.steam import ScriptedMatch
from tests.processes import CeleryWorker, channel_layers_at, process_env, running, wait_until
from workers.tasks import steam as steam_tasks

MEMBER, OTHER = 120269134, 130357820


def scripted(*ids):
    return [ScriptedMatch(match_id=i, match_seq_num=i * 10, radiant=[MEMBER], dire=[OTHER]) for i in ids]


@pytest.fixture
def members(db):
    return [
        UserFactory(username="member", steam_id=STEAM_ID64_BASE + MEMBER),
        UserFactory(username="other", steam_id=STEAM_ID64_BASE + OTHER),
    ]


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(steam_tasks.sync_member, "delay", lambda user_id: sent.append(user_id))
    return sent


@pytest.mark.django_db
def test_without_a_key_tasks_log_one_line_and_do_nothing(fake_steam, settings, members, queued, caplog, monkeypatch):
    settings.STEAM_API_KEY = ""
    monkeypatch.setattr(steam_tasks, "_warned_no_key", set())
    with caplog.at_level(logging.INFO, logger="workers.tasks.steam"):
        for _ in range(3):  # every period: one line per task and process, not one per run
            assert steam_tasks.sync_guild_games() == 0
            assert steam_tasks.sync_member(members[0].pk) is None
            assert steam_tasks.poll_live_matches() is None
    assert queued == [] and fake_steam.calls == []
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all("STEAM_API_KEY is not set" in line for line in lines)


@pytest.mark.django_db
def test_guild_sync_queues_one_task_per_member_and_never_overlaps_itself(fake_steam, members, queued):
    assert steam_tasks.sync_guild_games() == 2
    assert sorted(queued) == sorted(user.pk for user in members)
    assert steam_tasks.sync_guild_games() == 0  # within the period: the run is not repeated
    assert len(queued) == 2
    # next period, the first member's task ran, the second's is still queued: only the first is queued again
    from backend.core.redis import get_redis

    get_redis().delete(steam_tasks.SYNC_RUN_LOCK)
    steam_tasks.sync_member(members[0].pk)
    assert steam_tasks.sync_guild_games() == 1
    assert queued[2:] == [members[0].pk]


@pytest.mark.django_db
def test_member_task_twice_stores_once(fake_steam, members):
    fake_steam.script_matches(scripted(8000000001, 8000000002))
    first = steam_tasks.sync_member(members[0].pk)
    second = steam_tasks.sync_member(members[0].pk)
    assert len(first["matches_new"]) == 2 and second["matches_new"] == []
    assert Match.objects.count() == 2 and MatchPlayer.objects.count() == 4


@pytest.mark.django_db
def test_member_task_waits_while_another_runs_for_that_member(fake_steam, members):
    from backend.core.redis import get_redis

    get_redis().set(steam_tasks.MEMBER_LOCK.format(user_id=members[0].pk), "someone", ex=60)
    with pytest.raises(Retry) as retried:
        steam_tasks.sync_member.apply(args=[members[0].pk], throw=True)
    assert 55 <= retried.value.when <= 62  # when the lock expires
    assert fake_steam.calls == []


@pytest.mark.django_db
def test_member_task_retries_later_when_steam_is_down(fake_steam, members):
    fake_steam.fail("GetMatchHistory", *[503] * 10)
    with pytest.raises(Retry):
        steam_tasks.sync_member.apply(args=[members[0].pk], throw=True)
    # the lock was released, so the retry can run
    from backend.core.redis import get_redis

    assert not get_redis().exists(steam_tasks.MEMBER_LOCK.format(user_id=members[0].pk))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_syncs_every_member(fake_steam, settings, members):
    fake_steam.script_matches(scripted(8000000001, 8000000002, 8000000003))
    env = process_env(
        STEAM_API_KEY=settings.STEAM_API_KEY,
        STEAM_API_BASE_URL=fake_steam.url,
        STEAM_CALLS_PER_SECOND="5",
    )
    worker = CeleryWorker(env, concurrency=2)
    with running(worker):
        steam_tasks.sync_guild_games.delay()
        wait_until(lambda: Match.objects.count() == 3 and MatchPlayer.objects.count() == 6, timeout=60, what="sync")
        wait_until(lambda: worker.log.count("steam.sync_member") >= 2 and "Steam calls" in worker.log, timeout=30)
    assert Match.objects.count() == 3
    assert "members queued" in worker.log


@pytest.mark.django_db
def test_live_poll_task_queues_the_final_result_fetch_when_a_game_ends(fake_steam, monkeypatch):
    from django.core.cache import cache

    from backend.live.models import LiveMatch
    from tests.fakes.steam import fixture

    member = UserFactory(username="live", steam_id=STEAM_ID64_BASE + 1200486799)  # in GetTopLiveGame.json
    queued = []
    monkeypatch.setattr(
        steam_tasks.sync_member, "apply_async", lambda args, countdown: queued.append((args, countdown))
    )
    stats = fixture("GetRealtimeStats.json")
    stats["teams"][0]["players"][0]["accountid"] = 1200486799
    fake_steam.serve("GetRealtimeStats", stats)
    first = steam_tasks.poll_live_matches()
    assert len(first["changed"]) == 1 and queued == []
    fake_steam.serve("GetRealtimeStats", {})  # the game is over
    cache.clear()
    second = steam_tasks.poll_live_matches()
    assert len(second["ended"]) == 1
    assert queued == [((member.pk,), steam_tasks.FINAL_RESULT_DELAY_SECONDS)]
    assert LiveMatch.objects.tracked().count() == 0


@pytest.mark.django_db
def test_live_poll_never_overlaps_itself(fake_steam):
    from backend.core.redis import get_redis

    get_redis().set(steam_tasks.LIVE_POLL_LOCK, "running", ex=30)
    assert steam_tasks.poll_live_matches() is None
    assert fake_steam.calls == []


def _pool_children(pid: int) -> list[int]:
    import subprocess

    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(line) for line in out.split()]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_pool_child_killed_mid_sync_the_work_is_redone_nothing_doubled(fake_steam, settings, members):
    import os
    import signal
    import time

    script = scripted(*range(8000000001, 8000000009))
    fake_steam.script_matches(script)
    sequence = fake_steam.handlers["GetMatchHistoryBySequenceNum"]

    def slow(params):
        time.sleep(0.4)
        return sequence(params)

    fake_steam.serve("GetMatchHistoryBySequenceNum", slow)
    env = process_env(
        STEAM_API_KEY=settings.STEAM_API_KEY,
        STEAM_API_BASE_URL=fake_steam.url,
        STEAM_CALLS_PER_SECOND="100",
        CELERY_TASK_TIME_LIMIT="5",  # the member lock outlives a dead worker by time limit + 10 s
        CELERY_TASK_SOFT_TIME_LIMIT="4",
    )
    worker = CeleryWorker(env, concurrency=1)
    with running(worker):
        steam_tasks.sync_member.delay(members[0].pk)
        wait_until(lambda: len(fake_steam.calls_to("GetMatchHistoryBySequenceNum")) >= 3, timeout=30, what="sync")
        [child] = _pool_children(worker.popen.pid)
        os.kill(child, signal.SIGKILL)
        stored_when_killed = Match.objects.count()
        assert 0 < stored_when_killed < 8
        # redelivered (acks_late + reject on worker lost), waits for the dead run's lock, then finishes
        wait_until(lambda: Match.objects.count() == 8, timeout=60, what="the sync to be redone")
    assert MatchPlayer.objects.count() == 16
    fetched = [call.params["start_at_match_seq_num"] for call in fake_steam.calls_to("GetMatchHistoryBySequenceNum")]
    assert len(fetched) <= 8 + 1  # each match fetched once (the one in flight at the kill perhaps twice)


@pytest.mark.django_db
def test_redis_restarted_mid_sync_the_runs_fail_cleanly_and_the_next_finishes_nothing_doubled(
    fake_steam, settings, members, queued, redis_server, caplog
):
    # Every key of the Steam code (budget, locks, response cache) on a Redis of the test's own.
    settings.CACHE_REDIS_URL = redis_server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    ids = list(range(8000000001, 8000000007))
    fake_steam.script_matches(scripted(*ids))
    sequence = fake_steam.handlers["GetMatchHistoryBySequenceNum"]

    def redis_stops_after_the_second_match(params):
        answer = sequence(params)
        if len(fake_steam.calls_to("GetMatchHistoryBySequenceNum")) == 2:
            redis_server.stop()
        return answer

    fake_steam.serve("GetMatchHistoryBySequenceNum", redis_stops_after_the_second_match)
    with caplog.at_level(logging.WARNING, logger="workers.tasks.steam"):
        with pytest.raises(Retry):  # the member's sync comes back later (a worker re-queues it with a countdown)
            steam_tasks.sync_member(members[0].pk)
        # the beat's runs while Redis is still down: nothing done, nothing raised
        assert steam_tasks.sync_guild_games() == 0
        assert steam_tasks.poll_live_matches() is None
    stored_during = Match.objects.count()
    assert 0 < stored_during < len(ids)
    assert queued == []
    lines = [r.getMessage() for r in caplog.records if r.name == "workers.tasks.steam"]
    assert len(lines) == 3, lines  # one line per run
    assert all("Redis" in line for line in lines), lines
    calls_before = len(fake_steam.calls)

    redis_server.start()  # empty: no scripts, no locks, no budget window
    report = steam_tasks.sync_member(members[0].pk)
    assert len(report["matches_new"]) == len(ids) - stored_during
    assert set(Match.objects.values_list("match_id", flat=True)) == set(ids)
    assert MatchPlayer.objects.count() == 2 * len(ids)
    fetched = [call.params["start_at_match_seq_num"] for call in fake_steam.calls_to("GetMatchHistoryBySequenceNum")]
    assert len(fetched) <= len(ids) + 1  # each match fetched once (the one in flight when Redis went perhaps twice)
    assert len(fake_steam.calls) > calls_before
    assert steam_tasks.sync_guild_games() == 2  # the guild sync runs again too
    # the budget's script was loaded again into the restarted server (NOSCRIPT handled) and counted the calls
    assert redis.Redis.from_url(redis_server.url).zcard("steam:budget:calls") > 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_mid_poll_the_poll_fails_cleanly_and_spectators_miss_nothing_and_get_nothing_twice(
    fake_steam, settings, redis_server, caplog, monkeypatch
):
    import copy

    from django.core.cache import cache
    from websockets.sync.client import connect

    from backend.live.models import LiveMatch
    from tests.asgi.test_live_stream import nothing_more, receive
    from tests.fakes.steam import fixture
    from tests.processes import AsgiServer

    # Every Redis key the poll uses (budget, locks, response cache) and the channel layer of its broadcasts
    # on a Redis of the test's own; the spectators' web process listens on that layer too.
    settings.CACHE_REDIS_URL = redis_server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    layer_url = redis_server.url.removesuffix("/0") + "/1"
    settings.CHANNEL_LAYERS = channel_layers_at(layer_url)
    member_account = 1200486799  # plays the first game of GetTopLiveGame.json
    member = UserFactory(username="live", steam_id=STEAM_ID64_BASE + member_account)
    top = fixture("GetTopLiveGame.json")["game_list"][0]
    lobby, server_steam_id, match_id = int(top["lobby_id"]), int(top["server_steam_id"]), 8591964706
    final_fetches = []
    monkeypatch.setattr(steam_tasks.sync_member, "apply_async", lambda args, countdown: final_fetches.append(args))
    stats = fixture("GetRealtimeStats.json")
    stats["match"]["server_steam_id"], stats["match"]["matchid"] = str(server_steam_id), match_id
    stats["teams"][0]["players"][0]["accountid"] = member_account
    me = stats["teams"][0]["players"][0]
    outage = {"now": False}

    def realtime_stats(params):
        if outage["now"]:
            outage["now"] = False
            redis_server.stop()  # Steam has answered; Redis goes away before the poll stores and broadcasts
        return copy.deepcopy(stats)

    fake_steam.serve("GetRealtimeStats", realtime_stats)

    def poll():
        cache.clear()  # each call is a new poll period (the short live cache would answer within one)
        return steam_tasks.poll_live_matches()

    web = AsgiServer(process_env(CHANNELS_REDIS_URL=layer_url))
    with running(web), connect(f"{web.ws_url}/ws/live/", open_timeout=10, origin=web.url) as spectator:
        assert receive(spectator)["type"] == "live.snapshot"
        assert poll()["changed"] == [lobby]
        assert receive(spectator)["seq"] == 1

        me["kill_count"] += 1
        stats["match"]["game_time"] += 10
        outage["now"] = True
        with caplog.at_level(logging.INFO):
            assert poll() is None  # no exception escapes the task
        problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(problems) == 1 and "Redis" in problems[0].getMessage(), problems
        assert not redis_server.popen

        redis_server.start()  # empty
        layer = redis.Redis.from_url(layer_url)
        # the web process re-subscribes its spectators' groups on its own
        wait_until(lambda: dict(layer.pubsub_numsub("asgi__group__live"))[b"asgi__group__live"] > 0, what="resub")
        assert poll()["changed"] == [lobby]
        changed = receive(spectator)
        assert (changed["type"], changed["seq"]) == ("live.match", 2)
        assert next(p for p in changed["data"]["players"] if p["account_id"] == member_account)["kills"] == 7
        assert poll()["changed"] == []  # nothing moved: nothing sent
        assert nothing_more(spectator)

        stats.clear()  # the server answers {}: the game is over
        assert len(poll()["ended"]) == 1
        assert poll()["ended"] == []
        ended = receive(spectator)
        assert ended == {"type": "live.ended", "seq": 3, "data": {"live_id": str(lobby), "match_id": match_id}}
        assert nothing_more(spectator)

    assert LiveMatch.objects.filter(live_id=lobby).count() == 1 and LiveMatch.objects.tracked().count() == 0
    assert final_fetches == [(member.pk,)]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_end_lost_with_the_channel_layer_is_sent_by_the_next_poll(fake_steam, settings, redis_server, monkeypatch):
    import copy

    from django.core.cache import cache
    from websockets.sync.client import connect

    from backend.live.models import LiveMatch
    from tests.asgi.test_live_stream import nothing_more, receive
    from tests.fakes.steam import fixture
    from tests.processes import AsgiServer

    # The channel layer on a Redis of the test's own, which goes away while the game ends; the rest stays up.
    settings.CHANNEL_LAYERS = channel_layers_at(redis_server.url)
    member_account = 1200486799  # plays the first game of GetTopLiveGame.json
    UserFactory(username="live", steam_id=STEAM_ID64_BASE + member_account)
    top = fixture("GetTopLiveGame.json")["game_list"][0]
    lobby, server_steam_id, match_id = int(top["lobby_id"]), int(top["server_steam_id"]), 8591964706
    monkeypatch.setattr(steam_tasks.sync_member, "apply_async", lambda args, countdown: None)
    stats = fixture("GetRealtimeStats.json")
    stats["match"]["server_steam_id"], stats["match"]["matchid"] = str(server_steam_id), match_id
    stats["teams"][0]["players"][0]["accountid"] = member_account
    fake_steam.serve("GetRealtimeStats", lambda params: copy.deepcopy(stats))

    def poll():
        cache.clear()  # each call is a new poll period (the short live cache would answer within one)
        return steam_tasks.poll_live_matches()

    web = AsgiServer(process_env(CHANNELS_REDIS_URL=redis_server.url))
    with running(web), connect(f"{web.ws_url}/ws/live/", open_timeout=10, origin=web.url) as spectator:
        assert receive(spectator)["type"] == "live.snapshot"
        assert poll()["changed"] == [lobby]
        assert receive(spectator)["type"] == "live.match"

        redis_server.stop()
        stats.clear()  # the server answers {}: the game is over, and nobody is told
        assert len(poll()["ended"]) == 1
        assert LiveMatch.objects.get(live_id=lobby).end_unsent

        redis_server.start()  # empty
        layer = redis.Redis.from_url(redis_server.url)
        wait_until(lambda: dict(layer.pubsub_numsub("asgi__group__live"))[b"asgi__group__live"] > 0, what="resub")
        assert poll()["ended"] == []  # nothing new has ended: the lost end is said again
        assert receive(spectator) == {
            "type": "live.ended",
            "seq": 2,
            "data": {"live_id": str(lobby), "match_id": match_id},
        }
        poll()
        assert nothing_more(spectator)  # once
    assert not LiveMatch.objects.get(live_id=lobby).end_unsent


@pytest.mark.django_db
def test_a_stored_match_showing_a_hero_not_stored_queues_a_hero_refresh(fake_steam, members, queued_tasks):
    fake_steam.script_matches(scripted(8000000001))
    assert steam_tasks.sync_member(members[0].pk)["matches_new"] == [8000000001]
    assert queued_tasks() == ["steam.refresh_heroes"]
