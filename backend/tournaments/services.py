"""Writes of tournaments, registrations, teams and games.

Permission checks happen before these run (backend.organizations.permissions); these keep the domain's rules.
Rows are locked in one order: tournament, then team(s), then game.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from backend.accounts.models import User
from backend.core.cache import invalidate_after_commit
from backend.core.errors import Conflict, NotFound
from backend.organizations.models import Organization
from backend.tournaments.models import (
    TOURNAMENT_TRANSITIONS,
    Game,
    GameStatus,
    Team,
    TeamMember,
    Tournament,
    TournamentState,
)

logger = logging.getLogger(__name__)

# Staff may still add or withdraw players while the draft runs (a late arrival, a no-show); players themselves
# only while registration is open.
STAFF_REGISTRATION_STATES = frozenset({TournamentState.REGISTRATION, TournamentState.DRAFTING})


def _lock_tournament(tournament: Tournament) -> Tournament:
    """Lock the tournament row (the first lock of every write below) and return it fresh."""
    return Tournament.objects.select_for_update().get(pk=tournament.pk)


# --- tournaments ----------------------------------------------------------------------------------------------------


@transaction.atomic
def tournament_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    tournament_type: str,
    date: Any = None,
    steam_league_id: int | None = None,
) -> Tournament:
    """Create a tournament of `organization`; it starts in registration."""
    tournament = Tournament.objects.create(
        organization=organization,
        name=name,
        tournament_type=tournament_type,
        date=date,
        steam_league_id=steam_league_id,
    )
    logger.info("%s created tournament %s in organization %s", actor, tournament.pk, organization.pk)
    return tournament


@transaction.atomic
def tournament_update(*, actor: User, tournament: Tournament, data: dict[str, Any]) -> Tournament:
    """Change the given fields; a `state` must be a legal forward move (409 otherwise)."""
    tournament = _lock_tournament(tournament)
    fields: list[str] = [field for field in ("name", "tournament_type", "date", "steam_league_id") if field in data]
    for field in fields:
        setattr(tournament, field, data[field])
    if "state" in data and data["state"] != tournament.state:
        _check_transition(tournament, data["state"])
        tournament.state = data["state"]
        fields.append("state")
    if fields:
        tournament.save(update_fields=fields)
    logger.info("%s updated tournament %s: %s", actor, tournament.pk, sorted(data))
    return tournament


def _check_transition(tournament: Tournament, state: str) -> None:
    if not tournament.can_move_to(state):
        legal = ", ".join(sorted(TOURNAMENT_TRANSITIONS[tournament.state])) or "none"
        raise Conflict(
            f"A tournament in {tournament.state} cannot move to {state} (legal: {legal}).", code="illegal_transition"
        )


@transaction.atomic
def tournament_state_move(*, tournament: Tournament, state: str) -> Tournament:
    """Move the tournament one legal step forward (registration -> drafting -> in_progress -> completed)."""
    tournament = _lock_tournament(tournament)
    _check_transition(tournament, state)
    tournament.state = state
    tournament.save(update_fields=["state"])
    return tournament


@transaction.atomic
def tournament_reopen_draft(*, tournament: Tournament) -> Tournament:
    """in_progress -> drafting, the one backward move: only an undo of the draft's last pick makes it.

    Precondition: the caller holds the draft's lock, so no pick races this.
    """
    tournament = _lock_tournament(tournament)
    if tournament.state != TournamentState.IN_PROGRESS:
        raise Conflict(
            f"Only a tournament in progress can go back to drafting; this one is {tournament.state}.",
            code="illegal_transition",
        )
    tournament.state = TournamentState.DRAFTING
    tournament.save(update_fields=["state"])
    return tournament


@transaction.atomic
def tournament_delete(*, actor: User, tournament: Tournament) -> None:
    """Delete a tournament that is not completed and has no games (history is never deleted)."""
    tournament = _lock_tournament(tournament)
    if tournament.state == TournamentState.COMPLETED:
        raise Conflict("A completed tournament is history; it cannot be deleted.", code="tournament_completed")
    try:
        tournament.delete()
    except ProtectedError:
        raise Conflict("This tournament has games; delete them first.", code="tournament_has_games") from None
    logger.info("%s deleted tournament %s", actor, tournament.pk)


# --- registration ---------------------------------------------------------------------------------------------------


def _check_registration_open(tournament: Tournament, *, by_staff: bool) -> None:
    if tournament.state == TournamentState.REGISTRATION:
        return
    if by_staff and tournament.state in STAFF_REGISTRATION_STATES:
        return
    raise Conflict(f"Registration is closed: the tournament is {tournament.state}.", code="registration_closed")


@transaction.atomic
def tournament_player_register(*, actor: User, tournament: Tournament, user: User, by_staff: bool) -> Tournament:
    """Register `user` as a player (`by_staff`: the actor manages the organization, not only themself)."""
    tournament = _lock_tournament(tournament)
    _check_registration_open(tournament, by_staff=by_staff)
    if tournament.players.filter(pk=user.pk).exists():
        raise Conflict("This player is already registered.", code="already_registered")
    tournament.players.add(user)
    logger.info("%s registered player %s in tournament %s", actor, user.pk, tournament.pk)
    return tournament


@transaction.atomic
def tournament_player_withdraw(*, actor: User, tournament: Tournament, user: User, by_staff: bool) -> None:
    """Withdraw a registered player who is on no team."""
    tournament = _lock_tournament(tournament)
    if not tournament.players.filter(pk=user.pk).exists():
        raise NotFound("This player is not registered in this tournament.")
    _check_registration_open(tournament, by_staff=by_staff)
    membership = TeamMember.objects.filter(tournament=tournament, user=user).select_related("team").first()
    if membership is not None:
        raise Conflict(
            f"This player is on team {membership.team.name}; remove them from the team first.", code="on_team"
        )
    tournament.players.remove(user)
    logger.info("%s withdrew player %s from tournament %s", actor, user.pk, tournament.pk)


# --- teams ----------------------------------------------------------------------------------------------------------


def _check_roster_open(tournament: Tournament) -> None:
    if tournament.state != TournamentState.REGISTRATION:
        raise Conflict(
            f"Teams are fixed once registration closes (the tournament is {tournament.state}); the draft fills them.",
            code="roster_closed",
        )


def _check_roster(
    tournament: Tournament, *, team: Team | None, name: str, captain: User, draft_order: int, members: list[User]
) -> None:
    """Every rule a roster must keep, each refusal naming its field."""
    errors: dict[str, list[str]] = {}
    others = Team.objects.filter(tournament=tournament)
    if team is not None:
        others = others.exclude(pk=team.pk)
    if others.filter(name=name).exists():
        errors["name"] = ["Another team of this tournament has this name."]
    if others.filter(draft_order=draft_order).exists():
        errors["draft_order"] = ["Another team of this tournament has this draft order."]
    user_ids = {captain.pk, *(member.pk for member in members)}
    registered = set(tournament.players.filter(pk__in=user_ids).values_list("pk", flat=True))
    elsewhere = set(
        TeamMember.objects.filter(tournament=tournament, user_id__in=user_ids)
        .exclude(team=team)
        .values_list("user_id", flat=True)
    )
    if captain.pk not in registered:
        errors["captain"] = ["The captain must be a registered player of this tournament."]
    elif captain.pk in elsewhere:
        errors["captain"] = ["The captain is already on another team of this tournament."]
    unregistered = sorted(member.pk for member in members if member.pk not in registered)
    taken = sorted(member.pk for member in members if member.pk in elsewhere and member.pk != captain.pk)
    if unregistered:
        errors.setdefault("members", []).append(f"Not registered in this tournament: {unregistered}.")
    if taken:
        errors.setdefault("members", []).append(f"Already on another team of this tournament: {taken}.")
    if errors:
        raise ValidationError(errors)


def _set_members(team: Team, users: Iterable[User]) -> None:
    """Make the team's members exactly `users` plus the captain."""
    wanted = {team.captain_id, *(user.pk for user in users)}
    TeamMember.objects.filter(team=team).exclude(user_id__in=wanted).delete()
    present = set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True))
    added = TeamMember.objects.bulk_create(
        [TeamMember(team=team, tournament_id=team.tournament_id, user_id=pk) for pk in sorted(wanted - present)]
    )
    # bulk_create sends no post_save: the rows these memberships feed into are invalidated here.
    invalidate_after_commit(team, *added)


