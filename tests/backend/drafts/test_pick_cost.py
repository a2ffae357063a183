"""A pick costs a constant number of queries, whatever the draft's size, and broadcasts only the change."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.drafts import broadcast, services
from backend.drafts.models import DraftStyle
from tests.backend.drafts.world import draft_world
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

MAX_PICK_QUERIES = 20


def pick_queries(actor, draft_id: int, player_id: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client_for(actor).post(f"/api/drafts/{draft_id}/pick/", {"player_id": player_id})
    assert response.status_code == 200, response.json()
    return len(captured)


@pytest.mark.parametrize("style", [DraftStyle.SNAKE, DraftStyle.SHUFFLE])
@pytest.mark.parametrize("teams", [2, 8])
def test_first_and_last_pick_cost_at_most_20_queries_at_any_size(
    style: str, teams: int, organization, org_staff
) -> None:
    world = draft_world(teams, 4 * teams, organization=organization)
    draft = services.draft_create(actor=org_staff, tournament=world.tournament, style=style)
    counts = []
    for index, player in enumerate(world.players):
        actor = org_staff if index % 2 else draft.rounds.filter(choice__isnull=True).order_by("pick_number")[0].captain
        counts.append(pick_queries(actor, draft.pk, player.pk))
    first, middle, last = counts[0], counts[1:-1], counts[-1]
    assert first <= MAX_PICK_QUERIES and last <= MAX_PICK_QUERIES, counts
    assert max(middle) <= MAX_PICK_QUERIES, counts
    # The same at 2 and 8 teams: a query per team or per round would show here.
    assert len(set(middle)) <= 2, counts  # a captain's pick and a staff pick differ by the permission lookups


@pytest.mark.parametrize("teams", [2, 8])
def test_pick_query_count_does_not_grow_with_the_draft(teams: int, organization, org_staff) -> None:
    world = draft_world(teams, 4 * teams, organization=organization)
    draft = services.draft_create(actor=org_staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    counts = [pick_queries(org_staff, draft.pk, player.pk) for player in world.players[:-1]]
    assert len(set(counts)) == 1, counts


def test_a_pick_broadcasts_the_change_not_the_draft(
    organization, org_staff, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    world = draft_world(8, 32, organization=organization)
    draft = services.draft_create(actor=org_staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    sent: list[tuple] = []
    monkeypatch.setattr(broadcast, "send", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        services.draft_pick(actor=org_staff, draft_id=draft.pk, player_id=world.players[0].pk)
    assert [(draft_id, event_type, seq) for draft_id, event_type, seq, _ in sent] == [(draft.pk, "draft.pick", 2)]
    event = draft.events.get(seq=2)
    size = len(json.dumps({"type": event.type, "seq": event.seq, "data": event.payload}))
    assert size < 2_000, size
    assert set(event.payload) == {"round", "team", "current_round"}
