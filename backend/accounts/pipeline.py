"""The Discord sign-in pipeline steps: read everything from Discord first, then write the user in one transaction.

Every network call happens before the first write, so a Discord failure leaves no half-made user.
"""

from typing import Any

from django.conf import settings

from backend.accounts import services
from backend.accounts.discord import DiscordOAuth2


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def fetch_guild_member(backend: Any, response: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """With DISCORD_GUILD_ID set, read the member's record in the guild (None when they are not in it)."""
    if not settings.DISCORD_GUILD_ID or not isinstance(backend, DiscordOAuth2):
        return {"guild": None}
    member = backend.guild_member(response["access_token"], settings.DISCORD_GUILD_ID)
    if member is None:
        return {"guild": services.GuildMembership(is_member=False)}
    return {"guild": services.GuildMembership(is_member=True, nickname=_text(member.get("nick")))}


def sign_in_user(
    uid: str,
    response: dict[str, Any],
    guild: services.GuildMembership | None = None,
    *args: Any,
    **kwargs: Any,
) -> dict[str, Any]:
    """Create or refresh the user from the Discord profile; the user is matched by Discord id only."""
    avatar_hash = response.get("avatar")
    profile = services.DiscordProfile(
        discord_id=str(uid),
        username=_text(response.get("username")),
        global_name=_text(response.get("global_name")),
        avatar_hash=avatar_hash if isinstance(avatar_hash, str) else None,
        # An unverified address may belong to someone else: only a verified one is kept.
        email=_text(response.get("email")) if response.get("verified") is True else "",
    )
    user, social, is_new = services.user_sign_in_from_discord(profile=profile, guild=guild)
    return {"user": user, "social": social, "is_new": is_new}
