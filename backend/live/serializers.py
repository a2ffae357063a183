from typing import Any

from rest_framework import serializers

from backend.live.models import LiveMatch


def live_match_data(row: LiveMatch) -> dict[str, Any]:
    """The contract's live match object; 64-bit ids as strings, a stat the source lacks as null."""
    return {
        "live_id": str(row.live_id),
        "match_id": row.match_id,
        "server_steam_id": str(row.server_steam_id) if row.server_steam_id else None,
        "league_id": row.league_id,
        "game_time": row.game_time,
        "radiant_score": row.radiant_score,
        "dire_score": row.dire_score,
        "radiant_lead": row.radiant_lead,
        "source": row.source,
        "players": row.players,
        "refresh_seconds": row.refresh_seconds,
        "updated_at": serializers.DateTimeField().to_representation(row.updated_at),
    }


class LivePlayerSerializer(serializers.Serializer[Any]):
    account_id = serializers.IntegerField(allow_null=True)
    user = serializers.IntegerField(allow_null=True)
    hero_id = serializers.IntegerField(allow_null=True)
    team = serializers.CharField(allow_null=True)
    kills = serializers.IntegerField(allow_null=True)
    deaths = serializers.IntegerField(allow_null=True)
    assists = serializers.IntegerField(allow_null=True)
    net_worth = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField(allow_null=True)
    gpm = serializers.IntegerField(allow_null=True)
    xpm = serializers.IntegerField(allow_null=True)


class LiveMatchSerializer(serializers.ModelSerializer[LiveMatch]):
    """Documents the shape for the schema; `live_match_data` builds it (the broadcasts share it)."""

    live_id = serializers.CharField()
    server_steam_id = serializers.CharField(allow_null=True)
    players = LivePlayerSerializer(many=True)

    class Meta:
        model = LiveMatch
        fields = [
            "live_id",
            "match_id",
            "server_steam_id",
            "league_id",
            "game_time",
            "radiant_score",
            "dire_score",
            "radiant_lead",
            "source",
            "players",
            "refresh_seconds",
            "updated_at",
        ]

    def to_representation(self, instance: LiveMatch) -> dict[str, Any]:
        return live_match_data(instance)
