"""The Celery app: Redis broker, JSON only, settings from Django (CELERY_*), tasks from workers.tasks."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")

app = Celery("dtx")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["workers.tasks.core", "workers.tasks.notifications"]

from workers import heartbeat, schedule  # noqa: E402,F401  (signal handlers and the beat schedule)

app.conf.beat_schedule = schedule.beat_schedule()
