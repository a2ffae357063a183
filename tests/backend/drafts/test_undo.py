"""Undo restores exactly the state before the last pick, for every style."""

import pytest

from backend.core.errors import Conflict
from backend.drafts import services
from backend.drafts.models import Draft, DraftRound, DraftState, DraftStyle
from backend.drafts.selectors import draft_snapshot
from backend.tournaments.models import TeamMember, TournamentState
from tests.backend.drafts.world import check_consistency, draft_world, roll_from

pytestmark = pytest.mark.django_db


def state_of(draft_id: int) -> dict:
    """Everything a pick changes, without the seq and times (which an undo moves on)."""
    snapshot = draft_snapshot(draft_id)
    assert snapshot is not None
    for draft_round in snapshot["rounds"]:
        draft_round.pop("picked_at")
    snapshot.pop("seq")
    if snapshot["current_round"]:
        snapshot["current_round"].pop("picked_at")
    return snapshot


def pick_next(draft: Draft, player, actor, **kwargs) -> None:
    services.draft_pick(actor=actor, draft_id=draft.pk, player_id=player.pk, **kwargs)


@pytest.mark.parametrize("style", [DraftStyle.SNAKE, DraftStyle.NORMAL, DraftStyle.SHUFFLE])
def test_undo_restores_the_state_before_the_pick(style: str, staff) -> None:
    world = draft_world(3, 12, captain_mmrs=[3000, 3000, 3000])
    roll = roll_from([6, 1, 1, 2, 5, 3] * 20)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=style, roll=roll)
    for player in world.players[:4]:
        pick_next(draft, player, staff, roll=roll)
    before = state_of(draft.pk)
    pick_next(draft, world.players[4], staff, roll=roll)
    assert state_of(draft.pk) != before
    services.draft_undo(actor=staff, draft_id=draft.pk)
    assert state_of(draft.pk) == before
    check_consistency(draft)


@pytest.mark.parametrize("style", [DraftStyle.SNAKE, DraftStyle.NORMAL])
def test_undo_then_the_same_pick_gives_the_same_order(style: str, staff) -> None:
    world = draft_world(4, 16)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=style)
    for player in world.players[:5]:
        pick_next(draft, player, staff)
    after = state_of(draft.pk)
    services.draft_undo(actor=staff, draft_id=draft.pk)
    pick_next(draft, world.players[4], staff)
    assert state_of(draft.pk) == after
    for player in world.players[5:]:
        pick_next(draft, player, staff)
    check_consistency(draft)


def test_shuffle_undo_recomputes_the_next_picker_rolling_again(staff) -> None:
    # Two tied teams: after the first pick the other team is the lowest; after the second the tie is back.
    world = draft_world(2, 4, captain_mmrs=[3000, 3000], player_mmrs=[1000, 1000, 1000, 1000])
    draft = services.draft_create(
        actor=staff, tournament=world.tournament, style=DraftStyle.SHUFFLE, roll=roll_from([6, 1])
    )
    pick_next(draft, world.players[0], staff, roll=roll_from([]))  # team 1 picks; team 2 is lowest now
    pick_next(draft, world.players[1], staff, roll=roll_from([2, 5]))  # team 2 picks; tie again: team 2 wins
    third = DraftRound.objects.get(draft=draft, pick_number=3)
    assert third.was_tie and third.team_id == world.teams[1].pk
    services.draft_undo(actor=staff, draft_id=draft.pk)
    third.refresh_from_db()
    assert third.team_id is None and third.captain_id is None and not third.was_tie and third.tie_roll_data is None
    pick_next(draft, world.players[1], staff, roll=roll_from([4, 3]))  # the same pick, a new roll: team 1 wins
    third.refresh_from_db()
    assert third.was_tie and third.team_id == world.teams[0].pk
    assert third.tie_roll_data["roll_rounds"] == [
        [{"team_id": world.teams[0].pk, "roll": 4}, {"team_id": world.teams[1].pk, "roll": 3}]
    ]
    check_consistency(draft)


@pytest.mark.parametrize("style", [DraftStyle.SNAKE, DraftStyle.NORMAL, DraftStyle.SHUFFLE])
def test_undoing_the_final_pick_reopens_the_draft_and_the_tournament(style: str, staff) -> None:
    world = draft_world(2, 8)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=style)
    for player in world.players:
        pick_next(draft, player, staff)
    draft.refresh_from_db()
    assert draft.state == DraftState.COMPLETED
    last = world.players[-1]
    services.draft_undo(actor=staff, draft_id=draft.pk)
    draft.refresh_from_db()
    world.tournament.refresh_from_db()
    assert draft.state == DraftState.ACTIVE
    assert world.tournament.state == TournamentState.DRAFTING
    assert not TeamMember.objects.filter(tournament=world.tournament, user=last).exists()
    assert draft.events.order_by("-seq").first().type == "draft.undo"
    pick_next(draft, last, staff)
    draft.refresh_from_db()
    world.tournament.refresh_from_db()
    assert draft.state == DraftState.COMPLETED
    assert world.tournament.state == TournamentState.IN_PROGRESS
    check_consistency(draft)


def test_undo_without_a_pick_is_a_conflict(staff) -> None:
    world = draft_world(2, 4)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    with pytest.raises(Conflict):
        services.draft_undo(actor=staff, draft_id=draft.pk)
    assert Draft.objects.get(pk=draft.pk).seq == 1
