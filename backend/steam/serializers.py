from typing import Any

from rest_framework import serializers

from backend.steam.ids import InvalidSteamQuery, parse_steam_query


class SteamResolveQuerySerializer(serializers.Serializer[Any]):
    query = serializers.CharField(
        max_length=200,
        help_text="A custom URL name, a profile URL (/id/<name>, /profiles/<steamid64>), a steamid64 or an account id.",
    )

    def validate_query(self, value: str) -> str:
        try:
            parse_steam_query(value)
        except InvalidSteamQuery as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value


class SteamAccountSerializer(serializers.Serializer[Any]):
    steam_id = serializers.CharField(help_text="steamid64, as a string")
    account_id = serializers.IntegerField()
    persona_name = serializers.CharField()
    avatar = serializers.CharField()
    profile_url = serializers.CharField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["steam_id"] = str(instance.steam_id)
        return data
