"""Reads for the server-rendered pages: a fixed number of queries per page, whatever the tournament's size.

The live draft comes from the drafts app when it is installed (`apps.is_installed`), so these pages do not depend
on it being there.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Count, Prefetch, Q, QuerySet

from backend.accounts.models import User
from backend.live.selectors import live_games_now
from backend.tournaments.models import Game, GameStatus, Team, Tournament, TournamentState
from backend.tournaments.selectors import team_total_mmr

DRAFTS_APP = "backend.drafts"


def live_drafts() -> list[dict[str, Any]]:
    """Drafts in progress now, newest first (none when the drafts app is not installed)."""
    if not apps.is_installed(DRAFTS_APP):
        return []
    from backend.drafts.selectors import drafts_in_progress_data

    return drafts_in_progress_data()


def live_now() -> dict[str, list[dict[str, Any]]]:
    """What the home page lists under "Live now", as `/ws/now/` sends it: drafts in progress and live games."""
    return {"drafts": live_drafts(), "games": live_games_now()}


def draft_id_of(tournament_id: int) -> int | None:
    """The id of the tournament's draft, or None (also when the drafts app is not installed)."""
    if not apps.is_installed(DRAFTS_APP):
        return None
    draft_model: Any = apps.get_app_config("drafts").get_model("Draft")
    return draft_model.objects.filter(tournament_id=tournament_id).values_list("id", flat=True).first()


def _with_counts(tournaments: QuerySet[Tournament]) -> QuerySet[Tournament]:
    return tournaments.select_related("organization").annotate(
        player_count=Count("players", distinct=True), team_count=Count("teams", distinct=True)
    )


def tournaments_current() -> QuerySet[Tournament]:
    """Tournaments not yet completed: registration first, then by date (undated last)."""
    return _with_counts(Tournament.objects.exclude(state=TournamentState.COMPLETED)).order_by("state", "date", "id")


def tournaments_recent(limit: int = 5) -> QuerySet[Tournament]:
    """The latest completed tournaments."""
    return _with_counts(Tournament.objects.filter(state=TournamentState.COMPLETED)).order_by("-date", "-id")[:limit]


@dataclass
class TeamStanding:
    team: Team
    wins: int = 0
    losses: int = 0


@dataclass
class TournamentPage:
    tournament: Tournament
    players: list[User]
    teams: Sequence[Team]
    games: list[Game]
    standings: list[TeamStanding] = field(default_factory=list)
    draft_id: int | None = None


def tournament_page(tournament_id: int) -> TournamentPage | None:
    """Everything the tournament page shows, in six queries (seven with the drafts app), or None if it is missing."""
    tournament = Tournament.objects.select_related("organization").filter(pk=tournament_id).first()
    if tournament is None:
        return None
    players = list(tournament.players.order_by("-mmr", "username"))
    teams = list(
        Team.objects.filter(tournament=tournament)
        .annotate(total_mmr=team_total_mmr())
        .select_related("captain")
        .prefetch_related(Prefetch("members", queryset=User.objects.order_by("-mmr", "username")))
        .order_by("draft_order")
    )
    games = list(
        Game.objects.filter(tournament=tournament)
        .select_related("radiant_team", "dire_team", "winning_team")
        .order_by("round", "id")
    )
    standings = {team.pk: TeamStanding(team=team) for team in teams}
    for game in games:
        if game.status != GameStatus.FINISHED or game.winning_team_id is None:
            continue
        loser_id = game.dire_team_id if game.winning_team_id == game.radiant_team_id else game.radiant_team_id
        standings[game.winning_team_id].wins += 1
        standings[loser_id].losses += 1
    ranked = sorted(
        (standing for standing in standings.values() if standing.wins or standing.losses),
        key=lambda standing: (-standing.wins, standing.losses, standing.team.draft_order),
    )
    return TournamentPage(
        tournament=tournament,
        players=players,
        teams=teams,
        games=games,
        standings=ranked,
        draft_id=draft_id_of(tournament.pk),
    )


def draft_board(draft_id: int, viewer: Any) -> dict[str, Any] | None:
    """What the draft board page starts from: the snapshot, every player it may name, and who is looking."""
    from backend.accounts.serializers import PUBLIC_FIELDS
    from backend.drafts.selectors import draft_snapshot, public_user
    from backend.organizations.permissions import can_manage_organization_content

    snapshot = draft_snapshot(draft_id)
    if snapshot is None:
        return None
    tournament = Tournament.objects.select_related("organization").get(pk=snapshot["tournament"])
    people = (
        User.objects.filter(Q(registered_tournaments=tournament.pk) | Q(team_memberships__tournament=tournament.pk))
        .distinct()
        .order_by("id")
        .values(*PUBLIC_FIELDS)
    )
    signed_in = bool(viewer.is_authenticated)
    return {
        "tournament": tournament,
        "snapshot": snapshot,
        "players": [public_user(row) for row in people],
        "viewer": {
            "id": viewer.pk if signed_in else None,
            "can_manage": signed_in and can_manage_organization_content(viewer, tournament.organization_id),
        },
    }
