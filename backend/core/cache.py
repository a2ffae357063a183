"""django-cacheops caching that is never stale: cached reads, the dependency table, and Redis outages.

Reads. Selectors cache what an endpoint answers with `cached_read(key, build, model, pk)`: cacheops'
`cached_as` on one row (a detail) or one table (a list), with `lock=True` (32 readers of an entry that
was just invalidated cause one rebuild, however long it takes; the others wait on the lock and read its
result) and `keep_fresh=True` (a result computed while a write invalidated it is returned but not stored). The key
is the request's host and full path, query string included, plus a visibility class chosen by the
caller ("public", "private"...), so what one viewer may see is never served to another.

Local copies. Rendered answers (`cached_answer`, used by the API's list and detail views) are also kept in the
memory of the process that read them, so a hit costs no Redis call at all (`CACHE_LOCAL_MB` per process).
Every invalidation cacheops makes, in any process, is announced on a Redis channel right after cacheops made
it (`cache_invalidated` signal); each process applies the announcements before it uses a copy, and the writer
applies its own at once. A copy is kept with the count of announcements applied before its answer was read,
and used only while no later one touched its row, table or model. While the subscription is down, silent,
behind or new, or invalidations are pending after a failure, copies are not used: reads go to Redis as above
(`_LocalCopies` says when each applies).

Writes. cacheops invalidates a row's entries when it is saved or deleted through the ORM (inside a
transaction: at the outer commit, and not at all on rollback). A cached answer often shows more than
its own row (a tournament lists its teams, a team adds up its members' MMR), so each app's
`signals.py` declares with `depends()` which other rows a change also invalidates (team -> tournament,
game -> tournament and teams, membership -> team and user, user -> teams, draft round -> draft -> tournament);
the walk is transitive along foreign keys, and costs no query when the foreign key ids are at hand. The rows
reached are invalidated by id, which is what `cached_read` entries depend on (a row, or a whole table).
Many-to-many changes through auto-created tables (players, admins, staff) invalidate both sides.
cacheops sees neither `QuerySet.update()`, `bulk_update()` nor raw SQL: services that use them call
`invalidate_after_commit(*objs)` or `invalidate_models_after_commit(*models)`.

Outages. `CACHEOPS_DEGRADE_ON_FAILURE` turns a Redis failure into a cache miss, but it also drops the
invalidation, so an entry cached before the outage would hide a write made during it once Redis is
back. `CacheRedis` (the cacheops client class) notices a failed invalidation and records a debt in the
process; before it sends any further command it pays the debt by deleting every cacheops key (they
all start with `co:`), and a background thread retries every half second so the debt is paid as soon
as Redis answers even if the process is idle. Readers in the same process therefore never see a
pre-outage entry; other processes can see one only between Redis coming back and the debtor's next
retry (at most ~0.5 s), and only if Redis kept its data (a restarted Redis without persistence is
empty anyway). A process that dies holding a debt loses it; entries then live at most
`CACHE_TIMEOUT_SECONDS`. While Redis fails, a circuit breaker skips it for half a second at a time so
requests do not each wait for a timeout; the outage and the recovery are logged once each, and
readers get the database's answer, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import select
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

import cacheops
import redis
from cacheops import cached_as, invalidate_model, invalidate_obj
from cacheops.invalidation import invalidate_dict
from cacheops.redis import redis_client
from cacheops.signals import cache_invalidated
from cacheops.transaction import transaction_states
from cachetools import TTLCache
from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.signals import m2m_changed, post_save, pre_delete, pre_save
from django.http import HttpResponse
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

T = TypeVar("T")

PREFIX = "co:"
BREAKER_SECONDS = 0.5
LOCK_WAIT_SECONDS = 0.5

# cacheops warns on every failed call; the outage is logged once here instead.
warnings.filterwarnings("ignore", message="The cacheops cache", category=RuntimeWarning)


def cacheops_prefix(query: object) -> str:
    """CACHEOPS_PREFIX: every cacheops key starts with `co:`, so they can be deleted apart from other keys."""
    return PREFIX


# --- The Redis client: outage detection, circuit breaker, invalidation debt ------------------------------------------


def _invalidation_script_shas() -> frozenset[str]:
    """SHA1s of cacheops' invalidation scripts as cacheops loads them (both Redis-version variants)."""
    lua = Path(cacheops.__file__).parent / "lua"
    shas = set()
    for name in ("invalidate", "invalidate_insideout"):
        code = (lua / f"{name}.lua").read_text()
        for drop in ("REDIS_4", "REDIS_7"):
            variant = re.sub(rf"{drop}.*?/{drop}", "", code, flags=re.S)
            shas.add(hashlib.sha1(variant.encode()).hexdigest())  # noqa: S324  (Redis names scripts by SHA1)
    return frozenset(shas)


