from typing import Any

from rest_framework import serializers

from backend.matches.models import Match, MatchPlayer


class MatchPlayerSerializer(serializers.ModelSerializer[MatchPlayer]):
    class Meta:
        model = MatchPlayer
        fields = [
            "account_id",
            "user",
            "team",
            "hero_id",
            "kills",
            "deaths",
            "assists",
            "gpm",
            "xpm",
            "net_worth",
            "level",
            "last_hits",
        ]


class MatchSerializer(serializers.ModelSerializer[Match]):
    players = MatchPlayerSerializer(many=True, read_only=True)

    class Meta:
        model = Match
        fields = [
            "match_id",
            "match_seq_num",
            "start_time",
            "duration",
            "radiant_win",
            "league_id",
            "lobby_type",
            "game_mode",
            "radiant_score",
            "dire_score",
            "game",
            "players",
        ]


class MatchFilterSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(required=False, min_value=1)
    tournament = serializers.IntegerField(required=False, min_value=1)
    since = serializers.DateTimeField(required=False)
