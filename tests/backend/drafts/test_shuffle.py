"""Shuffle: the lowest total MMR among teams not yet full picks next; ties are settled by d6 roll-offs."""

import pytest

from backend.core.errors import Conflict
from backend.drafts import services
from backend.drafts.models import DraftRound, DraftStyle
from backend.drafts.services import TeamSlot, shuffle_pick
from tests.backend.drafts.world import draft_world, roll_from

pytestmark = pytest.mark.django_db


def slot(team_id: int, mmr: int, size: int = 1) -> TeamSlot:
    return TeamSlot(
        id=team_id, name=f"T{team_id}", captain_id=100 + team_id, draft_order=team_id, size=size, total_mmr=mmr
    )


def test_lowest_total_mmr_picks_without_rolling() -> None:
    winner, ties = shuffle_pick([slot(1, 3000), slot(2, 2500), slot(3, 4000)], roll_from([]))
    assert winner.id == 2 and ties is None


def test_full_teams_never_pick_even_with_the_lowest_mmr() -> None:
    winner, _ = shuffle_pick([slot(1, 1000, size=5), slot(2, 2500)], roll_from([]))
    assert winner.id == 2


def test_no_team_left_to_fill_is_a_conflict() -> None:
    with pytest.raises(Conflict):
        shuffle_pick([slot(1, 1000, size=5)], roll_from([]))


def test_tied_teams_roll_and_the_highest_roll_wins() -> None:
    winner, ties = shuffle_pick([slot(1, 3000), slot(2, 3000), slot(3, 4000)], roll_from([2, 5]))
    assert winner.id == 2
    assert ties == {
        "tied_teams": [{"id": 1, "name": "T1", "mmr": 3000}, {"id": 2, "name": "T2", "mmr": 3000}],
        "roll_rounds": [[{"team_id": 1, "roll": 2}, {"team_id": 2, "roll": 5}]],
        "winner_id": 2,
    }


def test_only_the_teams_tied_at_the_top_roll_again() -> None:
    winner, ties = shuffle_pick([slot(1, 3000), slot(2, 3000), slot(3, 3000)], roll_from([6, 6, 1, 3, 4]))
    assert winner.id == 2
    assert ties is not None
    assert ties["roll_rounds"] == [
        [{"team_id": 1, "roll": 6}, {"team_id": 2, "roll": 6}, {"team_id": 3, "roll": 1}],
        [{"team_id": 1, "roll": 3}, {"team_id": 2, "roll": 4}],
    ]
    assert ties["winner_id"] == 2


@pytest.mark.parametrize("teams", [2, 4, 5])
def test_each_pick_goes_to_the_lowest_total_mmr_team_not_yet_full(teams: int, staff) -> None:
    # Distinct captains' MMRs and players' MMRs of distinct sums: no ties, so the order follows from MMR alone.
    world = draft_world(
        teams,
        4 * teams,
        captain_mmrs=[3000 + 7 * i for i in range(teams)],
        player_mmrs=[1000 + 131 * i for i in range(4 * teams)],
    )
    draft = services.draft_create(
        actor=staff, tournament=world.tournament, style=DraftStyle.SHUFFLE, roll=roll_from([])
    )
    totals = {team.pk: team.captain.mmr for team in world.teams}
    sizes = {team.pk: 1 for team in world.teams}
    for player in reversed(world.players):  # the strongest first
        current = DraftRound.objects.filter(draft=draft, choice__isnull=True).order_by("pick_number").first()
        open_teams = [team_id for team_id in totals if sizes[team_id] < 5]
        expected = min(open_teams, key=lambda team_id: totals[team_id])
        assert current.team_id == expected
        assert not current.was_tie
        services.draft_pick(actor=staff, draft_id=draft.pk, player_id=player.pk, roll=roll_from([]))
        totals[expected] += player.mmr
        sizes[expected] += 1
    assert all(size == 5 for size in sizes.values())


def test_undecided_rounds_have_no_team_and_the_first_is_decided_at_start(staff) -> None:
    world = draft_world(3, 6, captain_mmrs=[3000, 3000, 2000])
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SHUFFLE)
    rounds = list(DraftRound.objects.filter(draft=draft).order_by("pick_number"))
    assert rounds[0].team_id == world.teams[2].pk and rounds[0].captain_id == world.teams[2].captain_id
    assert all(draft_round.team_id is None and draft_round.captain_id is None for draft_round in rounds[1:])
    assert [draft_round.phase for draft_round in rounds] == [1, 1, 1, 2, 2, 2]


def test_a_tie_is_recorded_on_the_round_it_decides(staff) -> None:
    world = draft_world(2, 4, captain_mmrs=[3000, 3000])
    draft = services.draft_create(
        actor=staff, tournament=world.tournament, style=DraftStyle.SHUFFLE, roll=roll_from([1, 4])
    )
    first = DraftRound.objects.get(draft=draft, pick_number=1)
    assert first.was_tie and first.team_id == world.teams[1].pk
    assert first.tie_roll_data == {
        "tied_teams": [
            {"id": world.teams[0].pk, "name": "Team 1", "mmr": 3000},
            {"id": world.teams[1].pk, "name": "Team 2", "mmr": 3000},
        ],
        "roll_rounds": [[{"team_id": world.teams[0].pk, "roll": 1}, {"team_id": world.teams[1].pk, "roll": 4}]],
        "winner_id": world.teams[1].pk,
    }