INVALIDATION_SHAS = _invalidation_script_shas()
# Commands cacheops sends only to read, to cache a result or to wait on a rebuild lock: losing one loses no
# invalidation. Any other failed command (invalidation scripts, KEYS/SUNION/UNLINK of invalidate_model, the
# INFO or SCRIPT LOAD that precede a first script call) counts as a lost invalidation.
HARMLESS_COMMANDS = frozenset({"GET", "MGET", "SETEX", "BRPOPLPUSH", "PING", "SCAN"})


def _may_lose_invalidation(args: tuple[Any, ...]) -> bool:
    name = str(args[0]).upper()
    if name in ("EVALSHA", "EVAL") and len(args) > 1:
        return str(args[1]) in INVALIDATION_SHAS
    return name not in HARMLESS_COMMANDS


class _CacheHealth:
    """What this process knows about the cache's Redis: down or not, and invalidations it could not send."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0
        self.debt = 0  # invalidations lost since the last flush; any debt means "flush before use"
        self.retrier: threading.Thread | None = None

    def failed(self, args: tuple[Any, ...], error: Exception, *, tried: bool = True) -> None:
        """Record a failed command; `tried=False`: skipped by the breaker, which must not prolong it."""
        with self.lock:
            if tried:
                self.retry_at = time.monotonic() + BREAKER_SECONDS
            if not self.down:
                self.down = True
                logger.warning("cache unreachable (%s); answering from the database until it is back", error)
            if _may_lose_invalidation(args):
                self.debt += 1
                if self.retrier is None:
                    self.retrier = threading.Thread(target=self._retry, name="cache-debt", daemon=True)
                    self.retrier.start()

    def succeeded(self) -> None:
        if self.down:
            with self.lock:
                if self.down:
                    self.down = False
                    logger.warning("cache reachable again")

    def pay_debt(self, client: redis.Redis) -> bool:
        """Delete every cacheops key if invalidations were lost; False while Redis still fails."""
        with self.lock:
            if not self.debt:
                return True
            try:
                deleted = _delete_cacheops_keys(client)
                client.publish(_channel(), "*")  # every process's copies of cached answers go too
            except (redis.ConnectionError, redis.TimeoutError):
                self.retry_at = time.monotonic() + BREAKER_SECONDS
                return False
            _announce_locally()
            logger.warning(
                "cache: %d invalidation(s) were lost while Redis was unreachable; deleted %d cached keys",
                self.debt,
                deleted,
            )
            self.debt = 0
            self.down = False
            return True

    def _retry(self) -> None:
        # At once first: when only this process failed (a timeout), the others must drop their copies now.
        client = _plain_client()
        try:
            while True:
                with self.lock:
                    if not self.debt:
                        self.retrier = None  # under the lock: a debt recorded from now on starts another
                        return
                if not self.pay_debt(client):
                    time.sleep(BREAKER_SECONDS)
        finally:
            client.close()


_health = _CacheHealth()


def _redis_options() -> dict[str, Any]:
    options = settings.CACHEOPS_REDIS
    return dict(redis.connection.parse_url(options) if isinstance(options, str) else options)


def _plain_client(**overrides: Any) -> redis.Redis:
    """A client for the cacheops Redis without CacheRedis' bookkeeping (used to pay the debt, and to subscribe)."""
    return redis.Redis(**{**_redis_options(), **overrides})


def _delete_cacheops_keys(client: redis.Redis) -> int:
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=f"{PREFIX}*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += cast(int, client.unlink(*batch))
            batch = []
    if batch:
        deleted += cast(int, client.unlink(*batch))
    return deleted


