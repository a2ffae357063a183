"""Reads of guild games."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet

from backend.accounts.models import User
from backend.matches.models import Match, MatchPlayer


def match_list(
    *, user: User | None = None, since: datetime | None = None, tournament_id: int | None = None
) -> QuerySet[Match]:
    """Guild games newest first, players in one extra query; `user` played, `since` started after, `tournament`'s."""
    matches = Match.objects.order_by("-start_time", "-match_id").prefetch_related(
        Prefetch("players", queryset=MatchPlayer.objects.order_by("player_slot"))
    )
    if user is not None:
        matches = matches.filter(players__user=user)
    if since is not None:
        matches = matches.filter(start_time__gte=since)
    if tournament_id is not None:
        matches = matches.filter(game__tournament_id=tournament_id)
    return matches
