from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from backend.accounts.models import User, validate_positions, validate_steam_id


# Without a declared schema drf-spectacular warns with the field's repr, which evaluates the unique validator's
# queryset: `check --deploy` then fails on a database that is not migrated yet.
@extend_schema_field({"type": "string", "pattern": r"^\d{17}$", "nullable": True})
class SteamIdField(serializers.Field):
    """64-bit Steam ids travel as strings (they overflow JavaScript numbers); integers are accepted on input."""

    default_error_messages = {"invalid": "Not a Steam id: give the 17-digit steamid64 as a string."}

    def to_representation(self, value: int) -> str:
        return str(value)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip().isdigit():
            self.fail("invalid")
        value = int(str(data).strip())
        validate_steam_id(value)
        return value


class PositionsField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        validate_positions(data)
        return data


PUBLIC_FIELDS: tuple[str, ...] = (
    "id",
    "username",
    "nickname",
    "avatar",
    "discord_nickname",
    "guild_nickname",
    "is_guild_member",
    "steam_id",
    "mmr",
    "positions",
)
PRIVATE_FIELDS: tuple[str, ...] = ("email", "discord_id", "is_staff", "steam_tracking")


class UserPublicSerializer(serializers.ModelSerializer[User]):
    steam_id = SteamIdField(
        allow_null=True,
        required=False,
        validators=[UniqueValidator(User.objects.all(), message="Another player already has this Steam id.")],
    )
    positions = PositionsField(required=False)

    class Meta:
        model = User
        fields: tuple[str, ...] = PUBLIC_FIELDS
        read_only_fields: tuple[str, ...] = tuple(
            field for field in PUBLIC_FIELDS if field not in ("nickname", "steam_id", "positions")
        )


class UserPrivateSerializer(UserPublicSerializer):
    """What a user sees of themself, and staff of anyone."""

    class Meta(UserPublicSerializer.Meta):
        fields = PUBLIC_FIELDS + PRIVATE_FIELDS
        read_only_fields: tuple[str, ...] = (
            "id",
            "username",
            "avatar",
            "discord_nickname",
            "guild_nickname",
            "is_guild_member",
            "mmr",
            "email",
            "discord_id",
            "is_staff",
        )


class UserStaffUpdateSerializer(UserPrivateSerializer):
    """Staff may also set a player's MMR and guild membership."""

    class Meta(UserPrivateSerializer.Meta):
        read_only_fields = (
            "id",
            "username",
            "avatar",
            "discord_nickname",
            "guild_nickname",
            "email",
            "discord_id",
            "is_staff",
        )


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(read_only=True)