@transaction.atomic
def team_create(
    *,
    actor: User,
    tournament: Tournament,
    name: str,
    captain: User,
    draft_order: int,
    members: Iterable[User] = (),
) -> Team:
    """Create a team while registration is open; the captain is always one of its members."""
    tournament = _lock_tournament(tournament)
    _check_roster_open(tournament)
    members = list(members)
    _check_roster(tournament, team=None, name=name, captain=captain, draft_order=draft_order, members=members)
    team = Team.objects.create(tournament=tournament, name=name, captain=captain, draft_order=draft_order)
    _set_members(team, members)
    logger.info("%s created team %s in tournament %s", actor, team.pk, tournament.pk)
    return team


@transaction.atomic
def team_update(*, actor: User, team: Team, data: dict[str, Any]) -> Team:
    """Rename a team at any time; change its captain, draft order or members only while registration is open."""
    tournament = _lock_tournament(team.tournament)
    team = Team.objects.select_for_update().get(pk=team.pk)
    roster_fields = {"captain", "draft_order", "members"} & set(data)
    if roster_fields:
        _check_roster_open(tournament)
    members = list(data["members"]) if "members" in data else list(team.members.all())
    _check_roster(
        tournament,
        team=team,
        name=data.get("name", team.name),
        captain=data.get("captain", team.captain),
        draft_order=data.get("draft_order", team.draft_order),
        members=members,
    )
    fields = [field for field in ("name", "captain", "draft_order") if field in data]
    for field in fields:
        setattr(team, field, data[field])
    if fields:
        team.save(update_fields=fields)
    if roster_fields & {"captain", "members"}:
        _set_members(team, members)
    logger.info("%s updated team %s: %s", actor, team.pk, sorted(data))
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """Delete a team while registration is open and it has played no game."""
    tournament = _lock_tournament(team.tournament)
    _check_roster_open(tournament)
    try:
        team.delete()
    except ProtectedError:
        raise Conflict("This team has games; delete them first.", code="team_has_games") from None
    logger.info("%s deleted team %s", actor, team.pk)


