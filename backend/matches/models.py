"""Finished guild games (from Steam) and each member's sync cursor."""

from django.conf import settings
from django.db import models


class Team(models.TextChoices):
    RADIANT = "radiant", "Radiant"
    DIRE = "dire", "Dire"


class Match(models.Model):
    """A finished Dota match a guild member played. Written once: a finished match never changes."""

    match_id = models.BigIntegerField(unique=True)
    match_seq_num = models.BigIntegerField(unique=True)
    start_time = models.DateTimeField(db_index=True)
    duration = models.PositiveIntegerField(help_text="seconds")
    radiant_win = models.BooleanField()
    league_id = models.PositiveIntegerField(default=0)
    lobby_type = models.IntegerField(default=0)
    game_mode = models.IntegerField(default=0)
    radiant_score = models.PositiveIntegerField(null=True, blank=True)
    dire_score = models.PositiveIntegerField(null=True, blank=True)
    game = models.ForeignKey(
        "tournaments.Game",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="steam_matches",
        help_text="the tournament game this match was",
    )
    fetched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-match_id"]
        verbose_name_plural = "matches"

    def __str__(self) -> str:
        return f"match {self.match_id}"


class MatchPlayer(models.Model):
    """One player of a match. Anonymous players (hidden match data) are kept without an account or user."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="players")
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="match_players"
    )
    player_slot = models.PositiveSmallIntegerField()
    team = models.CharField(max_length=7, choices=Team.choices)
    hero_id = models.PositiveIntegerField(default=0)
    kills = models.PositiveIntegerField(default=0)
    deaths = models.PositiveIntegerField(default=0)
    assists = models.PositiveIntegerField(default=0)
    gpm = models.PositiveIntegerField(default=0)
    xpm = models.PositiveIntegerField(default=0)
    net_worth = models.PositiveIntegerField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(default=0)
    last_hits = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["match_id", "player_slot"]
        constraints = [
            models.UniqueConstraint(fields=["match", "player_slot"], name="match_player_unique_slot"),
            models.UniqueConstraint(
                fields=["match", "account_id"],
                condition=models.Q(account_id__isnull=False),
                name="match_player_unique_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id or 'anonymous'} in {self.match_id}"


class MemberSync(models.Model):
    """Where the guild-games sync stands for one member."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="match_sync")
    cursor_match_id = models.BigIntegerField(
        null=True, blank=True, help_text="The newest match id stored for this member; only ever moves forward"
    )
    history_private = models.BooleanField(default=False)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    private_checked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sync of user {self.user_id}"
