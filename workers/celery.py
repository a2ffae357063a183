"""The Celery app: Redis broker, JSON only, settings from Django (CELERY_*), tasks from workers.tasks."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")

app = Celery("dtx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["workers.tasks.core", "workers.tasks.notifications", "workers.tasks.steam"]

from workers import heartbeat, schedule  # noqa: E402  (signal handlers, the heartbeat step and the beat schedule)

app.conf.beat_schedule = schedule.beat_schedule()
app.steps["consumer"].add(heartbeat.WorkerHeartbeat)
# Beat opens its schedule file before any signal fires, and a fresh clone has no .run/ directory yet.
Path(app.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