class CacheRedis(redis.Redis):
    """CACHEOPS_CLIENT_CLASS: records failed invalidations, pays them before use, skips a Redis that fails."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if time.monotonic() < _health.retry_at:
            error = redis.ConnectionError("cache skipped for a moment after a failure")
            _health.failed(args, error, tried=False)
            raise error
        # Entries cached before lost invalidations must go before anything is read or cached again.
        if _health.debt and not _health.pay_debt(redis.Redis(connection_pool=self.connection_pool)):
            error = redis.ConnectionError("cache invalidations are pending and Redis is still unreachable")
            _health.failed(args, error, tried=False)
            raise error
        if str(args[0]).upper() == "BRPOPLPUSH":
            # A reader waiting for another's rebuild: Redis ends each wait well within the socket timeout, and
            # cacheops looks again and waits on while the rebuild lock holds, however long the rebuild takes.
            socket_timeout = self.connection_pool.connection_kwargs.get("socket_timeout") or 2 * LOCK_WAIT_SECONDS
            args = (*args[:3], min(float(args[3]), LOCK_WAIT_SECONDS, socket_timeout / 2), *args[4:])
        try:
            result = super().execute_command(*args, **options)
        except redis.TimeoutError:
            # A Redis that stopped answering while a reader waited for a rebuild: that reader rebuilds itself.
            if str(args[0]).upper() == "BRPOPLPUSH":
                raise
            _health.failed(args, redis.TimeoutError("timed out"))
            raise
        except redis.ConnectionError as error:
            _health.failed(args, error)
            raise
        _health.succeeded()
        return result


def cache_status() -> dict[str, object]:
    """This process's view of the cache (for logs and tests); `local_copies`: whether they can be used now."""
    copies = _copies
    usable = False
    if copies is not None and copies.pid == os.getpid():
        with copies.lock:
            usable = copies._usable()
    return {"down": _health.down, "pending_invalidations": _health.debt, "local_copies": usable}


# --- Local copies of cached answers ---------------------------------------------------------------------------------

HEARTBEAT_SECONDS = 1.0
BACKLOG = 500  # announcements read at once that mean the subscriber may have more still queued in Redis
SUBSCRIBER_NAME = "dtx-cache-invalidations"
CHANGES_KEPT = 50_000


@lru_cache(maxsize=1)
def _channel() -> str:
    """Where invalidations are announced: pub/sub ignores database numbers, so the channel names the database."""
    return f"{PREFIX}invalidated:{_redis_options().get('db', 0)}"


def _change_names(label: str, pk: str) -> tuple[str, str]:
    """What an invalidation of row `pk` (or, with pk "*", of a whole model) changes: its table, and the row or model."""
    return label, f"{label}:{pk}"


@lru_cache(maxsize=4096)
def _depends_on(label: str, pk: int | None) -> tuple[str, ...]:
    """What an answer depends on: a list on its table, a detail on its row and its whole model."""
    return (label,) if pk is None else (f"{label}:*", f"{label}:{pk}")


