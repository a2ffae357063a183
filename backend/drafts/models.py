from django.conf import settings
from django.db import models

from backend.tournaments.models import Team, Tournament, choices_check

TEAM_SIZE = 5  # players per team, the captain included


class DraftStyle(models.TextChoices):
    SNAKE = "snake", "Snake (order reverses each phase)"
    NORMAL = "normal", "Normal (same order each phase)"
    SHUFFLE = "shuffle", "Shuffle (lowest total MMR picks next)"


class DraftState(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"


class DraftEventType(models.TextChoices):
    STARTED = "draft.started", "Started"
    PICK = "draft.pick", "Pick"
    UNDO = "draft.undo", "Undo"
    STYLE_CHANGED = "draft.style_changed", "Style changed"
    COMPLETED = "draft.completed", "Completed"


class Draft(models.Model):
    """The player draft of a tournament. `seq` counts the committed events (see DraftEvent)."""

    tournament = models.OneToOneField(Tournament, on_delete=models.CASCADE, related_name="draft")
    style = models.CharField(max_length=16, choices=DraftStyle.choices)
    state = models.CharField(max_length=16, choices=DraftState.choices, default=DraftState.ACTIVE)
    seq = models.PositiveIntegerField(default=0, help_text="The seq of the last event")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            choices_check("style", DraftStyle, "draft_style_valid"),
            choices_check("state", DraftState, "draft_state_valid"),
        ]

    def __str__(self) -> str:
        return f"Draft of {self.tournament_id}"


class DraftRound(models.Model):
    """One pick slot. Shuffle rounds not yet decided have no captain and no team."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="rounds")
    pick_number = models.PositiveSmallIntegerField(help_text="1 picks first")
    phase = models.PositiveSmallIntegerField(help_text="1 is the first pass over the teams")
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="draft_rounds")
    choice = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="draft_picks"
    )
    picked_at = models.DateTimeField(null=True, blank=True)
    was_tie = models.BooleanField(default=False)
    tie_roll_data = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["draft_id", "pick_number"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "pick_number"], name="draft_round_pick_number_unique"),
            # Whatever the concurrency, the database keeps a player to one pick per draft.
            models.UniqueConstraint(
                fields=["draft", "choice"],
                condition=models.Q(choice__isnull=False),
                name="draft_round_one_pick_per_player",
            ),
            models.CheckConstraint(condition=models.Q(pick_number__gte=1), name="draft_round_pick_number_positive"),
            models.CheckConstraint(
                condition=models.Q(choice__isnull=True) | models.Q(team__isnull=False, picked_at__isnull=False),
                name="draft_round_pick_has_team_and_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Pick {self.pick_number} of draft {self.draft_id}"


class DraftEvent(models.Model):
    """Append-only log of a draft's committed changes; `payload` is exactly the `data` watchers received."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    type = models.CharField(max_length=32, choices=DraftEventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "seq"], name="draft_event_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="draft_event_seq_positive"),
            choices_check("type", DraftEventType, "draft_event_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.seq} of draft {self.draft_id}"
