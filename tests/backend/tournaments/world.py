"""A small organization with every role in it, and a snapshot of the domain tables to prove a refused write."""

from dataclasses import dataclass
from typing import Any

from backend.accounts.models import User
from backend.organizations.models import Organization
from backend.tournaments.models import Game, Team, TeamMember, Tournament
from tests.factories import GameFactory, OrganizationFactory, TeamFactory, TournamentFactory, UserFactory


@dataclass
class World:
    organization: Organization
    other_organization: Organization
    empty_organization: Organization
    tournament: Tournament
    spare_tournament: Tournament
    team: Team  # the captain's
    rival_team: Team
    spare_team: Team  # no games
    game: Game
    registered: User  # a registered player on no team


def build_world(
    *,
    organization: Organization,
    other_organization: Organization,
    tournament: Tournament,
    captain: User,
    org_admin: User,
    org_staff: User,
) -> World:
    team = Team.objects.get(captain=captain)
    rival_team = TeamFactory(tournament=tournament, name="Rivals", draft_order=2)
    spare_team = TeamFactory(tournament=tournament, name="Spare", draft_order=3)
    registered = UserFactory(username="registered")
    tournament.players.add(registered)
    empty_organization = OrganizationFactory(name="Empty", slug="empty")
    empty_organization.admins.add(org_admin)
    empty_organization.staff.add(org_staff)
    return World(
        organization=organization,
        other_organization=other_organization,
        empty_organization=empty_organization,
        tournament=tournament,
        spare_tournament=TournamentFactory(organization=organization, name="Spare Cup"),
        team=team,
        rival_team=rival_team,
        spare_team=spare_team,
        game=GameFactory(tournament=tournament, radiant_team=team, dire_team=rival_team),
        registered=registered,
    )


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the domain's tables (many-to-many included), in a stable order."""
    tables: dict[str, Any] = {
        "organizations": Organization.objects.all(),
        "organization_admins": Organization.admins.through.objects.all(),
        "organization_staff": Organization.staff.through.objects.all(),
        "tournaments": Tournament.objects.all(),
        "tournament_players": Tournament.players.through.objects.all(),
        "teams": Team.objects.all(),
        "team_members": TeamMember.objects.all(),
        "games": Game.objects.all(),
    }
    return {name: list(rows.order_by("pk").values()) for name, rows in tables.items()}