class _LocalCopies:
    """Rendered answers kept in this process, and the invalidations every process announces on `_channel()`.

    Each copy remembers `seq`, this process's count of invalidations applied, as it was just before the answer
    was read from Redis; it is served while no invalidation applied since then touched what it depends on, for
    at most `CACHE_TIMEOUT_SECONDS`. The announcements are read by a listener thread and, before any copy is
    used, by the reader itself: whatever Redis has delivered to the socket is applied first. Redis sends a
    subscriber an announcement in the same turn as it answers the writer's PUBLISH, unless it has more than
    64 KB queued for that subscriber; so a read that starts after a write completed does not get a copy the
    write made stale. A subscriber that falls behind is noticed (a drain finds `BACKLOG` announcements at once)
    and uses no copy until a PING it sent after that is answered, which Redis does only after everything it had
    queued before. The listener PINGs every `HEARTBEAT_SECONDS`: copies are used only while a PING sent less
    than three heartbeats ago has been answered. While the subscription is not up (starting, lost or silent),
    or invalidations are pending after a Redis failure, copies are neither used nor kept; a new subscription
    voids every copy made before it.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.copies: TTLCache[tuple[str, tuple[str, ...]], tuple[int, bytes]] = TTLCache(
            maxsize=settings.CACHE_LOCAL_MB * 2**20,
            ttl=settings.CACHE_TIMEOUT_SECONDS,
            getsizeof=lambda copy: len(copy[1]) + 256,
        )
        self.seq = 0
        self.floor = 0  # copies read before this seq are void
        self.changed: dict[str, int] = {}  # name -> seq of its last invalidation
        self.pubsub: redis.client.PubSub | None = None
        self.poller: select.poll | None = None
        self.client: redis.Redis | None = None
        self.sock: object = None  # the subscription's socket, which `poller` watches
        self.caught_up = 0.0  # everything announced before this (monotonic) time has been applied
        self.behind_since = 0.0  # a backlog was found then: no copy until caught up past it
        self.thread = threading.Thread(target=self._listen, name="cache-invalidations", daemon=True)
        self.thread.start()

    # Applying announcements (callers hold the lock).

    def _apply(self, *names: str) -> None:
        self.seq += 1
        if len(self.changed) >= CHANGES_KEPT:
            self.changed.clear()
            self.floor = self.seq
        for name in names:
            self.changed[name] = self.seq

    def _void_all(self) -> None:
        self.seq += 1
        self.floor = self.seq
        self.changed.clear()
        self.copies.clear()

    def _drain(self) -> None:
        """Apply every announcement already delivered; a broken subscription is dropped (and the copies with it)."""
        pubsub = self.pubsub
        if pubsub is None or self.poller is None:
            return
        try:
            # Nothing unread in the socket means nothing to apply: each drain leaves no whole message in the
            # parser's buffer (at most part of one, whose rest makes the socket readable again).
            if self._same_socket(pubsub) and self.poller.poll(0):
                read = 0
                while (message := pubsub.get_message(timeout=0)) is not None:
                    read += 1
                    if message["type"] == "message":
                        self._announced(message["data"].decode())
                    elif message["type"] == "pong":
                        self.caught_up = max(self.caught_up, float(message["data"]))
                if read >= BACKLOG:
                    self.behind_since = time.monotonic()
                    pubsub.ping(repr(self.behind_since))
            if not self._same_socket(pubsub):
                self._lost()  # redis-py reconnected on its own: what was announced meanwhile is unknown
        except (redis.RedisError, OSError, ValueError):
            self._lost()

    def _same_socket(self, pubsub: redis.client.PubSub) -> bool:
        return pubsub.connection is not None and pubsub.connection._sock is self.sock

    def _announced(self, data: str) -> None:
        if data == "*":
            self._void_all()
            return
        label, _, pk = data.partition("|")
        self._apply(*_change_names(label, pk))

    def _lost(self) -> None:
        if self.pubsub is not None:
            logger.warning("cache: invalidation channel lost; answers come from Redis until it is back")
        for connection in (self.pubsub, self.client):
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
        self.pubsub = self.poller = self.client = self.sock = None
        self._void_all()

    def _usable(self) -> bool:
        if self.pubsub is None or _health.debt:
            return False
        self._drain()
        if self.pubsub is None or self.caught_up < self.behind_since:
            return False
        return time.monotonic() - self.caught_up < 3 * HEARTBEAT_SECONDS

    # The listener thread: subscribes, applies announcements as they come, and sends the heartbeat.

    def _listen(self) -> None:
        while True:
            try:
                pubsub, watcher = self._subscribe()
                self._follow(pubsub, watcher)
            except (redis.RedisError, OSError):
                time.sleep(BREAKER_SECONDS)
            except Exception:
                logger.exception("cache: the invalidation listener failed; starting it again")
                with self.lock:
                    self._lost()
                time.sleep(BREAKER_SECONDS)

    def _follow(self, pubsub: redis.client.PubSub, watcher: select.poll) -> None:
        pinged = time.monotonic()
        while True:
            watcher.poll(HEARTBEAT_SECONDS * 1000)
            with self.lock:
                if self.pubsub is not pubsub:
                    return  # lost (a reader may have noticed first)
                self._drain()
                if self.pubsub is pubsub and time.monotonic() - pinged >= HEARTBEAT_SECONDS:
                    pinged = time.monotonic()
                    try:
                        pubsub.ping(repr(pinged))
                    except (redis.RedisError, OSError):
                        self._lost()

    def _subscribe(self) -> tuple[redis.client.PubSub, select.poll]:
        # No retry and no reconnect on errors: a silent reconnect would hide what was announced meanwhile.
        # No health checks: their answers end get_message() early, with announcements still in its buffer.
        client = _plain_client(
            retry=Retry(NoBackoff(), 0, supported_errors=()), health_check_interval=0, client_name=SUBSCRIBER_NAME
        )
        pubsub = client.pubsub()
        try:
            subscribed_at = time.monotonic()
            pubsub.subscribe(_channel())
            confirmed = pubsub.get_message(timeout=HEARTBEAT_SECONDS * 3)
            if confirmed is None or confirmed["type"] != "subscribe":
                raise redis.ConnectionError("no subscription confirmation")
            poller, watcher = _poller(pubsub), _poller(pubsub)
        except BaseException:
            pubsub.close()
            client.close()
            raise
        with self.lock:
            self._void_all()  # announcements made before now were not heard
            self.pubsub, self.poller, self.client = pubsub, poller, client  # the client owns the connection
            self.sock, self.caught_up, self.behind_since = pubsub.connection._sock, subscribed_at, 0.0
        logger.info("cache: listening for invalidations on %s", _channel())
        return pubsub, watcher

    # Reads.

    def get(self, key: tuple[str, tuple[str, ...]]) -> bytes | int | None:
        """The copy of `key` if it is current; else the seq to keep a new copy with; None: read Redis, keep nothing."""
        with self.lock:
            if not self._usable():
                return None
            copy = self.copies.get(key)
            if copy is not None:
                read_at, answer = copy
                if read_at >= self.floor and all(self.changed.get(name, 0) <= read_at for name in key[1]):
                    return answer
            return self.seq

    def put(self, key: tuple[str, tuple[str, ...]], read_at: int, answer: bytes) -> None:
        with self.lock:
            if len(answer) + 256 <= self.copies.maxsize:
                self.copies[key] = (read_at, answer)


def _poller(pubsub: redis.client.PubSub) -> select.poll:
    """Tells whether the subscription's socket has unread data, without reading it (each thread needs its own)."""
    connection = pubsub.connection
    sock = None if connection is None else connection._sock
    if sock is None:
        raise redis.ConnectionError("the subscription is not connected")
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return poller


