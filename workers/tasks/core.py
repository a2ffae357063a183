from django.core import management

from workers.celery import app


@app.task(name="core.worker_heartbeat", acks_late=False, ignore_result=True)
def worker_heartbeat() -> None:
    """Nothing to do: finishing any task refreshes the worker's heartbeat (see workers.heartbeat)."""


@app.task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired browser sessions; safe to run twice."""
    management.call_command("clearsessions")
