from django.db import transaction
from rest_framework.authtoken.models import Token

from backend.accounts.models import User, default_positions


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
