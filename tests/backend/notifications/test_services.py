import time

import pytest
from django.test import override_settings

from backend.notifications import queue, services
from backend.notifications.queue import enqueue
from tests.factories import UserFactory
from tests.processes import channel_layers_at


@pytest.mark.django_db
def test_notify_user_never_raises_or_waits_long_when_redis_does_not_answer(
    redis_server, caplog, django_capture_on_commit_callbacks
):
    redis_server.pause()
    try:
        with override_settings(CHANNEL_LAYERS=channel_layers_at(redis_server.url), NOTIFY_TIMEOUT_SECONDS=0.5):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                services.notify_user(UserFactory().pk, services.YOUR_TURN, {"draft": 1})
            elapsed = time.monotonic() - started
    finally:
        redis_server.resume()
    assert elapsed < 3
    assert "notify.your_turn to 1 user(s) not sent" in caplog.text


@pytest.mark.django_db
def test_enqueue_answers_false_when_the_broker_is_down(redis_server):
    port = redis_server.port
    redis_server.stop()
    queue._sender.cache_clear()
    try:
        with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/2"):
            started = time.monotonic()
            assert enqueue(services.WEBHOOK_TASK, "hello") is False
            assert time.monotonic() - started < 10
    finally:
        queue._sender.cache_clear()


@pytest.mark.django_db
def test_no_webhook_post_is_enqueued_without_a_webhook_url(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(services, "enqueue", lambda *args: sent.append(args))
    with override_settings(DISCORD_WEBHOOK_URL=""), django_capture_on_commit_callbacks(execute=True):
        services.post_to_discord("hello")
        services.notify_your_turn(
            draft_id=1, tournament_id=1, round={"id": 1, "pick_number": 1, "captain": UserFactory().pk}
        )
    assert sent == []


@pytest.mark.django_db
def test_an_undecided_shuffle_round_notifies_nobody(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(services, "_send", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify_your_turn(draft_id=1, tournament_id=1, round={"id": 1, "pick_number": 3, "captain": None})
    assert callbacks == []
    assert sent == []