_copies: _LocalCopies | None = None
_copies_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child (a Celery pool process) has none of the parent's threads: locks they held stay held."""
    global _copies_lock
    _copies_lock = threading.Lock()
    _health.lock = threading.Lock()
    _health.retrier = None  # a debt inherited is paid by this process's next cache command


os.register_at_fork(after_in_child=_after_fork_in_child)


def _announce_locally(*names: str) -> None:
    """Apply an invalidation of `names` (none: of everything) to this process's copies, without waiting for Redis."""
    copies = _copies
    if copies is not None and copies.pid == os.getpid():
        with copies.lock:
            if names:
                copies._apply(*names)
            else:
                copies._void_all()


def _local_copies() -> _LocalCopies:
    """This process's copies (a forked process starts its own, with its own listener)."""
    global _copies
    copies = _copies
    if copies is None or copies.pid != os.getpid():
        with _copies_lock:
            if _copies is None or _copies.pid != os.getpid():
                _copies = _LocalCopies()
            copies = _copies
    return copies


def _on_cache_invalidated(sender: type[models.Model] | None, obj_dict: dict[str, Any] | None, **kwargs: Any) -> None:
    """cacheops invalidated a row (`obj_dict` holds its id), a whole model, or everything (no sender): announce it.

    This process applies it at once; the others when the announcement arrives. A failed PUBLISH is a lost
    invalidation for CacheRedis: the debt's payment announces "everything" once Redis is back.
    """
    if sender is None:
        names: tuple[str, ...] = ()
        data = "*"
    else:
        label = sender._meta.label_lower
        pk = None if obj_dict is None else obj_dict.get(sender._meta.pk.attname)
        row = "*" if pk is None else str(pk)
        names, data = _change_names(label, row), f"{label}|{row}"
    _announce_locally(*names)
    with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
        redis_client.publish(_channel(), data)


cache_invalidated.connect(_on_cache_invalidated, dispatch_uid="cache-local-copies")


def cached_answer(
    key: str, build: Callable[[], bytes], model: type[models.Model], pk: int | str | None = None
) -> bytes:
    """`cached_read` of a rendered answer, with a copy kept in this process (`CACHE_LOCAL_MB`): no Redis call."""
    if not settings.CACHEOPS_ENABLED or not settings.CACHE_LOCAL_MB:
        return cached_read(key, build, model, pk)
    if pk is not None:
        if not str(pk).isdigit():
            return build()
        pk = int(pk)
    if transaction_states.is_dirty([DEFAULT_DB_ALIAS]):
        return cached_read(key, build, model, pk)  # cacheops reads the database after a write in the transaction
    copies = _local_copies()
    local_key = (key, _depends_on(model._meta.label_lower, pk))
    found = copies.get(local_key)
    if isinstance(found, bytes):
        return found
    answer = cached_read(key, build, model, pk)
    if found is not None:
        copies.put(local_key, found, answer)
    return answer


