"""The services the draft builds on: putting a player on a team and taking them off again."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backend.core.errors import Conflict
from backend.tournaments import services
from backend.tournaments.models import TeamMember
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_picked_player_joins_the_team_and_can_be_taken_off():
    team = TeamFactory()
    player = UserFactory()
    team.tournament.players.add(player)
    services.team_member_add(team=team, user=player)
    assert set(team.members.all()) == {team.captain, player}
    services.team_member_remove(team=team, user=player)
    assert set(team.members.all()) == {team.captain}


def test_an_unregistered_player_cannot_be_picked():
    team = TeamFactory()
    with pytest.raises(ValidationError):
        services.team_member_add(team=team, user=UserFactory())


def test_a_player_cannot_be_picked_by_two_teams_even_if_the_caller_forgets_to_check():
    team = TeamFactory()
    rival = TeamFactory(tournament=team.tournament)
    player = UserFactory()
    team.tournament.players.add(player)
    services.team_member_add(team=team, user=player)
    with pytest.raises(IntegrityError), transaction.atomic():
        services.team_member_add(team=rival, user=player)
    assert TeamMember.objects.get(user=player).team == team


def test_the_captain_cannot_be_taken_off():
    team = TeamFactory()
    with pytest.raises(Conflict):
        services.team_member_remove(team=team, user=team.captain)
