"""Simultaneous writes keep the rules: the tournament row lock serializes roster and registration changes, and the
database's unique constraints back it up."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection

from backend.core.errors import Conflict
from backend.tournaments import services
from backend.tournaments.models import TeamMember
from tests.factories import OrganizationFactory, TournamentFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls) -> list[object]:
    """Run each call in its own thread (own database connection), released at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def worker(index: int, call) -> None:
        barrier.wait()
        try:
            outcomes[index] = call()
        except (ValidationError, Conflict, IntegrityError) as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_two_teams_created_at_once_with_one_player_keep_them_on_one_team():
    tournament = TournamentFactory(organization=OrganizationFactory())
    staff = UserFactory()
    first_captain, second_captain, wanted = UserFactory(), UserFactory(), UserFactory()
    tournament.players.add(first_captain, second_captain, wanted)

    def create(name: str, captain, order: int):
        return lambda: services.team_create(
            actor=staff, tournament=tournament, name=name, captain=captain, draft_order=order, members=[wanted]
        )

    for _ in range(5):
        TeamMember.objects.all().delete()
        tournament.teams.all().delete()
        outcomes = run_together(create("A", first_captain, 1), create("B", second_captain, 2))
        refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
        assert len(refused) == 1, outcomes
        assert TeamMember.objects.filter(tournament=tournament, user=wanted).count() == 1


def test_a_double_registration_registers_once():
    tournament = TournamentFactory(organization=OrganizationFactory())
    player = UserFactory()

    def register():
        return services.tournament_player_register(actor=player, tournament=tournament, user=player, by_staff=False)

    outcomes = run_together(register, register)
    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1, outcomes
    assert tournament.players.filter(pk=player.pk).count() == 1
