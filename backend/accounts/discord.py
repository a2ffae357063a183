"""Discord sign-in, with the Discord base URL taken from settings so tests can talk to a fake Discord."""

from typing import Any

import requests
from django.conf import settings
from social_core.backends.discord import DiscordOAuth2 as SocialDiscordOAuth2
from social_core.exceptions import AuthException


class DiscordOAuth2(SocialDiscordOAuth2):
    """social-core's backend hard-codes https://discord.com; every URL here follows DISCORD_API_BASE_URL."""

    @property
    def base_url(self) -> str:
        return str(settings.DISCORD_API_BASE_URL)

    def authorization_url(self) -> str:
        return f"{self.base_url}/api/oauth2/authorize"

    def access_token_url(self) -> str:
        return f"{self.base_url}/api/oauth2/token"

    def revoke_token_url(self, token: str, uid: str) -> str:
        return f"{self.base_url}/api/oauth2/token/revoke"

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        return self.get_json(f"{self.base_url}/api/users/@me", headers={"Authorization": f"Bearer {access_token}"})

    def guild_member(self, access_token: str, guild_id: str) -> dict[str, Any] | None:
        """The caller's member record in the guild, or None when they are not in it."""
        try:
            return self.get_json(
                f"{self.base_url}/api/users/@me/guilds/{guild_id}/member",
                headers={"Authorization": f"Bearer {access_token}"},
            )
        except AuthException as error:
            # Discord answers 404 "Unknown Guild" to a user who is not in the guild: not a failed login.
            cause = error.__cause__
            if (
                isinstance(cause, requests.HTTPError)
                and cause.response is not None
                and cause.response.status_code == 404
            ):
                return None
            raise
