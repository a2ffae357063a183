"""Each list and detail answers in the same number of queries with 5 rows as with 200: no N+1."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import User
from backend.organizations.models import Organization
from backend.tournaments.models import Game, Team, TeamMember, Tournament
from tests.conftest import client_for
from tests.factories import TeamFactory, TournamentFactory

pytestmark = pytest.mark.django_db

_serial = itertools.count()


def users(n: int) -> list[User]:
    batch = [User(username=f"bulk{next(_serial)}", mmr=1000 + i) for i in range(n)]
    return User.objects.bulk_create(batch)


def organizations(n: int) -> None:
    created = Organization.objects.bulk_create(
        [Organization(name=f"Org {next(_serial)}", slug=f"org-{next(_serial)}") for _ in range(n)]
    )
    people = users(3 * n)
    Organization.admins.through.objects.bulk_create(
        [Organization.admins.through(organization=org, user=people[3 * i]) for i, org in enumerate(created)]
    )
    Organization.staff.through.objects.bulk_create(
        [
            Organization.staff.through(organization=org, user=people[3 * i + offset])
            for i, org in enumerate(created)
            for offset in (1, 2)
        ]
    )


def bulk_teams(tournaments_and_orders: list[tuple[Tournament, int]]) -> None:
    """One team per (tournament, draft_order): a captain and one more member, both registered."""
    people = users(2 * len(tournaments_and_orders))
    created = Team.objects.bulk_create(
        [
            Team(tournament=tournament, name=f"Team {next(_serial)}", captain=people[2 * i], draft_order=order)
            for i, (tournament, order) in enumerate(tournaments_and_orders)
        ]
    )
    Tournament.players.through.objects.bulk_create(
        [
            Tournament.players.through(tournament_id=team.tournament_id, user=people[2 * i + offset])
            for i, team in enumerate(created)
            for offset in (0, 1)
        ]
    )
    TeamMember.objects.bulk_create(
        [
            TeamMember(team=team, tournament_id=team.tournament_id, user=people[2 * i + offset])
            for i, team in enumerate(created)
            for offset in (0, 1)
        ]
    )


def tournaments(organization: Organization, n: int) -> None:
    created = Tournament.objects.bulk_create(
        [Tournament(organization=organization, name=f"Cup {next(_serial)}", tournament_type="swiss") for _ in range(n)]
    )
    bulk_teams([(tournament, 1) for tournament in created])


def teams(tournament: Tournament, n: int) -> None:
    start = Team.objects.filter(tournament=tournament).count()
    bulk_teams([(tournament, start + index + 1) for index in range(n)])


def games(tournament: Tournament, n: int) -> None:
    radiant, dire = TeamFactory(tournament=tournament), TeamFactory(tournament=tournament)
    Game.objects.bulk_create(
        [Game(tournament=tournament, radiant_team=radiant, dire_team=dire, round=i % 5 + 1) for i in range(n)]
    )


def count_queries(url: str, expected_rows: int | None = None) -> int:
    client = client_for(None)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    if expected_rows is not None:
        assert len(response.json()["results"]) == expected_rows
    return len(queries)


def assert_same_at_5_and_200(url: str, add_rows, rows_of_list: bool = True) -> int:
    add_rows(5)
    small = count_queries(url, 5 if rows_of_list else None)
    add_rows(195)
    large = count_queries(url, 200 if rows_of_list else None)
    assert small == large, f"{url}: {small} queries with 5 rows, {large} with 200"
    return small


def test_organization_list(db):
    assert assert_same_at_5_and_200("/api/organizations/?page_size=200", organizations) <= 4


def test_organization_detail(organization):
    def add_staff(n):
        organization.staff.add(*users(n))

    assert assert_same_at_5_and_200(f"/api/organizations/{organization.pk}/", add_staff, rows_of_list=False) <= 3


def test_tournament_list(organization):
    assert assert_same_at_5_and_200("/api/tournaments/?page_size=200", lambda n: tournaments(organization, n)) <= 4


def test_tournament_detail_with_many_players_and_teams(organization):
    tournament = TournamentFactory(organization=organization)

    def add(n):
        tournament.players.add(*users(n))
        teams(tournament, max(1, n // 20))

    assert assert_same_at_5_and_200(f"/api/tournaments/{tournament.pk}/", add, rows_of_list=False) <= 3


def test_team_list_with_total_mmr(tournament):
    assert (
        assert_same_at_5_and_200(
            f"/api/teams/?tournament={tournament.pk}&page_size=200", lambda n: teams(tournament, n)
        )
        <= 3
    )


def test_team_detail_with_many_members(tournament):
    team = TeamFactory(tournament=tournament)

    def add(n):
        members = users(n)
        tournament.players.add(*members)
        TeamMember.objects.bulk_create([TeamMember(team=team, tournament=tournament, user=user) for user in members])

    assert assert_same_at_5_and_200(f"/api/teams/{team.pk}/", add, rows_of_list=False) <= 2


def test_game_list(tournament):
    assert assert_same_at_5_and_200("/api/games/?page_size=200", lambda n: games(tournament, n)) <= 2


def test_game_detail(tournament):
    games(tournament, 1)
    assert count_queries(f"/api/games/{Game.objects.get().pk}/") == 1
