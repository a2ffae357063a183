"""Steam polling tasks. They take ids, re-read state, call services, and are safe to run twice.

With no STEAM_API_KEY every task logs one line and returns. A run of the guild sync never overlaps itself
(a Redis lock that expires, so a crashed worker's run is simply redone by the next beat), and each member
is its own task, so one slow or failing member never blocks the rest.
"""

import contextlib
import logging
import uuid
from typing import cast

import redis
from celery import Task
from django.conf import settings

from backend.accounts.models import STEAM_ID64_BASE
from backend.core.redis import get_redis
from backend.live.services import live_poll
from backend.matches import services
from backend.steam.client import steam_configured
from backend.steam.errors import SteamError
from backend.steam.services import heroes_refresh
from workers.celery import app

logger = logging.getLogger(__name__)

SYNC_RUN_LOCK = "steam:lock:sync_guild_games"
LIVE_POLL_LOCK = "steam:lock:poll_live_matches"
# Steam lists a finished match in histories a little after it ends: fetch the final result then.
FINAL_RESULT_DELAY_SECONDS = 120
MEMBER_LOCK = "steam:lock:sync_member:{user_id}"
# Set when a member's task is queued, cleared when it ran: a large guild whose sync outlasts the period is
# not queued again on top of itself (the backlog would only repeat work the budget cannot afford).
MEMBER_QUEUED = "steam:queued:sync_member:{user_id}"

# Release a lock only if it is still ours (it may have expired and been taken by another run).
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end"


_warned_no_key: set[str] = set()


class LivePollLockLost(Exception):
    """The live poll's lock is gone (Redis restarted, or it expired): another poll may be running."""


def _no_key(task_name: str) -> bool:
    """True (and one log line per task and process) when there is no Steam key."""
    if steam_configured():
        return False
    if task_name not in _warned_no_key:
        _warned_no_key.add(task_name)
        logger.warning("%s: STEAM_API_KEY is not set, so Steam is not polled (set it to enable Steam data)", task_name)
    return True


@app.task(name="steam.sync_guild_games", acks_late=False)
def sync_guild_games() -> int:
    """Queue one steam.sync_member task per member due for a sync; returns how many were queued."""
    if _no_key("steam.sync_guild_games"):
        return 0
    # One run per period: a manual run or a second beat within the period does nothing.
    period = max(1, settings.GUILD_SYNC_MINUTES * 60 - 5)
    redis_client = get_redis()
    try:
        if not redis_client.set(SYNC_RUN_LOCK, uuid.uuid4().hex, nx=True, ex=period):
            logger.info("steam.sync_guild_games: a run started less than %d s ago; skipping", period)
            return 0
    except redis.RedisError as exc:
        logger.warning("steam.sync_guild_games: Redis unavailable (%s); the next period runs it", type(exc).__name__)
        return 0
    user_ids = list(services.members_to_sync().values_list("id", flat=True))
    due = [user_id for user_id in user_ids if services.member_sync_due(user_id=user_id)]
    queued = 0
    # The marker outlives a lost task (a crashed worker): after a few periods the member is queued again.
    marker_seconds = settings.GUILD_SYNC_MINUTES * 60 * 6
    for user_id in due:
        try:
            fresh = redis_client.set(MEMBER_QUEUED.format(user_id=user_id), "1", nx=True, ex=marker_seconds)
        except redis.RedisError as exc:
            # Members not queued yet are due again next period; the run lock is lost with Redis anyway.
            logger.warning("steam.sync_guild_games: Redis unavailable (%s) after %d queued", type(exc).__name__, queued)
            return queued
        if fresh:
            sync_member.delay(user_id)
            queued += 1
    logger.info(
        "steam.sync_guild_games: %d members queued, %d still queued from before, %d private (rechecked daily)",
        queued,
        len(due) - queued,
        len(user_ids) - len(due),
    )
    return queued


