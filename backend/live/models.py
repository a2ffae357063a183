"""The latest snapshot of each live game a guild member (or a tracked league) plays."""

from django.db import models


class LiveSource(models.TextChoices):
    LEAGUE = "league", "League lobby (GetLiveLeagueGames)"
    TOP_LIVE = "top_live", "Top live game (GetTopLiveGame + GetRealtimeStats)"


class LiveMatchQuerySet(models.QuerySet["LiveMatch"]):
    def tracked(self) -> "LiveMatchQuerySet":
        return self.filter(ended_at__isnull=True)


class LiveMatch(models.Model):
    """Keyed by the lobby id: a live game's match id can be 0 for its first minutes."""

    live_id = models.BigIntegerField(unique=True, help_text="Steam lobby id")
    match_id = models.BigIntegerField(null=True, blank=True)
    server_steam_id = models.BigIntegerField(null=True, blank=True)
    league_id = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=8, choices=LiveSource.choices)
    game_time = models.IntegerField(null=True, blank=True)
    radiant_score = models.PositiveIntegerField(null=True, blank=True)
    dire_score = models.PositiveIntegerField(null=True, blank=True)
    radiant_lead = models.IntegerField(null=True, blank=True)
    players = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="hash of the published stats")
    realtime_failures = models.PositiveSmallIntegerField(default=0)
    refresh_seconds = models.PositiveIntegerField(default=0, help_text="how often its stats are refreshed now")
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(help_text="when the published stats last changed")
    polled_at = models.DateTimeField()
    stats_refreshed_at = models.DateTimeField(null=True, blank=True, help_text="last GetRealtimeStats answer")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_unsent = models.BooleanField(default=False, help_text="its end was not broadcast: the next poll sends it")

    objects = LiveMatchQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["ended_at"], name="live_match_ended_at"),
            models.Index(fields=["end_unsent"], condition=models.Q(end_unsent=True), name="live_match_end_unsent"),
        ]

    def __str__(self) -> str:
        return f"live game {self.live_id}"
