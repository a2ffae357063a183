"""Discord sign-in, with the Discord base URL taken from settings so tests can talk to a fake Discord."""

import re
from typing import Any

from django.conf import settings
from social_core.backends.discord import DiscordOAuth2 as SocialDiscordOAuth2
from social_core.exceptions import AuthProviderError, AuthResponseError

# Discord ids are snowflakes: decimal strings of a 64-bit integer.
SNOWFLAKE = re.compile(r"^[0-9]{1,20}$")


class DiscordOAuth2(SocialDiscordOAuth2):
    """social-core's backend hard-codes https://discord.com; every URL here follows DISCORD_API_BASE_URL.

    Settings are read on each call, not at import, so the guild scope and the base URL follow the
    configuration in force for the request.
    """

    @property
    def base_url(self) -> str:
        return str(settings.DISCORD_API_BASE_URL).rstrip("/")

    def authorization_url(self) -> str:
        return f"{self.base_url}/oauth2/authorize"

    def access_token_url(self) -> str:
        return f"{self.base_url}/api/oauth2/token"

    def revoke_token_url(self, token: str, uid: str) -> str:
        return f"{self.base_url}/api/oauth2/token/revoke"

    def get_scope(self) -> list[str]:
        scope = ["identify", "email"]
        if settings.DISCORD_GUILD_ID:
            scope.append("guilds.members.read")
        return scope

    def extra_data(
        self,
        user: Any,
        uid: str,
        response: dict[str, Any],
        details: dict[str, Any],
        pipeline_kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        # The access and refresh tokens are used once, during sign-in, and never stored: nothing later
        # calls Discord on the member's behalf, so a leaked database row must not hand out their tokens.
        return {}

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        profile = self.get_json(f"{self.base_url}/api/users/@me", headers=self._bearer(access_token))
        if not isinstance(profile, dict) or not SNOWFLAKE.match(str(profile.get("id", ""))):
            raise AuthResponseError(self, code="malformed_response", claim="id", stage="user_info")
        # The profile is merged into the token response; make sure it cannot overwrite the token fields.
        return {key: value for key, value in profile.items() if key not in ("access_token", "refresh_token")}

    def guild_member(self, access_token: str, guild_id: str) -> dict[str, Any] | None:
        """The caller's member record in the guild, or None when they are not in it."""
        try:
            member = self.get_json(
                f"{self.base_url}/api/users/@me/guilds/{guild_id}/member", headers=self._bearer(access_token)
            )
        except AuthProviderError as error:
            # Discord answers 404 "Unknown Guild" to a user who is not in the guild: not a failed sign-in.
            if error.status_code == 404:
                return None
            raise
        if not isinstance(member, dict):
            raise AuthResponseError(self, code="malformed_response", stage="user_info")
        return member

    @staticmethod
    def _bearer(access_token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {access_token}"}