# --- Cached reads --------------------------------------------------------------------------------------------------


def _run(build: Callable[[], T], key: str) -> T:
    return build()


@lru_cache(maxsize=4096)
def _cached_runner(label: str, pk: int | None) -> Callable[..., Any]:
    """cached_as over one row or one table, built once per (model, pk): building it compiles SQL."""
    model = apps.get_model(label)
    sample = model.objects.filter(pk=pk) if pk is not None else model.objects.all()
    return cached_as(sample, extra=lambda build, key: key, lock=True, keep_fresh=True)(_run)


def cached_read(key: str, build: Callable[[], T], model: type[models.Model], pk: int | str | None = None) -> T:
    """`build()`, cached under `key` until `model` row `pk` (or, with no pk, any row of `model`) changes.

    `key` must name everything the answer depends on besides that data: the host and full path of the
    request and the viewer's visibility class. Rows the answer also shows reach it through `depends()`.
    """
    if not settings.CACHEOPS_ENABLED:
        return build()
    if pk is not None:
        if not str(pk).isdigit():
            return build()  # not an id: the build answers 404 without touching the cache
        pk = int(pk)
    runner = _cached_runner(model._meta.label_lower, pk)
    return runner(build, key)


def request_key(request: Any, visibility: str = "public") -> str:
    """The cache key of a GET: visibility class, host and full path with the query string."""
    return f"{visibility}|{request.get_host()}|{request.get_full_path()}"


# --- Invalidation after commit and the dependency table ------------------------------------------------------------

# model label -> attributes whose rows a change of that model also invalidates (forward foreign keys,
# reverse relations and many-to-many managers). Filled by each app's signals.py through depends().
DEPENDENCIES: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True)
class _Row:
    """A row to invalidate: the instance itself when it is at hand and complete, else its id (and known FK ids)."""

    model: type[models.Model]
    pk: Any
    instance: models.Model | None = None
    complete: bool = False  # instance holds every field (invalidate_obj), not only ids built here

    @property
    def marker(self) -> tuple[str, Any]:
        return (self.model._meta.label_lower, self.pk)


def _forward_fields(model: type[models.Model]) -> list[Any]:
    fields = (model._meta.get_field(name) for name in DEPENDENCIES.get(model._meta.label_lower, ()))
    return [field for field in fields if field.concrete and (field.many_to_one or field.one_to_one)]


def _reverse_names(model: type[models.Model]) -> list[str]:
    forward = {field.name for field in _forward_fields(model)}
    return [name for name in DEPENDENCIES.get(model._meta.label_lower, ()) if name not in forward]


def _with_forward_ids(model: type[models.Model], values: dict[str, Any]) -> models.Model:
    """An unsaved stand-in holding a row's id and foreign key ids: enough to follow the table without a query."""
    return model(**values)


def _targets(row: _Row, *, expand_reverse: bool) -> list[_Row]:
    """The rows `row` feeds into per the table. Foreign keys cost no query when their ids are at hand."""
    found: list[_Row] = []
    forward = _forward_fields(row.model)
    instance = row.instance
    if forward and instance is None:
        values = row.model._base_manager.filter(pk=row.pk).values(*(field.attname for field in forward)).first()
        instance = None if values is None else _with_forward_ids(row.model, {"pk": row.pk, **values})
    for field in forward:
        related_id = None if instance is None else getattr(instance, field.attname)
        if related_id is None:
            continue
        cached = field.get_cached_value(instance, default=None) if field.is_cached(instance) else None
        found.append(_Row(field.related_model, related_id, cached, complete=cached is not None))
    if expand_reverse and row.instance is not None and row.instance.pk is not None:
        for name in _reverse_names(row.model):
            manager = getattr(row.instance, name)
            related_forward = [field.attname for field in _forward_fields(manager.model)]
            for values in manager.values("pk", *related_forward):
                found.append(_Row(manager.model, values["pk"], _with_forward_ids(manager.model, values)))
    return found


