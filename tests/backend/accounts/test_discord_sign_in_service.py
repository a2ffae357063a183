"""user_sign_in_from_discord on its own: what it copies from Discord, and a member signing in twice at once."""

import threading

import pytest
from django.db import connection
from social_django.models import UserSocialAuth

from backend.accounts.models import User
from backend.accounts.services import (
    DiscordProfile,
    GuildMembership,
    discord_avatar_url,
    user_sign_in_from_discord,
)
from tests.factories import UserFactory

PROFILE = DiscordProfile(discord_id="80351110224678912", username="nelly", global_name="Nelly", avatar_hash=None)


def test_unsafe_characters_are_dropped_from_the_username(db: None) -> None:
    profile = DiscordProfile(discord_id="1", username="ne lly#1234/<b>")

    user, _, is_new = user_sign_in_from_discord(profile=profile, guild=None)

    assert is_new
    assert user.username == "nelly1234b"
    user.full_clean(exclude=["password"])


def test_username_clash_gets_the_next_free_number(db: None) -> None:
    UserFactory(username="nelly", discord_id="7")
    UserFactory(username="Nelly2", discord_id="8")

    user, _, _ = user_sign_in_from_discord(profile=PROFILE, guild=None)

    assert user.username == "nelly3"


def test_overlong_names_from_discord_are_cut_to_fit(db: None) -> None:
    profile = DiscordProfile(discord_id="1", username="u" * 300, global_name="g" * 300)

    user, _, _ = user_sign_in_from_discord(profile=profile, guild=GuildMembership(is_member=True, nickname="n" * 300))

    user.refresh_from_db()
    user.full_clean(exclude=["password"])
    assert user.discord_nickname == "g" * 64
    assert user.guild_nickname == "n" * 64


def test_an_avatar_hash_that_is_not_a_hash_gives_the_default_avatar() -> None:
    assert discord_avatar_url("80351110224678912", "../../evil") == discord_avatar_url("80351110224678912", None)
    assert discord_avatar_url("80351110224678912", None).startswith("https://cdn.discordapp.com/embed/avatars/")


def test_invalid_email_from_discord_keeps_the_stored_one(db: None) -> None:
    UserFactory(username="nelly", discord_id=PROFILE.discord_id, email="kept@example.com")
    profile = DiscordProfile(discord_id=PROFILE.discord_id, username="nelly", email="not an address")

    user, _, _ = user_sign_in_from_discord(profile=profile, guild=None)

    assert user.email == "kept@example.com"


def test_the_association_follows_the_discord_id_to_its_user(db: None) -> None:
    stale = UserFactory(username="stale", discord_id="5")
    UserSocialAuth.objects.create(user=stale, provider="discord", uid=PROFILE.discord_id)

    user, social, _ = user_sign_in_from_discord(profile=PROFILE, guild=None)

    assert user.pk != stale.pk
    assert social.user_id == user.pk
    assert UserSocialAuth.objects.filter(provider="discord", uid=PROFILE.discord_id).count() == 1


def test_a_member_signing_in_twice_at_once_gets_one_user(transactional_db: None) -> None:
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def sign_in() -> None:
        try:
            barrier.wait()
            user, _, _ = user_sign_in_from_discord(profile=PROFILE, guild=GuildMembership(is_member=True))
            results.append(user.pk)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert len(results) == 4
    assert len(set(results)) == 1
    assert User.objects.filter(discord_id=PROFILE.discord_id).count() == 1
    assert UserSocialAuth.objects.filter(provider="discord", uid=PROFILE.discord_id).count() == 1


@pytest.mark.parametrize("guild", [None, GuildMembership(is_member=False)])
def test_guild_membership_is_only_changed_when_the_guild_was_asked(db: None, guild: GuildMembership | None) -> None:
    UserFactory(username="nelly", discord_id=PROFILE.discord_id, is_guild_member=True, guild_nickname="Nick")

    user, _, _ = user_sign_in_from_discord(profile=PROFILE, guild=guild)

    user.refresh_from_db()
    expected = (True, "Nick") if guild is None else (False, "")
    assert (user.is_guild_member, user.guild_nickname) == expected
