"""Enqueue Celery tasks by name from web processes, which never import `workers` (see the import-linter contract)."""

import functools
import logging
from typing import Any

from celery import Celery

logger = logging.getLogger(__name__)


@functools.cache
def _sender() -> Celery:
    # Only publishes: the broker settings are the workers' own (CELERY_* in Django settings).
    app = Celery("dtx", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


def enqueue(task_name: str, *args: Any) -> bool:
    """Publish one task now; a broker that is down is logged, never raised (and never retried: no caller waits)."""
    try:
        _sender().send_task(task_name, args=args, retry=False)
    except Exception as error:  # whatever kombu raises, the caller's work is committed already
        logger.warning("task %s not enqueued (%s: %s)", task_name, type(error).__name__, error)
        return False
    return True