def _closure(origins: Iterable[_Row], *, expand_reverse: bool) -> list[_Row]:
    """`origins` and every row they feed into, each once. Transitive along foreign keys; reverse relations and
    many-to-many managers are followed from the changed rows themselves only (a membership does not change a
    player's MMR, so the player's other teams need nothing)."""
    origin_markers = {row.marker for row in origins}
    seen: set[tuple[str, Any]] = set()
    result: list[_Row] = []
    pending = list(origins)
    while pending:
        row = pending.pop()
        if row.marker in seen:
            continue
        seen.add(row.marker)
        result.append(row)
        pending.extend(_targets(row, expand_reverse=expand_reverse and row.marker in origin_markers))
    return result


def _invalidate_now(rows: list[_Row]) -> None:
    for row in rows:
        if row.complete and row.instance is not None:
            invalidate_obj(row.instance)
        else:
            # Cached reads (cached_read) depend on a row by its id or on its whole table: the id is enough.
            invalidate_dict(row.model, {row.model._meta.pk.attname: row.pk})


def _invalidate_after_commit(rows: list[_Row]) -> None:
    # cacheops queues invalidations made inside a transaction until the outer commit (before on_commit hooks,
    # so a broadcast sent on commit is never followed by a stale read) and drops them on rollback.
    _invalidate_now(rows)


def invalidate_after_commit(*objs: models.Model) -> None:
    """Invalidate `objs` and the rows they feed into once the current transaction commits (never on rollback).

    For writes cacheops does not see: `QuerySet.update()`, `bulk_update()`, `bulk_create()` of rows that
    feed others, raw SQL. The table is read now, inside the transaction, so a row deleted later in it is
    still invalidated.
    """
    if not settings.CACHEOPS_ENABLED or not objs:
        return
    origins = [_Row(type(obj), obj.pk, obj, complete=True) for obj in objs if obj.pk is not None]
    _invalidate_after_commit(_closure(origins, expand_reverse=True))


def invalidate_models_after_commit(*model_classes: type[models.Model]) -> None:
    """Invalidate every cached read of `model_classes` and of the models they feed into, after commit.

    Heavier than `invalidate_after_commit` (cacheops scans the keys of each table); for bulk writes
    whose rows are not at hand.
    """
    if not settings.CACHEOPS_ENABLED:
        return
    labels: set[str] = set()
    pending = [model._meta.label_lower for model in model_classes]
    while pending:
        label = pending.pop()
        if label in labels:
            continue
        labels.add(label)
        model = apps.get_model(label)
        for name in DEPENDENCIES.get(label, ()):
            related = model._meta.get_field(name).related_model
            assert isinstance(related, type) and issubclass(related, models.Model)
            pending.append(related._meta.label_lower)

    # cacheops queues these until the outer commit and drops them on rollback, like every invalidation here.
    for label in sorted(labels):
        invalidate_model(apps.get_model(label))


# --- Signal handlers applying the table ----------------------------------------------------------------------------

_old_targets = threading.local()
IGNORED_UPDATE_FIELDS = frozenset({"last_login", "password"})


