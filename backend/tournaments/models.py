from typing import Any

from django.conf import settings
from django.db import models

from backend.organizations.models import Organization


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """Django validates choices only in forms and serializers; the database refuses anything else too."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class TournamentType(models.TextChoices):
    SINGLE_ELIMINATION = "single_elimination", "Single elimination"
    DOUBLE_ELIMINATION = "double_elimination", "Double elimination"
    ROUND_ROBIN = "round_robin", "Round robin"
    SWISS = "swiss", "Swiss"


class TournamentState(models.TextChoices):
    REGISTRATION = "registration", "Registration"
    DRAFTING = "drafting", "Drafting"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


# The legal forward moves. The one backward move (in_progress -> drafting) belongs to the draft's undo
# and has its own service, so a PATCH can never make it.
TOURNAMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    TournamentState.REGISTRATION: frozenset({TournamentState.DRAFTING}),
    TournamentState.DRAFTING: frozenset({TournamentState.IN_PROGRESS}),
    TournamentState.IN_PROGRESS: frozenset({TournamentState.COMPLETED}),
    TournamentState.COMPLETED: frozenset(),
}


class Tournament(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tournaments")
    name = models.CharField(max_length=100)
    tournament_type = models.CharField(max_length=32, choices=TournamentType.choices)
    state = models.CharField(max_length=32, choices=TournamentState.choices, default=TournamentState.REGISTRATION)
    date = models.DateField(null=True, blank=True)
    players = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="registered_tournaments", blank=True)
    steam_league_id = models.PositiveIntegerField(null=True, blank=True, help_text="Dota league (ticket) id")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="tournament_name_not_empty"),
            choices_check("tournament_type", TournamentType, "tournament_type_valid"),
            choices_check("state", TournamentState, "tournament_state_valid"),
        ]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return self.name

    def can_move_to(self, state: str) -> bool:
        return state in TOURNAMENT_TRANSITIONS[self.state]


class Team(models.Model):
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    captain = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="captained_teams")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMember", related_name="teams", through_fields=("team", "user")
    )
    draft_order = models.PositiveSmallIntegerField(help_text="1 picks first")

    class Meta:
        ordering = ["tournament_id", "draft_order"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="team_name_not_empty"),
            models.CheckConstraint(condition=models.Q(draft_order__gte=1), name="team_draft_order_positive"),
            models.UniqueConstraint(fields=["tournament", "name"], name="team_name_unique_in_tournament"),
            models.UniqueConstraint(fields=["tournament", "draft_order"], name="team_draft_order_unique_in_tournament"),
            models.UniqueConstraint(fields=["tournament", "captain"], name="team_one_captaincy_per_tournament"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    """A player on a team. `tournament` repeats the team's so the database itself keeps a player on one team."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="team_memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tournament", "user"], name="team_member_one_team_per_tournament"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.tournament_id = self.team.tournament_id
        super().save(*args, **kwargs)


class GameStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    LIVE = "live", "Live"
    FINISHED = "finished", "Finished"


class Game(models.Model):
    tournament = models.ForeignKey(Tournament, on_delete=models.PROTECT, related_name="games")
    radiant_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="radiant_games")
    dire_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="dire_games")
    winning_team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="won_games", null=True, blank=True)
    steam_match_id = models.BigIntegerField(null=True, blank=True, unique=True, help_text="Dota match id")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=GameStatus.choices, default=GameStatus.SCHEDULED)

    class Meta:
        ordering = ["tournament_id", "round", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(radiant_team=models.F("dire_team")), name="game_teams_differ"),
            models.CheckConstraint(
                condition=models.Q(winning_team__isnull=True)
                | models.Q(winning_team=models.F("radiant_team"))
                | models.Q(winning_team=models.F("dire_team")),
                name="game_winner_played",
            ),
            models.CheckConstraint(
                condition=models.Q(winning_team__isnull=True) | models.Q(status=GameStatus.FINISHED),
                name="game_winner_only_when_finished",
            ),
            models.CheckConstraint(
                condition=models.Q(steam_match_id__isnull=True) | models.Q(steam_match_id__gt=0),
                name="game_steam_match_id_positive",
            ),
            models.CheckConstraint(condition=models.Q(round__gte=1), name="game_round_positive"),
            choices_check("status", GameStatus, "game_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.radiant_team} vs {self.dire_team}"
