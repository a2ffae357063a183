"""Worker and beat heartbeats for /healthz.

The worker's main process writes its heartbeat when its consumer starts and then every HEARTBEAT_SECONDS from
the consumer's own event loop, so it keeps beating without beat and while every pool process is busy. It skips
a beat when the worker looks connected but no longer consumes (workers have been seen to stop consuming after a
Redis reconnect): a pool slot is free and tasks have been waiting in its queues since the previous beat, yet
none arrived. Three skipped beats make /healthz call the worker down. Beat writes its heartbeat from a timer thread.
"""

import logging
import threading
import time
from typing import Any

import redis
from celery import bootsteps
from celery.signals import beat_init, task_received
from celery.worker import state
from django.conf import settings

logger = logging.getLogger(__name__)


def _write(process: str) -> None:
    from backend.core.health import heartbeat_write

    heartbeat_write(process)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A consumer bootstep: starts with the consumer (again after every broker reconnect) and stops with it."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry: Any = None
        self.queues: list[str] = []
        self.waiting_at_last_beat = False
        self.received_at_last_beat = 0

    def start(self, consumer: Any) -> None:
        if not self.queues:
            # Kept from the first start: remote control may cancel consuming from a queue later, which is
            # exactly the state this step must notice.
            self.queues = sorted(consumer.app.amqp.queues.consume_from)
        self.broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        self.waiting_at_last_beat = False
        _write("worker")
        self.timer_entry = consumer.timer.call_repeatedly(settings.HEARTBEAT_SECONDS, self.beat, (consumer,))

    def stop(self, consumer: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop

    def beat(self, consumer: Any) -> None:
        try:
            waiting = any(self.broker.llen(queue) for queue in self.queues)
        except redis.RedisError:
            return  # nothing to write to either; /healthz reports Redis
        received = _received["tasks"]
        stalled = (
            waiting
            and self.waiting_at_last_beat
            and received == self.received_at_last_beat
            and len(state.reserved_requests) < consumer.controller.concurrency
        )
        self.waiting_at_last_beat, self.received_at_last_beat = waiting, received
        if stalled:
            logger.warning("worker heartbeat skipped: tasks are waiting and a pool slot is free, but none arrived")
            return
        _write("worker")


_received = {"tasks": 0}  # in the worker's main process, where messages arrive


@task_received.connect
def _count_received(**kwargs: Any) -> None:
    _received["tasks"] += 1


@beat_init.connect
def _beat_started(**kwargs: Any) -> None:
    # Django is set up already (Celery's Django fixup does it while loading): calling django.setup() again here
    # re-applied LOGGING over Celery's logging and silenced beat's own log lines.

    def beat_loop() -> None:
        while True:
            _write("beat")
            time.sleep(settings.HEARTBEAT_SECONDS)

    threading.Thread(target=beat_loop, name="beat-heartbeat", daemon=True).start()
