"""`notifications.post_discord_webhook` through a real worker, against a local fake Discord endpoint."""

import json
import time

import pytest
from django.test import override_settings
from pytest_httpserver import HTTPServer
from werkzeug import Response

from backend.notifications.queue import enqueue
from backend.notifications.services import WEBHOOK_TASK, notify_draft_started, notify_your_turn
from tests.factories import TournamentFactory, UserFactory
from tests.processes import CeleryWorker, process_env, running, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WEBHOOK_PATH = "/api/webhooks/1/secret-token"


def worker_for(httpserver: HTTPServer, **extra: str) -> CeleryWorker:
    return CeleryWorker(
        process_env(
            DISCORD_WEBHOOK_URL=httpserver.url_for(WEBHOOK_PATH),
            DISCORD_WEBHOOK_RETRY_SECONDS="0.2",
            DISCORD_WEBHOOK_MAX_RETRIES="3",
            **extra,
        )
    )


def posts(httpserver: HTTPServer) -> list[dict]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log if request.path == WEBHOOK_PATH]


def test_a_post_answered_500_is_retried_and_then_delivered(httpserver: HTTPServer):
    answers = iter([Response(status=500), Response(status=204)])
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_handler(lambda request: next(answers))

    worker = worker_for(httpserver)
    with running(worker):
        assert enqueue(WEBHOOK_TASK, "Draft started: DTX Cup")
        wait_until(lambda: len(posts(httpserver)) >= 2, timeout=30, what="the retried post")
        time.sleep(0.5)  # a third post would come in this time if the success were retried

    assert posts(httpserver) == [
        {"content": "Draft started: DTX Cup", "allowed_mentions": {"parse": []}},
        {"content": "Draft started: DTX Cup", "allowed_mentions": {"parse": []}},
    ]
    assert "secret-token" not in worker.log


def test_a_post_refused_with_400_is_not_retried(httpserver: HTTPServer):
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("bad", status=400)

    worker = worker_for(httpserver)
    with running(worker):
        enqueue(WEBHOOK_TASK, "hello")
        wait_until(lambda: "refused the post" in worker.log, timeout=30, what="the refusal logged")
        time.sleep(0.6)

    assert len(posts(httpserver)) == 1


def test_draft_start_and_turn_are_posted_after_commit(httpserver: HTTPServer):
    httpserver.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("", status=204)
    tournament = TournamentFactory(name="Winter Cup")
    captain = UserFactory(nickname="Captain Hook")

    with override_settings(DISCORD_WEBHOOK_URL=httpserver.url_for(WEBHOOK_PATH)), running(worker_for(httpserver)):
        notify_draft_started(draft_id=41, tournament_id=tournament.pk)
        notify_your_turn(
            draft_id=41, tournament_id=tournament.pk, round={"id": 5, "pick_number": 1, "captain": captain.pk}
        )
        wait_until(lambda: len(posts(httpserver)) >= 2, timeout=30, what="two posts")

    contents = sorted(post["content"] for post in posts(httpserver))
    assert contents == [
        "Pick 1: Captain Hook, it is your turn. /drafts/41/",
        "The draft of Winter Cup has started: /drafts/41/",
    ]
