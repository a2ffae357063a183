"""Broadcasts leave after commit, once per event, through the real channel layer; a failure never fails the pick."""

import asyncio
import json
import logging

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import override_settings

from backend.drafts import services
from backend.drafts.broadcast import draft_group_name, publisher
from backend.drafts.models import DraftRound, DraftStyle
from tests.backend.drafts.world import draft_world
from tests.processes import channel_layers_at, free_port

pytestmark = pytest.mark.django_db


def test_a_pick_reaches_the_group_after_commit_encoded_as_its_event(staff, django_capture_on_commit_callbacks) -> None:
    world = draft_world(2, 8)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    with django_capture_on_commit_callbacks() as callbacks:
        services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)
    assert callbacks, "nothing scheduled for the commit"

    async def listen_while_committing() -> dict:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(draft_group_name(draft.pk), channel)
        for callback in callbacks:  # what the commit runs: the event goes to the publisher, which returns at once
            callback()
        message = await asyncio.wait_for(layer.receive(channel), 5)
        await layer.group_discard(draft_group_name(draft.pk), channel)
        return message

    message = async_to_sync(listen_while_committing)()
    assert message["type"] == "draft.pick" and message["seq"] == 2 and message["draft"] == draft.pk
    event = draft.events.get(seq=2)
    assert json.loads(message["text"]) == {"type": "draft.pick", "seq": 2, "data": event.payload}


def test_a_broadcast_failure_is_logged_once_per_outage_and_the_picks_stand(
    staff, caplog, django_capture_on_commit_callbacks
) -> None:
    world = draft_world(2, 8)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    dead = channel_layers_at(f"redis://127.0.0.1:{free_port()}/0")
    with override_settings(CHANNEL_LAYERS=dead), caplog.at_level(logging.WARNING, logger="backend.drafts.broadcast"):
        for player in world.players[:3]:
            with django_capture_on_commit_callbacks(execute=True):  # runs them on leaving, as a commit would
                services.draft_pick(actor=staff, draft_id=draft.pk, player_id=player.pk)
        assert publisher.flush()
    draft.refresh_from_db()
    assert draft.seq == 4
    assert list(DraftRound.objects.filter(draft=draft, pick_number__lte=3).values_list("choice_id", flat=True)) == [
        player.pk for player in world.players[:3]
    ]
    warnings = [record for record in caplog.records if "not broadcast" in record.getMessage()]
    assert len(warnings) == 1, [record.getMessage() for record in warnings]
    with caplog.at_level(logging.WARNING, logger="backend.drafts.broadcast"):
        publisher.submit((draft.pk, "draft.pick", 99, "{}"))  # the layer answers again
        assert publisher.flush()
    assert any("resumed" in record.getMessage() for record in caplog.records)


def test_every_event_is_handed_to_the_notifications(staff, monkeypatch) -> None:
    seen: list[tuple[str, int | None]] = []

    def record(*, draft_id: int, tournament_id: int, event_type: str, data: dict) -> None:
        seen.append((event_type, (data.get("current_round") or {}).get("captain")))

    monkeypatch.setattr(services, "on_draft_event", record)
    world = draft_world(2, 2)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)
    services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[1].pk)
    assert seen == [
        ("draft.started", world.teams[0].captain_id),
        ("draft.pick", world.teams[1].captain_id),
        ("draft.pick", None),
        ("draft.completed", None),
    ]
