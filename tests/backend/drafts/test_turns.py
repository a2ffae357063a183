"""current_turns_of: the drafts where it is a user's turn now, read in one query whatever their number."""

import pytest

from backend.drafts.models import DraftStyle
from backend.drafts.selectors import current_turns_of
from backend.drafts.services import draft_create, draft_pick
from tests.backend.drafts.world import draft_world
from tests.factories import TeamFactory, TournamentFactory, UserFactory

pytestmark = pytest.mark.django_db


def turns(user) -> list[tuple[int, int, int]]:
    return [
        (draft_id, tournament_id, round["pick_number"]) for draft_id, tournament_id, round in current_turns_of(user.pk)
    ]


def test_only_drafts_whose_current_round_is_the_users_are_listed(staff, django_assert_num_queries):
    world = draft_world(2, 4)
    captain, other = world.captains
    elsewhere = TournamentFactory()  # the same captain, second to pick there
    TeamFactory(tournament=elsewhere, draft_order=1)
    TeamFactory(tournament=elsewhere, draft_order=2, captain=captain)
    elsewhere.players.add(*(players := UserFactory.create_batch(4)))
    first = draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    second = draft_create(actor=staff, tournament=elsewhere, style=DraftStyle.SNAKE)

    with django_assert_num_queries(1):
        assert turns(captain) == [(first.pk, world.tournament.pk, 1)]
    assert turns(other) == []

    draft_pick(actor=staff, draft_id=first.pk, player_id=world.players[0].pk)
    draft_pick(actor=staff, draft_id=second.pk, player_id=players[0].pk)
    with django_assert_num_queries(1):
        assert turns(captain) == [(second.pk, elsewhere.pk, 2)]
    assert turns(other) == [(first.pk, world.tournament.pk, 2)]


def test_a_completed_draft_is_nobodys_turn(staff):
    world = draft_world(2, 1)
    draft = draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)

    assert turns(world.captains[0]) == []
    assert turns(world.captains[1]) == []