def team_member_add(*, team: Team, user: User) -> TeamMember:
    """Put a registered player on a team (the draft's pick).

    Precondition: the caller holds the locks that make the player's availability certain (the draft's);
    the database still refuses a second team in the same tournament.
    """
    if not team.tournament.players.filter(pk=user.pk).exists():
        raise ValidationError({"player_id": ["This player is not registered in the tournament."]})
    return TeamMember.objects.create(team=team, tournament_id=team.tournament_id, user=user)


def team_member_remove(*, team: Team, user: User) -> None:
    """Take a player off a team (the draft's undo); the captain stays. Precondition: as for `team_member_add`."""
    if user.pk == team.captain_id:
        raise Conflict("The captain cannot leave their team.", code="captain_stays")
    TeamMember.objects.filter(team=team, user=user).delete()


# --- games ----------------------------------------------------------------------------------------------------------


def _check_game(tournament: Tournament, values: dict[str, Any], *, game: Game | None) -> None:
    errors: dict[str, list[str]] = {}
    radiant, dire, winner = values["radiant_team"], values["dire_team"], values.get("winning_team")
    for field, team in (("radiant_team", radiant), ("dire_team", dire)):
        if team.tournament_id != tournament.pk:
            errors[field] = ["This team plays in another tournament."]
    if radiant.pk == dire.pk:
        errors["dire_team"] = ["A team cannot play itself: radiant and dire must differ."]
    if winner is not None:
        if winner.pk not in (radiant.pk, dire.pk):
            errors["winning_team"] = ["The winner must be the radiant or the dire team."]
        elif values.get("status") != GameStatus.FINISHED:
            errors["winning_team"] = ["Only a finished game has a winner (set status to finished)."]
    match_id = values.get("steam_match_id")
    if match_id is not None:
        clash = Game.objects.filter(steam_match_id=match_id)
        if game is not None:
            clash = clash.exclude(pk=game.pk)
        if clash.exists():
            errors["steam_match_id"] = ["Another game already has this Steam match id."]
    if errors:
        raise ValidationError(errors)


GAME_FIELDS = ("radiant_team", "dire_team", "winning_team", "steam_match_id", "round", "status")


@transaction.atomic
def game_create(*, actor: User, tournament: Tournament, **values: Any) -> Game:
    """Create a game between two different teams of `tournament`."""
    tournament = _lock_tournament(tournament)
    _check_game(tournament, values, game=None)
    game = Game.objects.create(tournament=tournament, **{key: values[key] for key in GAME_FIELDS if key in values})
    logger.info("%s created game %s in tournament %s", actor, game.pk, tournament.pk)
    return game


@transaction.atomic
def game_update(*, actor: User, game: Game, data: dict[str, Any]) -> Game:
    """Change the given fields; the result must still keep every rule of a game."""
    tournament = _lock_tournament(game.tournament)
    game = Game.objects.select_for_update().get(pk=game.pk)
    values = {field: getattr(game, field) for field in GAME_FIELDS} | {
        key: value for key, value in data.items() if key in GAME_FIELDS
    }
    _check_game(tournament, values, game=game)
    changed = [field for field in GAME_FIELDS if field in data]
    for field in changed:
        setattr(game, field, data[field])
    if changed:
        game.save(update_fields=changed)
    logger.info("%s updated game %s: %s", actor, game.pk, sorted(data))
    return game


@transaction.atomic
def game_delete(*, actor: User, game: Game) -> None:
    """Delete a game that has not finished (a result is history)."""
    _lock_tournament(game.tournament)
    game = Game.objects.select_for_update().get(pk=game.pk)
    if game.status == GameStatus.FINISHED:
        raise Conflict("A finished game is history; it cannot be deleted.", code="game_finished")
    game.delete()
    logger.info("%s deleted game %s", actor, game.pk)
