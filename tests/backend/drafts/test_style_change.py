"""The style may change before the first pick only; the rounds are planned again and the change is an event."""

import pytest

from backend.core.errors import Conflict
from backend.drafts import services
from backend.drafts.models import DraftRound, DraftStyle
from tests.backend.drafts.world import draft_world

pytestmark = pytest.mark.django_db


def test_changing_style_before_the_first_pick_plans_the_rounds_again(staff) -> None:
    world = draft_world(3, 6)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    services.draft_style_change(actor=staff, draft_id=draft.pk, style=DraftStyle.SNAKE)
    orders = [
        draft_round.team.draft_order
        for draft_round in DraftRound.objects.filter(draft=draft).select_related("team").order_by("pick_number")
    ]
    assert orders == [1, 2, 3, 3, 2, 1]
    draft.refresh_from_db()
    event = draft.events.get(seq=2)
    assert draft.style == DraftStyle.SNAKE and draft.seq == 2
    assert event.type == "draft.style_changed"
    assert [draft_round["team"] for draft_round in event.payload["rounds"]] == [
        world.teams[order - 1].pk for order in orders
    ]
    assert event.payload["current_round"]["pick_number"] == 1


def test_changing_style_after_the_first_pick_is_refused(staff) -> None:
    world = draft_world(2, 4)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)
    with pytest.raises(Conflict):
        services.draft_style_change(actor=staff, draft_id=draft.pk, style=DraftStyle.SNAKE)
    draft.refresh_from_db()
    assert draft.style == DraftStyle.NORMAL and draft.seq == 2


def test_starting_a_second_draft_is_a_conflict(staff) -> None:
    world = draft_world(2, 4)
    services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    with pytest.raises(Conflict):
        services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)


def test_a_draft_needs_two_teams(staff) -> None:
    world = draft_world(1, 4)
    with pytest.raises(Conflict):
        services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    world.tournament.refresh_from_db()
    assert world.tournament.state == "registration"
