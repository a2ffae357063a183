"""Input of the draft endpoints, and the shapes of their output for the schema (built by backend.drafts.selectors)."""

from typing import Any

from rest_framework import serializers

from backend.accounts.serializers import UserPublicSerializer
from backend.core.fields import DATABASE_ID_MAX
from backend.drafts.models import DraftEvent, DraftStyle
from backend.tournaments.serializers import TeamSerializer

# --- input ----------------------------------------------------------------------------------------------------------


class DraftStyleSerializer(serializers.Serializer[Any]):
    style = serializers.ChoiceField(choices=DraftStyle.choices)  # type: ignore[assignment]  # DRF pops declared fields


class DraftPickSerializer(serializers.Serializer[Any]):
    player_id = serializers.IntegerField(min_value=1, max_value=DATABASE_ID_MAX, help_text="The player to pick")
    round = serializers.IntegerField(
        min_value=1,
        max_value=DATABASE_ID_MAX,
        required=False,
        help_text="The round the client saw as current: 409 unless it still is (a double click cannot pick twice)",
    )


class AfterSeqSerializer(serializers.Serializer[Any]):
    after_seq = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, default=0)


# --- output (documentation of the shapes) --------------------------------------------------------------------------


class DraftRoundOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    pick_number = serializers.IntegerField()
    phase = serializers.IntegerField()
    captain = serializers.IntegerField(allow_null=True, help_text="null: a shuffle round not yet decided")
    team = serializers.IntegerField(allow_null=True, help_text="null: a shuffle round not yet decided")
    choice = serializers.IntegerField(allow_null=True, help_text="The picked player's user id")
    picked_at = serializers.DateTimeField(allow_null=True)
    was_tie = serializers.BooleanField()
    tie_roll_data = serializers.JSONField(allow_null=True, help_text='{"tied_teams", "roll_rounds", "winner_id"}')


class DraftOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    tournament = serializers.IntegerField()
    style = serializers.ChoiceField(choices=DraftStyle.choices)  # type: ignore[assignment]  # DRF pops declared fields
    state = serializers.CharField()
    seq = serializers.IntegerField(help_text="The seq of the last event included")
    current_round = DraftRoundOutputSerializer(allow_null=True)
    rounds = DraftRoundOutputSerializer(many=True)
    available_players = UserPublicSerializer(many=True)
    teams = TeamSerializer(many=True)


class DraftEventSerializer(serializers.ModelSerializer[DraftEvent]):
    data = serializers.JSONField(  # type: ignore[assignment]  # DRF pops declared fields
        source="payload", help_text="As the WebSocket message's data"
    )

    class Meta:
        model = DraftEvent
        fields = ("seq", "type", "data", "actor", "created_at")
        read_only_fields = fields
