"""Who picks when: snake reverses each phase, normal repeats it; rounds fill teams to 5 or until players run out."""

import pytest

from backend.drafts import services
from backend.drafts.models import DraftRound, DraftState, DraftStyle
from backend.tournaments.models import TournamentState
from tests.backend.drafts.world import draft_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def team_orders(draft_id: int) -> list[int]:
    return [
        draft_round.team.draft_order
        for draft_round in DraftRound.objects.filter(draft_id=draft_id).select_related("team").order_by("pick_number")
    ]


def draft_all(draft_id: int, players: list, actor) -> list[int]:
    """Pick every round with the given players in turn; answer the draft order of each picking team."""
    orders = []
    for player in players:
        current = DraftRound.objects.filter(draft_id=draft_id, choice__isnull=True).order_by("pick_number").first()
        if current is None:
            break
        orders.append(current.team.draft_order)
        services.draft_pick(actor=actor, draft_id=draft_id, player_id=player.pk)
    return orders


SNAKE = {
    2: [1, 2, 2, 1, 1, 2, 2, 1],
    4: [1, 2, 3, 4, 4, 3, 2, 1, 1, 2, 3, 4, 4, 3, 2, 1],
    5: [1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1],
}


@pytest.mark.parametrize("teams", [2, 4, 5])
def test_snake_order_reverses_each_phase(teams: int, staff) -> None:
    world = draft_world(teams, 4 * teams)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    assert team_orders(draft.pk) == SNAKE[teams]
    assert draft_all(draft.pk, world.players, staff) == SNAKE[teams]


@pytest.mark.parametrize("teams", [2, 4, 5])
def test_normal_order_is_the_same_each_phase(teams: int, staff) -> None:
    world = draft_world(teams, 4 * teams)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    expected = list(range(1, teams + 1)) * 4
    assert team_orders(draft.pk) == expected
    assert draft_all(draft.pk, world.players, staff) == expected


@pytest.mark.parametrize("style", [DraftStyle.SNAKE, DraftStyle.NORMAL, DraftStyle.SHUFFLE])
def test_rounds_stop_when_players_run_out(style: str, staff) -> None:
    world = draft_world(4, 7)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=style)
    assert DraftRound.objects.filter(draft=draft).count() == 7


def test_rounds_fill_every_team_to_five_counting_members_already_on_it(staff) -> None:
    world = draft_world(2, 20)
    world.teams[0].memberships.create(user=UserFactory(), tournament=world.tournament)
    world.tournament.players.add(world.teams[0].memberships.last().user)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    # team 1 has 2 players (3 to pick), team 2 has 1 (4 to pick): 7 rounds, team 1 skipped once it is full
    assert team_orders(draft.pk) == [1, 2, 2, 1, 1, 2, 2]


def test_starting_moves_the_tournament_to_drafting_and_the_last_pick_to_in_progress(staff) -> None:
    world = draft_world(2, 8)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    world.tournament.refresh_from_db()
    assert world.tournament.state == TournamentState.DRAFTING
    assert draft.seq == 1 and draft.events.get().type == "draft.started"
    draft_all(draft.pk, world.players, staff)
    draft.refresh_from_db()
    world.tournament.refresh_from_db()
    assert draft.state == DraftState.COMPLETED
    assert world.tournament.state == TournamentState.IN_PROGRESS
    last_two = list(draft.events.order_by("-seq")[:2])
    assert [event.type for event in last_two] == ["draft.completed", "draft.pick"]
    assert draft.seq == 1 + 8 + 1
    for team in world.teams:
        assert team.memberships.count() == 5


def test_a_team_of_a_finished_draft_has_its_captain_and_its_picks(staff) -> None:
    world = draft_world(2, 8)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    draft_all(draft.pk, world.players, staff)
    for team in world.teams:
        picked = set(DraftRound.objects.filter(draft=draft, team=team).values_list("choice_id", flat=True))
        assert set(team.memberships.values_list("user_id", flat=True)) == picked | {team.captain_id}
