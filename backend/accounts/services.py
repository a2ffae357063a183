import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token
from social_django.models import UserSocialAuth

from backend.accounts.models import User, default_positions
from backend.core.errors import Forbidden


@transaction.atomic
def user_token_rotate(*, user: User) -> str:
    """Create the user's API token, replacing any earlier one."""
    Token.objects.filter(user=user).delete()
    return str(Token.objects.create(user=user).key)


@transaction.atomic
def user_token_revoke(*, user: User) -> None:
    """Revoke the user's API token, if they have one."""
    Token.objects.filter(user=user).delete()


@transaction.atomic
def user_anonymise(*, user: User) -> None:
    """Erase the user's personal data and sign-in means; the row stays so tournament history keeps its shape."""
    user.username = f"deleted-{user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.nickname = user.discord_nickname = user.guild_nickname = user.avatar = ""
    user.discord_id = None
    user.steam_id = None
    user.steam_tracking = False
    user.is_guild_member = False
    user.is_active = False
    user.is_staff = user.is_superuser = False
    user.positions = default_positions()
    user.set_unusable_password()
    user.save()
    user.social_auth.all().delete()
    Token.objects.filter(user=user).delete()


@dataclass(frozen=True)
class DiscordProfile:
    """What Discord says about the member signing in (users/@me), already checked for shape."""

    discord_id: str
    username: str
    global_name: str = ""
    avatar_hash: str | None = None
    email: str = ""


@dataclass(frozen=True)
class GuildMembership:
    """The member's record in the DTX guild: `is_member` False when Discord answered 404."""

    is_member: bool
    nickname: str = ""


class AccountDisabled(Forbidden):
    code = "account_disabled"


DISCORD_CDN = "https://cdn.discordapp.com"
AVATAR_HASH = re.compile(r"^(a_)?[0-9a-f]{32}$")
USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


def discord_avatar_url(discord_id: str, avatar_hash: str | None) -> str:
    """The CDN URL of the member's avatar, or of Discord's default avatar when they have none."""
    if avatar_hash and AVATAR_HASH.match(avatar_hash):
        extension = "gif" if avatar_hash.startswith("a_") else "png"
        return f"{DISCORD_CDN}/avatars/{discord_id}/{avatar_hash}.{extension}"
    # Discord's rule for members without an avatar (new username system): (id >> 22) % 6.
    return f"{DISCORD_CDN}/embed/avatars/{(int(discord_id) >> 22) % 6}.png"


def _free_username(wanted: str) -> str:
    """A username nobody has yet: the Discord username, with a number appended on a clash."""
    base = USERNAME_UNSAFE.sub("", wanted)[:140] or "player"
    candidate, suffix = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        suffix += 1
        candidate = f"{base}{suffix}"
    return candidate


def _clean_email(email: str) -> str:
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return email


def _user_from_discord(*, profile: DiscordProfile, guild: GuildMembership | None) -> tuple[User, UserSocialAuth, bool]:
    user = User.objects.select_for_update().filter(discord_id=profile.discord_id).first()
    is_new = user is None
    if user is None:
        user = User(username=_free_username(profile.username), discord_id=profile.discord_id)
        user.set_unusable_password()
    elif not user.is_active:
        raise AccountDisabled(
            "This account has been disabled, so it cannot sign in. Ask the DTX staff if you think this is a mistake."
        )
    nickname_length = User._meta.get_field("discord_nickname").max_length or 64
    user.avatar = discord_avatar_url(profile.discord_id, profile.avatar_hash)
    user.discord_nickname = (profile.global_name or profile.username)[:nickname_length]
    if profile.email:
        user.email = _clean_email(profile.email) or user.email
    if guild is not None:
        user.is_guild_member = guild.is_member
        user.guild_nickname = guild.nickname[: User._meta.get_field("guild_nickname").max_length or 64]
    user.save()
    social, _ = UserSocialAuth.objects.update_or_create(
        provider="discord", uid=profile.discord_id, defaults={"user": user, "extra_data": {}}
    )
    return user, social, is_new


def user_sign_in_from_discord(
    *, profile: DiscordProfile, guild: GuildMembership | None
) -> tuple[User, UserSocialAuth, bool]:
    """Create or refresh the user with this Discord id, matched by Discord id only; refuses disabled accounts.

    `guild` is None when no DTX guild is configured (membership is then left as it is). Returns the user, their
    Discord association (which social-auth needs to log them in) and whether the user is new.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _user_from_discord(profile=profile, guild=guild)
        except IntegrityError:
            # A concurrent first sign-in of the same member (or of another member wanting the same username)
            # committed first; the next attempt sees its row and updates it or picks another name.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
