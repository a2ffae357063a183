"""Demo data: the DTX organization (staff `teststaff`, admin `orgadmin`), a tournament whose teams and captains
are ready to draft, and a completed one with its games. Safe to run again: everything is found or created by name.
"""

from django.db import transaction

from backend.accounts.demo import PLAYER_NAMES
from backend.accounts.models import User
from backend.core.demodata import Progress
from backend.organizations.models import Organization
from backend.tournaments.models import (
    Game,
    GameStatus,
    Team,
    TeamMember,
    Tournament,
    TournamentState,
    TournamentType,
)

PLAYER_COUNT = 30
DRAFT_TEAMS = ("Ancient Apparitions", "Roshan's Pit", "Tango Traders", "Bottle Crows")
FINISHED_TEAMS = ("Radiant Regulars", "Dire Straits")


def _user(username: str, *, nickname: str = "", mmr: int = 0, is_staff: bool = False) -> User:
    """The accounts demo (run first) usually made this user already; alone, this demo makes its own."""
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={"nickname": nickname or username, "mmr": mmr, "is_staff": is_staff, "is_guild_member": True},
    )
    return user


def _team(tournament: Tournament, name: str, captain: User, draft_order: int, members: list[User]) -> Team:
    team, _ = Team.objects.get_or_create(
        tournament=tournament, name=name, defaults={"captain": captain, "draft_order": draft_order}
    )
    for user in [captain, *members]:
        TeamMember.objects.get_or_create(tournament=tournament, user=user, defaults={"team": team})
    return team


@transaction.atomic
def populate(progress: Progress) -> None:
    """Create (or find) the demo organization, its people, and two tournaments."""
    total = 5
    progress("organization", 0, total)
    staff = _user("teststaff", is_staff=True)
    org_admin = _user("orgadmin")
    organization, _ = Organization.objects.get_or_create(
        slug="dtx",
        defaults={"name": "DTX", "description": "The DTX Dota 2 community: inhouse leagues and drafts."},
    )
    organization.staff.add(staff)
    organization.admins.add(org_admin)

    progress("players", 1, total)
    players = [
        _user(name.lower().replace(" ", "_"), nickname=name, mmr=1500 + (index * 263) % 5000)
        for index, name in enumerate(PLAYER_NAMES[:PLAYER_COUNT], start=1)
    ]

    progress("tournament ready to draft", 2, total)
    draft_cup, _ = Tournament.objects.get_or_create(
        organization=organization,
        name="DTX Draft Cup",
        defaults={"tournament_type": TournamentType.SINGLE_ELIMINATION, "state": TournamentState.REGISTRATION},
    )
    draft_cup.players.add(*players[:24])
    # Captains: the highest-MMR registered players, one per team; the draft fills the teams.
    captains = sorted(players[:24], key=lambda user: -user.mmr)[: len(DRAFT_TEAMS)]
    for order, (name, captain) in enumerate(zip(DRAFT_TEAMS, captains, strict=True), start=1):
        _team(draft_cup, name, captain, order, [])

    progress("completed tournament", 3, total)
    league, _ = Tournament.objects.get_or_create(
        organization=organization,
        name="DTX Autumn League",
        defaults={"tournament_type": TournamentType.ROUND_ROBIN, "state": TournamentState.COMPLETED},
    )
    veterans = players[20:30]
    league.players.add(*veterans)
    radiant = _team(league, FINISHED_TEAMS[0], veterans[0], 1, veterans[1:5])
    dire = _team(league, FINISHED_TEAMS[1], veterans[5], 2, veterans[6:10])

    progress("games", 4, total)
    Game.objects.get_or_create(
        tournament=league,
        round=1,
        radiant_team=radiant,
        dire_team=dire,
        defaults={"status": GameStatus.FINISHED, "winning_team": radiant},
    )
    progress("done", total, total)
