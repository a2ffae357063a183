"""A tournament moves registration -> drafting -> in_progress -> completed, one step at a time; the only way
back is the draft's undo (in_progress -> drafting)."""

import itertools

import pytest

from backend.core.errors import Conflict
from backend.tournaments import services
from backend.tournaments.models import TOURNAMENT_TRANSITIONS, TournamentState
from tests.conftest import client_for
from tests.factories import TournamentFactory

pytestmark = pytest.mark.django_db

LEGAL = {
    (TournamentState.REGISTRATION, TournamentState.DRAFTING),
    (TournamentState.DRAFTING, TournamentState.IN_PROGRESS),
    (TournamentState.IN_PROGRESS, TournamentState.COMPLETED),
}
ALL_MOVES = [(a, b) for a, b in itertools.product(TournamentState.values, repeat=2) if a != b]


def test_the_transition_table_is_exactly_the_forward_chain():
    table = {(a, b) for a, targets in TOURNAMENT_TRANSITIONS.items() for b in targets}
    assert table == LEGAL


@pytest.mark.parametrize(("start", "target"), ALL_MOVES)
def test_patch_moves_only_one_step_forward(org_staff, organization, start, target):
    tournament = TournamentFactory(organization=organization, state=start)
    response = client_for(org_staff).patch(f"/api/tournaments/{tournament.pk}/", {"state": target})
    tournament.refresh_from_db()
    if (start, target) in LEGAL:
        assert response.status_code == 200
        assert response.json()["state"] == target
        assert tournament.state == target
    else:
        assert response.status_code == 409
        assert response.json()["code"] == "illegal_transition"
        assert tournament.state == start


def test_patching_the_current_state_changes_nothing(org_staff, tournament):
    response = client_for(org_staff).patch(f"/api/tournaments/{tournament.pk}/", {"state": "registration"})
    assert response.status_code == 200


def test_an_illegal_move_in_a_patch_keeps_the_other_fields_unchanged(org_staff, tournament):
    response = client_for(org_staff).patch(f"/api/tournaments/{tournament.pk}/", {"name": "New", "state": "completed"})
    assert response.status_code == 409
    tournament.refresh_from_db()
    assert tournament.name == "DTX Cup"


def test_state_move_service_refuses_skipping_a_step(tournament):
    with pytest.raises(Conflict):
        services.tournament_state_move(tournament=tournament, state=TournamentState.IN_PROGRESS)
    assert services.tournament_state_move(tournament=tournament, state=TournamentState.DRAFTING).state == "drafting"


def test_only_the_draft_undo_moves_back_from_in_progress_to_drafting(org_staff, organization):
    tournament = TournamentFactory(organization=organization, state=TournamentState.IN_PROGRESS)
    response = client_for(org_staff).patch(f"/api/tournaments/{tournament.pk}/", {"state": "drafting"})
    assert response.status_code == 409
    assert services.tournament_reopen_draft(tournament=tournament).state == TournamentState.DRAFTING
    tournament.refresh_from_db()
    assert tournament.state == TournamentState.DRAFTING


@pytest.mark.parametrize("state", ["registration", "drafting", "completed"])
def test_reopen_draft_refuses_any_other_state(organization, state):
    tournament = TournamentFactory(organization=organization, state=state)
    with pytest.raises(Conflict):
        services.tournament_reopen_draft(tournament=tournament)
    tournament.refresh_from_db()
    assert tournament.state == state
