from typing import Any

from rest_framework import serializers

from backend.accounts.models import User
from backend.core.fields import IdField
from backend.organizations.models import Organization

LEAGUE_ID_MAX = 2**31 - 1


def user_ids(**kwargs: Any) -> IdField:
    return IdField(many=True, queryset=User.objects.filter(is_active=True), **kwargs)


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    logo = serializers.CharField(read_only=True, help_text="The logo's URL, or empty")  # "" is not a "uri"
    admins: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="User ids"
    )
    staff: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="User ids"
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "slug",
            "description",
            "logo",
            "discord_guild_id",
            "steam_league_id",
            "admins",
            "staff",
        )
        read_only_fields = fields


class OrganizationWriteSerializer(serializers.Serializer[Any]):
    """Create (name required) or, partially, update an organization."""

    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=100, required=False, help_text="Derived from the name when omitted.")
    description = serializers.CharField(required=False, allow_blank=True)
    logo = serializers.URLField(max_length=500, required=False, allow_blank=True)
    discord_guild_id = serializers.RegexField(r"^[0-9]{1,32}$", required=False, allow_blank=True)
    steam_league_id = serializers.IntegerField(min_value=1, max_value=LEAGUE_ID_MAX, required=False, allow_null=True)
    admins = user_ids(required=False, help_text="User ids; replaces the whole list")
    staff = user_ids(required=False, help_text="User ids; replaces the whole list")
