from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

# Every Steam id of an individual account is 0x0110000100000000 + the 32-bit account id.
STEAM_ID64_BASE = 76561197960265728
STEAM_ID64_MAX = STEAM_ID64_BASE + 2**32 - 1
POSITION_COUNT = 5


def validate_steam_id(value: int) -> None:
    if not STEAM_ID64_BASE < value <= STEAM_ID64_MAX:
        raise ValidationError(
            "Not a Steam id: a 17-digit steamid64 of an individual account, such as 76561197960287930.",
            code="invalid_steam_id",
        )


def validate_positions(value: object) -> None:
    if (
        not isinstance(value, list)
        or len(value) != POSITION_COUNT
        or not all(isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 5 for item in value)
    ):
        raise ValidationError(
            "positions must be 5 integers, one per Dota position: 1 (best) to 5 (least), or 0 (won't play).",
            code="invalid_positions",
        )


def default_positions() -> list[int]:
    return [0] * POSITION_COUNT


class User(AbstractUser):
    discord_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    avatar = models.URLField(max_length=500, blank=True)
    nickname = models.CharField(max_length=64, blank=True)
    discord_nickname = models.CharField(max_length=64, blank=True, help_text="Discord global name")
    guild_nickname = models.CharField(max_length=64, blank=True, help_text="Nickname in the DTX Discord guild")
    is_guild_member = models.BooleanField(default=False)
    steam_id = models.BigIntegerField(unique=True, null=True, blank=True, validators=[validate_steam_id])
    steam_tracking = models.BooleanField(default=True, help_text="Poll this player's Steam games")
    mmr = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(20000)])
    positions = models.JSONField(default=default_positions, validators=[validate_positions])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(steam_id__isnull=True)
                | models.Q(steam_id__gt=STEAM_ID64_BASE, steam_id__lte=STEAM_ID64_MAX),
                name="user_steam_id_is_steamid64",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.nickname or self.guild_nickname or self.discord_nickname or self.username

    @property
    def account_id(self) -> int | None:
        return None if self.steam_id is None else self.steam_id - STEAM_ID64_BASE
