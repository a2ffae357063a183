"""The "live now" stream's messages never fail or hold a draft write when Redis does not answer."""

import logging
import time

import pytest
from django.test import override_settings

from backend.drafts import services
from backend.drafts.models import Draft, DraftState, DraftStyle
from backend.tournaments.models import TournamentState
from tests.backend.drafts.world import draft_world
from tests.processes import channel_layers_at


@pytest.mark.django_db
def test_start_completion_and_reopening_commit_when_redis_does_not_answer(
    staff, redis_server, caplog, django_capture_on_commit_callbacks
):
    world = draft_world(2, 1)
    redis_server.pause()
    try:
        settings = {"CHANNEL_LAYERS": channel_layers_at(redis_server.url), "NOTIFY_TIMEOUT_SECONDS": 0.3}
        with override_settings(**settings), caplog.at_level(logging.WARNING, logger="backend.notifications.now"):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
            with django_capture_on_commit_callbacks(execute=True):
                services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)
            with django_capture_on_commit_callbacks(execute=True):
                services.draft_undo(actor=staff, draft_id=draft.pk)
            elapsed = time.monotonic() - started
    finally:
        redis_server.resume()

    draft = Draft.objects.select_related("tournament").get(pk=draft.pk)
    assert (draft.state, draft.seq, draft.tournament.state) == (DraftState.ACTIVE, 4, TournamentState.DRAFTING)
    not_sent = [record.getMessage() for record in caplog.records if record.name == "backend.notifications.now"]
    assert [line.split(" ")[0] for line in not_sent] == [
        "now.draft_started",
        "now.draft_completed",
        "now.draft_reopened",
    ]
    assert all("not sent (TimeoutError" in line for line in not_sent)
    # Each message gave up after its 0.3 s (the per-user notifications of the start wait as long, no more).
    assert elapsed < 5
