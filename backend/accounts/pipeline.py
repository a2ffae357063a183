"""The Discord sign-in pipeline: find the user by Discord id only, then copy the Discord profile onto them."""

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from backend.accounts.discord import DiscordOAuth2
from backend.accounts.models import User

DISCORD_CDN = "https://cdn.discordapp.com"


def avatar_url(discord_id: str, avatar_hash: str | None) -> str:
    if not avatar_hash:
        return ""
    extension = "gif" if avatar_hash.startswith("a_") else "png"
    return f"{DISCORD_CDN}/avatars/{discord_id}/{avatar_hash}.{extension}"


def fetch_guild_member(backend: Any, response: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Read the guild member record before any user is written, so a Discord failure leaves nothing half-made."""
    if not settings.DISCORD_GUILD_ID or not isinstance(backend, DiscordOAuth2):
        return {"guild_checked": False, "guild_member": None}
    member = backend.guild_member(response["access_token"], settings.DISCORD_GUILD_ID)
    return {"guild_checked": True, "guild_member": member}


def user_by_discord_id(uid: str, user: User | None = None, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Match a returning member by Discord id, never by username or e-mail (both can be taken over)."""
    if user is not None:
        return {}
    return {"user": User.objects.filter(discord_id=uid).first()}


def _free_username(wanted: str) -> str:
    base = (wanted or "player")[:140]
    candidate, suffix = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        suffix += 1
        candidate = f"{base}{suffix}"
    return candidate


def create_or_update_user(
    uid: str,
    response: dict[str, Any],
    details: dict[str, Any],
    user: User | None = None,
    guild_checked: bool = False,
    guild_member: dict[str, Any] | None = None,
    *args: Any,
    **kwargs: Any,
) -> dict[str, Any]:
    """Create the user on first sign-in; on every sign-in refresh what Discord owns (avatar, names, guild)."""
    fields: dict[str, Any] = {
        "discord_id": uid,
        "avatar": avatar_url(uid, response.get("avatar")),
        "discord_nickname": response.get("global_name") or response.get("username") or "",
    }
    if details.get("email"):
        fields["email"] = details["email"]
    if guild_checked:
        fields["is_guild_member"] = guild_member is not None
        fields["guild_nickname"] = (guild_member or {}).get("nick") or ""
    is_new = user is None
    for attempt in range(3):
        try:
            with transaction.atomic():
                if user is None:
                    user = User(username=_free_username(details.get("username") or response.get("username", "")))
                    user.set_unusable_password()
                for name, value in fields.items():
                    setattr(user, name, value)
                user.save()
            break
        except IntegrityError:
            # Two sign-ins of one new member at once: the other created the row; use it.
            existing = User.objects.filter(discord_id=uid).first()
            if existing is None and attempt == 2:
                raise
            user, is_new = existing, False
    return {"user": user, "is_new": is_new}
