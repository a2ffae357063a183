from typing import Any

from rest_framework import serializers

from backend.accounts.models import User
from backend.core.fields import IdField
from backend.organizations.models import Organization
from backend.organizations.serializers import LEAGUE_ID_MAX, user_ids
from backend.tournaments.models import Game, GameStatus, Team, Tournament, TournamentState, TournamentType

SMALL_INT_MAX = 32767
MATCH_ID_MAX = 2**63 - 1


# --- output ---------------------------------------------------------------------------------------------------------


class TournamentSerializer(serializers.ModelSerializer[Tournament]):
    players: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Registered players' user ids"
    )
    teams: serializers.PrimaryKeyRelatedField[Team] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Team ids, in draft order"
    )

    class Meta:
        model = Tournament
        fields = (
            "id",
            "name",
            "organization",
            "tournament_type",
            "state",
            "date",
            "players",
            "teams",
            "steam_league_id",
        )
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer[Team]):
    members: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="User ids, the captain included"
    )
    total_mmr = serializers.IntegerField(read_only=True, help_text="The captain's MMR plus the other members'")

    class Meta:
        model = Team
        fields = ("id", "tournament", "name", "captain", "members", "draft_order", "total_mmr")
        read_only_fields = fields


class GameSerializer(serializers.ModelSerializer[Game]):
    class Meta:
        model = Game
        fields = ("id", "tournament", "radiant_team", "dire_team", "winning_team", "steam_match_id", "round", "status")
        read_only_fields = fields


# --- input ----------------------------------------------------------------------------------------------------------


class TournamentCreateSerializer(serializers.Serializer[Any]):
    organization = IdField(queryset=Organization.objects.all())
    name = serializers.CharField(max_length=100)
    tournament_type = serializers.ChoiceField(choices=TournamentType.choices)
    date = serializers.DateField(required=False, allow_null=True)
    steam_league_id = serializers.IntegerField(min_value=1, max_value=LEAGUE_ID_MAX, required=False, allow_null=True)


class TournamentUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    tournament_type = serializers.ChoiceField(choices=TournamentType.choices, required=False)
    state = serializers.ChoiceField(
        choices=TournamentState.choices,
        required=False,
        help_text="Only the next state: registration -> drafting -> in_progress -> completed (409 otherwise).",
    )
    date = serializers.DateField(required=False, allow_null=True)
    steam_league_id = serializers.IntegerField(min_value=1, max_value=LEAGUE_ID_MAX, required=False, allow_null=True)


class PlayerRegistrationSerializer(serializers.Serializer[Any]):
    user_id = IdField(queryset=User.objects.filter(is_active=True), help_text="The player to register")


class TeamCreateSerializer(serializers.Serializer[Any]):
    tournament = IdField(queryset=Tournament.objects.all())
    name = serializers.CharField(max_length=100)
    captain = IdField(queryset=User.objects.filter(is_active=True), help_text="A registered player's user id")
    draft_order = serializers.IntegerField(min_value=1, max_value=SMALL_INT_MAX, help_text="1 picks first")
    members = user_ids(required=False, help_text="User ids of registered players; the captain is added")


class TeamUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    captain = IdField(queryset=User.objects.filter(is_active=True), required=False)
    draft_order = serializers.IntegerField(min_value=1, max_value=SMALL_INT_MAX, required=False)
    members = user_ids(required=False, help_text="Replaces the members; the captain is always kept")


class GameUpdateSerializer(serializers.Serializer[Any]):
    radiant_team = IdField(queryset=Team.objects.all(), required=False)
    dire_team = IdField(queryset=Team.objects.all(), required=False)
    winning_team = IdField(
        queryset=Team.objects.all(), required=False, allow_null=True, help_text="Radiant or dire; only when finished"
    )
    steam_match_id = serializers.IntegerField(min_value=1, max_value=MATCH_ID_MAX, required=False, allow_null=True)
    round = serializers.IntegerField(min_value=1, max_value=SMALL_INT_MAX, required=False)
    status = serializers.ChoiceField(choices=GameStatus.choices, required=False)


class GameCreateSerializer(GameUpdateSerializer):
    tournament = IdField(queryset=Tournament.objects.all())
    radiant_team = IdField(queryset=Team.objects.all())
    dire_team = IdField(queryset=Team.objects.all())