def _on_pre_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Remember the rows a changed foreign key pointed at before the save, so they are invalidated too."""
    if not settings.CACHEOPS_ENABLED or instance.pk is None or instance._state.adding:
        return
    forward = _forward_fields(sender)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        forward = [field for field in forward if field.name in update_fields or field.attname in update_fields]
    if not forward:
        return
    values = sender._base_manager.filter(pk=instance.pk).values(*(field.attname for field in forward)).first()
    if values is None:
        return
    old = [_Row(field.related_model, values[field.attname]) for field in forward if values[field.attname] is not None]
    stash = getattr(_old_targets, "rows", {})
    stash[(sender._meta.label_lower, instance.pk)] = old
    _old_targets.rows = stash


def _on_post_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if not settings.CACHEOPS_ENABLED:
        return
    old = getattr(_old_targets, "rows", {}).pop((sender._meta.label_lower, instance.pk), [])
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= IGNORED_UPDATE_FIELDS:
        return
    origin = _Row(sender, instance.pk, instance, complete=True)
    # A new row has no reverse relations yet; cacheops invalidates the row itself, so only what it feeds remains.
    rows = _closure([origin, *old], expand_reverse=not kwargs.get("created"))
    _invalidate_after_commit([row for row in rows if row.marker != origin.marker])


def _on_pre_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    # Before the delete: reverse relations and many-to-many rows are gone after it.
    if not settings.CACHEOPS_ENABLED:
        return
    origin = _Row(sender, instance.pk, instance, complete=True)
    rows = _closure([origin], expand_reverse=True)
    _invalidate_after_commit([row for row in rows if row.marker != origin.marker])


_cleared = threading.local()


def _on_m2m_changed(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    model: type[models.Model],
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """players, members, admins, staff...: a link added or removed changes what both sides show."""
    if not settings.CACHEOPS_ENABLED:
        return
    if action == "pre_clear":
        field = next(
            m2m
            for m2m in (*instance._meta.many_to_many, *model._meta.many_to_many)
            if m2m.remote_field.through is sender
        )
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        if kwargs.get("reverse"):
            source, target = target, source
        pks = list(sender._base_manager.filter(**{source: instance.pk}).values_list(f"{target}_id", flat=True))
        stash = getattr(_cleared, "pks", {})
        stash[(sender._meta.label_lower, instance.pk)] = pks
        _cleared.pks = stash
        return
    if action == "post_clear":
        pks = getattr(_cleared, "pks", {}).pop((sender._meta.label_lower, instance.pk), [])
    elif action in ("post_add", "post_remove"):
        pks = list(pk_set or ())
    else:
        return
    origins = [_Row(type(instance), instance.pk, instance, complete=True), *(_Row(model, pk) for pk in pks)]
    _invalidate_after_commit(_closure(origins, expand_reverse=False))


def depends(label: str, *names: str) -> None:
    """Declare that a change of model `label` also invalidates the rows behind attributes `names`.

    Call from an app's signals.py (imported at start-up by backend.core). Connects the save/delete
    handlers of `label` once.
    """
    DEPENDENCIES[label.lower()] = tuple(dict.fromkeys((*DEPENDENCIES.get(label.lower(), ()), *names)))
    model = apps.get_model(label)
    uid = f"cache-deps-{model._meta.label_lower}"
    pre_save.connect(_on_pre_save, sender=model, dispatch_uid=f"{uid}-pre-save")
    post_save.connect(_on_post_save, sender=model, dispatch_uid=f"{uid}-post-save")
    pre_delete.connect(_on_pre_delete, sender=model, dispatch_uid=f"{uid}-pre-delete")


def connect_many_to_many(*labels: str) -> None:
    """Invalidate both sides of every auto-created many-to-many table of models `labels`."""
    for label in labels:
        model = apps.get_model(label)
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            if isinstance(through, type) and issubclass(through, models.Model) and through._meta.auto_created:
                m2m_changed.connect(
                    _on_m2m_changed, sender=through, dispatch_uid=f"cache-m2m-{through._meta.label_lower}"
                )


# --- Cached list and detail answers of a DRF viewset ---------------------------------------------------------------


class CachedReadMixin:
    """List and detail answers of a viewset of public data, cached per request (host, path and query string).

    A list is rebuilt when any row of the viewset's model changes, a detail when its row does; rows the answer
    also shows reach it through the dependency table. Only for answers every viewer sees alike.
    """

    def _cache_model(self) -> type[models.Model]:
        # Once per class: building the viewset's queryset on every cached read would cost more than the read.
        model = type(self).__dict__.get("_cached_model")
        if model is None:
            model = self.get_queryset().model  # type: ignore[attr-defined]
            assert isinstance(model, type) and issubclass(model, models.Model)
            type(self)._cached_model = model  # type: ignore[attr-defined]
        return model

    # The rendered JSON is cached, not the data: a hit then costs no pickling of nested data and no rendering.
    def list(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        build = lambda: rendered(parent.list(request, *args, **kwargs))  # noqa: E731
        return json_response(cached_answer(request_key(request), build, self._cache_model()))

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        parent: Any = super()
        lookup = str(getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk"))
        build = lambda: rendered(parent.retrieve(request, *args, **kwargs))  # noqa: E731
        return json_response(cached_answer(request_key(request), build, self._cache_model(), kwargs.get(lookup)))


def rendered(response: Any) -> bytes:
    """A DRF response's data as the JSON bytes the API answers with (what `cached_answer` keeps)."""
    from rest_framework.renderers import JSONRenderer

    return bytes(JSONRenderer().render(response.data))


def json_response(content: bytes) -> HttpResponse:
    """The answer for JSON bytes from `cached_answer`."""
    return HttpResponse(content, content_type="application/json")
