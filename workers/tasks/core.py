from django.core import management

from backend.core.health import heartbeat_write
from workers.celery import app


@app.task(name="core.worker_heartbeat", acks_late=False, ignore_result=True)
def worker_heartbeat() -> None:
    """Beat sends this every HEARTBEAT_SECONDS: a worker that runs it proves the whole beat -> broker -> worker path.

    It also keeps a message in the queue now and then, which is what lets the worker's own heartbeat notice a
    consumer that stopped taking messages (see workers.heartbeat).
    """
    heartbeat_write("worker")


@app.task(name="core.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired browser sessions; safe to run twice."""
    management.call_command("clearsessions")
