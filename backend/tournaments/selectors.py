"""Reads of tournaments, teams and games: a fixed number of queries per page, whatever its size."""

from django.db.models import F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce

from backend.accounts.models import User
from backend.tournaments.models import Game, Team, TeamMember, Tournament


def _ids_only() -> QuerySet[User]:
    return User.objects.only("id").order_by("id")


def tournament_list() -> QuerySet[Tournament]:
    """Every tournament, with its player and team ids prefetched."""
    return Tournament.objects.prefetch_related(
        Prefetch("players", queryset=_ids_only()),
        Prefetch("teams", queryset=Team.objects.only("id", "tournament_id").order_by("draft_order")),
    ).order_by("id")


def team_total_mmr() -> CombinedExpression:
    """The captain's MMR plus the other members' (the captain is a member too, and counts once)."""
    others = (
        TeamMember.objects.filter(team=OuterRef("pk"))
        .exclude(user=OuterRef("captain"))
        .order_by()
        .values("team")
        .annotate(total=Sum("user__mmr"))
        .values("total")
    )
    return Coalesce(Subquery(others, output_field=IntegerField()), Value(0)) + F("captain__mmr")


def team_list() -> QuerySet[Team]:
    """Every team, with `total_mmr` annotated and member ids prefetched."""
    return (
        Team.objects.annotate(total_mmr=team_total_mmr())
        .prefetch_related(Prefetch("members", queryset=_ids_only()))
        .order_by("tournament_id", "draft_order")
    )


def game_list() -> QuerySet[Game]:
    """Every game (all its references are ids: no joins needed)."""
    return Game.objects.order_by("tournament_id", "round", "id")
