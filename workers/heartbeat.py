"""Worker and beat heartbeats for /healthz.

The worker's heartbeat is written when it starts and whenever it finishes a task; beat sends it a
`core.worker_heartbeat` task every HEARTBEAT_SECONDS. So a fresh worker heartbeat proves more than a live
process: it proves the worker still consumes from the broker (workers have been seen to stop consuming after
a Redis reconnect). Beat writes its own heartbeat from a timer thread.
"""

import threading
import time
from typing import Any

from celery.signals import beat_init, task_postrun, worker_ready
from django.conf import settings


def _write(process: str) -> None:
    from backend.core.health import heartbeat_write

    heartbeat_write(process)


@worker_ready.connect
def _worker_started(**kwargs: Any) -> None:
    _write("worker")


@task_postrun.connect
def _worker_finished_task(**kwargs: Any) -> None:
    _write("worker")


@beat_init.connect
def _beat_started(**kwargs: Any) -> None:
    # Django is set up already (Celery's Django fixup does it while loading): calling django.setup() again here
    # re-applied LOGGING over Celery's logging and silenced beat's own log lines.
    def beat_loop() -> None:
        while True:
            _write("beat")
            time.sleep(settings.HEARTBEAT_SECONDS)

    threading.Thread(target=beat_loop, name="beat-heartbeat", daemon=True).start()