@app.task(name="steam.sync_member", bind=True, max_retries=3)
def sync_member(self: Task, user_id: int) -> dict[str, object] | None:
    """Sync one member's guild games. A concurrent run for the same member does nothing."""
    if _no_key("steam.sync_member"):
        return None
    client = get_redis()
    with contextlib.suppress(redis.RedisError):
        client.delete(MEMBER_QUEUED.format(user_id=user_id))
    lock, token = MEMBER_LOCK.format(user_id=user_id), uuid.uuid4().hex
    # Longer than a sync may run (the hard time limit), so it only outlives a worker that died holding it.
    lock_seconds = settings.CELERY_TASK_TIME_LIMIT + 10
    try:
        acquired = client.set(lock, token, nx=True, ex=lock_seconds)
    except redis.RedisError as exc:
        logger.warning("steam.sync_member %s: Redis unavailable (%s); retrying later", user_id, type(exc).__name__)
        raise self.retry(countdown=min(600, 60 * 2**self.request.retries)) from None
    if not acquired:
        # Another run holds it, or a killed worker left it: come back when it has expired, so the work of a
        # crashed run is redone rather than dropped.
        remaining = cast(int, client.ttl(lock))
        logger.info("steam.sync_member %s: locked by another run; retrying in %s s", user_id, remaining)
        raise self.retry(countdown=max(1, int(remaining) + 1), max_retries=10) from None
    try:
        report = services.member_games_sync(user_id=user_id)
    except SteamError as exc:
        if exc.retryable:
            logger.warning("steam.sync_member %s: %s (%s); retrying later", user_id, exc.detail, exc.code)
            raise self.retry(countdown=min(600, 60 * 2**self.request.retries)) from None
        logger.warning("steam.sync_member %s: %s (%s); not retried", user_id, exc.detail, exc.code)
        return None
    finally:
        with contextlib.suppress(redis.RedisError):  # it expires on its own
            client.eval(_RELEASE, 1, lock, token)
    logger.info(
        "steam.sync_member %s: %d listed, %d new, %d missing, private=%s, %d Steam calls",
        user_id,
        report.matches_listed,
        len(report.matches_new),
        len(report.matches_missing),
        report.private,
        report.calls,
    )
    return {"matches_new": report.matches_new, "private": report.private, "calls": report.calls}


@app.task(name="steam.poll_live_matches", acks_late=False)
def poll_live_matches() -> dict[str, object] | None:
    """One live poll period; games that ended get their members' sync queued for the final result."""
    if _no_key("steam.poll_live_matches"):
        return None
    client = get_redis()
    token = uuid.uuid4().hex
    # Never two polls at once (a slow period is followed by a skipped one, not by an overlap).
    try:
        acquired = client.set(LIVE_POLL_LOCK, token, nx=True, ex=max(30, settings.LIVE_POLL_SECONDS * 6))
    except redis.RedisError as exc:
        logger.warning("steam.poll_live_matches: Redis unavailable (%s); the next period polls", type(exc).__name__)
        return None
    if not acquired:
        logger.info("steam.poll_live_matches: the previous poll is still running; skipping this period")
        return None

    def still_ours() -> None:
        # Redis may have gone (or come back empty, the lock with it) while Steam was asked: storing then could
        # race another poll, and the broadcasts would be lost on a dead channel layer. Store nothing instead.
        if client.get(LIVE_POLL_LOCK) != token.encode():
            raise LivePollLockLost

    try:
        report = live_poll(confirm=still_ours)
    except SteamError as exc:
        logger.warning("steam.poll_live_matches: %s (%s)", exc.detail, exc.code)
        return None
    except (redis.RedisError, LivePollLockLost) as exc:
        logger.warning(
            "steam.poll_live_matches: Redis unavailable or restarted (%s); nothing stored, the next period polls",
            type(exc).__name__,
        )
        return None
    finally:
        with contextlib.suppress(redis.RedisError):
            client.eval(_RELEASE, 1, LIVE_POLL_LOCK, token)
    accounts = {account_id for ended in report.ended for account_id in ended["account_ids"]}
    for user_id in (
        services.members_to_sync()
        .filter(steam_id__in=[STEAM_ID64_BASE + account_id for account_id in accounts])
        .values_list("id", flat=True)
    ):
        sync_member.apply_async(args=(user_id,), countdown=FINAL_RESULT_DELAY_SECONDS)
    logger.info(
        "steam.poll_live_matches: %d tracked, %d changed, %d ended, %d/%d stats refreshed (every %d s), %d calls",
        report.tracked,
        len(report.changed),
        len(report.ended),
        report.realtime_refreshed,
        report.realtime_targets,
        report.refresh_seconds,
        report.calls,
    )
    return {"tracked": report.tracked, "changed": report.changed, "ended": report.ended, "calls": report.calls}


@app.task(name="steam.refresh_heroes", acks_late=False)
def refresh_heroes() -> dict[str, object] | None:
    """Store Steam's hero list (beat: daily; sooner, at most hourly, when a game shows an unknown hero)."""
    if _no_key("steam.refresh_heroes"):
        return None
    try:
        report = heroes_refresh()
    except SteamError as exc:
        logger.warning("steam.refresh_heroes: %s (%s); the next run tries again", exc.detail, exc.code)
        return None
    logger.info(
        "steam.refresh_heroes: %d heroes listed, %d new, %d renamed",
        report.listed,
        len(report.created),
        len(report.updated),
    )
    return {"listed": report.listed, "created": report.created, "updated": report.updated}
