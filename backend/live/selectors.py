"""Reads of live games, for the API, the WebSocket snapshots and the home page."""

from collections.abc import Iterable
from typing import Any

from backend.accounts.models import User
from backend.live.models import LiveMatch
from backend.live.serializers import live_match_data


def live_matches_data(*, live_id: int | None = None) -> list[dict[str, Any]]:
    """Every tracked live game (or the one), as the contract's live match objects."""
    rows = LiveMatch.objects.tracked().order_by("started_at", "id")
    if live_id is not None:
        rows = rows.filter(live_id=live_id)
    return [live_match_data(row) for row in rows]


def live_match_known(*, live_id: int) -> bool:
    return LiveMatch.objects.filter(live_id=live_id).exists()


def live_games_now() -> list[dict[str, Any]]:
    """Every tracked live game as the home page's "Live now" lists it (`live_games_now_data`), in two queries."""
    return live_games_now_data(LiveMatch.objects.tracked().order_by("started_at", "id"))


def live_games_now_data(rows: Iterable[LiveMatch]) -> list[dict[str, Any]]:
    """Live games without their stats (which change every poll): what they are and which guild members play.

    Members are named as their public profile names them, in the order the game lists its players.
    """
    games = list(rows)
    user_ids = {player["user"] for game in games for player in game.players if player.get("user")}
    users = User.objects.filter(pk__in=user_ids).only("username", "nickname", "guild_nickname", "discord_nickname")
    names = {user.pk: user.display_name for user in users} if user_ids else {}
    return [
        {
            "live_id": str(game.live_id),
            "match_id": game.match_id,
            "league_id": game.league_id,
            "source": game.source,
            "members": [
                {"id": player["user"], "name": names[player["user"]]}
                for player in game.players
                if player.get("user") in names
            ],
        }
        for game in games
    ]
