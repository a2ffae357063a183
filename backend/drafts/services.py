"""Writes of drafts: start, pick, undo, change style.

Every write runs in one transaction that starts with `lock_draft()`. Lock order, the same for every write that
touches a draft: the draft row, then its tournament row (both in that one statement); rounds, teams, memberships
and events are written only while the draft lock is held, so they need no lock of their own. Tournament services
lock only the tournament, so no cycle can form. `draft_create` locks only the tournament: the draft does not exist
yet, and the one-draft-per-tournament constraint settles two concurrent starts. On SQLite `select_for_update` is
a no-op: the settings open every transaction IMMEDIATE, which serializes writers on the database lock instead.

Events are appended with the draft's `seq + 1` and broadcast after commit (backend.drafts.broadcast). A start, a
completion and a reopening also go to the public "live now" stream (backend.notifications.now), after commit too.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from backend.accounts.models import User
from backend.core.cache import invalidate_after_commit
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.drafts import broadcast
from backend.drafts.models import TEAM_SIZE, Draft, DraftEvent, DraftEventType, DraftRound, DraftState, DraftStyle
from backend.drafts.selectors import (
    available_players,
    current_round_of,
    draft_fields,
    draft_now_data,
    draft_snapshot_of,
    event_message,
    player_data,
    round_data,
    team_data,
)
from backend.notifications import now
from backend.notifications.services import on_draft_event
from backend.organizations.permissions import can_manage_organization_content
from backend.tournaments.models import Team, TeamMember, Tournament, TournamentState
from backend.tournaments.selectors import team_total_mmr
from backend.tournaments.services import tournament_reopen_draft, tournament_state_move

logger = logging.getLogger(__name__)

Roll = Callable[[], int]


def roll_d6() -> int:
    """A fair six-sided die (tests pass their own `roll`)."""
    return secrets.randbelow(6) + 1


@dataclass(frozen=True)
class TeamSlot:
    id: int
    name: str
    captain_id: int
    draft_order: int
    size: int  # players on the team now, the captain included
    total_mmr: int


@dataclass(frozen=True)
class PlannedRound:
    pick_number: int
    phase: int
    team: TeamSlot | None  # None: a shuffle round, decided after the pick before it


# --- pure rules -----------------------------------------------------------------------------------------------------


def plan_rounds(style: str, teams: list[TeamSlot], players_available: int) -> list[PlannedRound]:
    """Rounds enough to fill every team to TEAM_SIZE, or until the available players run out."""
    open_slots = {team.id: max(TEAM_SIZE - team.size, 0) for team in teams}
    total = min(sum(open_slots.values()), players_available)
    ordered = sorted(teams, key=lambda team: team.draft_order)
    if style == DraftStyle.SHUFFLE:
        per_phase = max(len(teams), 1)
        return [PlannedRound(number, (number - 1) // per_phase + 1, None) for number in range(1, total + 1)]
    planned: list[PlannedRound] = []
    phase = 0
    while len(planned) < total:
        phase += 1
        order = ordered if style == DraftStyle.NORMAL or phase % 2 == 1 else ordered[::-1]
        for team in order:
            if open_slots[team.id] > 0 and len(planned) < total:
                open_slots[team.id] -= 1
                planned.append(PlannedRound(len(planned) + 1, phase, team))
    return planned


def shuffle_pick(teams: list[TeamSlot], roll: Roll) -> tuple[TeamSlot, dict[str, Any] | None]:
    """The team that picks next in a shuffle draft, and the tie's roll-offs (None without a tie).

    The lowest total MMR among the teams not yet full picks; teams tied at the lowest each roll a d6 and the
    highest roll wins; only the teams tied at the top roll again.
    """
    candidates = [team for team in teams if team.size < TEAM_SIZE]
    if not candidates:
        raise Conflict("Every team is full.", code="teams_full")
    lowest = min(team.total_mmr for team in candidates)
    tied = sorted((team for team in candidates if team.total_mmr == lowest), key=lambda team: team.draft_order)
    if len(tied) == 1:
        return tied[0], None
    contenders = tied
    roll_rounds: list[list[dict[str, int]]] = []
    while len(contenders) > 1:
        rolls = [{"team_id": team.id, "roll": roll()} for team in contenders]
        roll_rounds.append(rolls)
        top = max(entry["roll"] for entry in rolls)
        contenders = [team for team, entry in zip(contenders, rolls, strict=True) if entry["roll"] == top]
    winner = contenders[0]
    tie_roll_data = {
        "tied_teams": [{"id": team.id, "name": team.name, "mmr": team.total_mmr} for team in tied],
        "roll_rounds": roll_rounds,
        "winner_id": winner.id,
    }
    return winner, tie_roll_data


# --- helpers (callers hold the draft lock) --------------------------------------------------------------------------


def lock_draft(draft_id: int) -> Draft:
    """Lock the draft row, then its tournament's (one statement), and return the draft with its tournament.

    The first statement of every draft write; see the module docstring for the lock order.
    """
    try:
        return Draft.objects.select_for_update().select_related("tournament").get(pk=draft_id)
    except Draft.DoesNotExist:
        raise NotFound("No such draft.") from None


def _team_slots(tournament_id: int) -> list[TeamSlot]:
    rows = (
        Team.objects.filter(tournament_id=tournament_id)
        .annotate(total_mmr=team_total_mmr(), size=Count("memberships", distinct=True))
        .order_by("draft_order")
        .values_list("id", "name", "captain_id", "draft_order", "size", "total_mmr")
    )
    return [TeamSlot(*row) for row in rows]


def _decide_shuffle_round(draft_round: DraftRound, tournament_id: int, roll: Roll) -> None:
    """Give a shuffle round its team and captain from the teams as they are now. Precondition: the draft lock."""
    team, tie_roll_data = shuffle_pick(_team_slots(tournament_id), roll)
    draft_round.team_id = team.id
    draft_round.captain_id = team.captain_id
    draft_round.was_tie = tie_roll_data is not None
    draft_round.tie_roll_data = tie_roll_data
    _update(
        draft_round, team=team.id, captain=team.captain_id, was_tie=draft_round.was_tie, tie_roll_data=tie_roll_data
    )


def _create_rounds(draft: Draft, roll: Roll) -> list[DraftRound]:
    """Plan and store the draft's rounds (a shuffle decides its first). Precondition: the draft lock."""
    planned = plan_rounds(draft.style, _team_slots(draft.tournament_id), available_players(draft.tournament_id).count())
    invalidate_after_commit(draft)  # the rounds below are bulk-created: no post_save reaches the table
    rounds = DraftRound.objects.bulk_create(
        [
            DraftRound(
                draft=draft,
                pick_number=plan.pick_number,
                phase=plan.phase,
                team_id=None if plan.team is None else plan.team.id,
                captain_id=None if plan.team is None else plan.team.captain_id,
            )
            for plan in planned
        ]
    )
    if rounds and draft.style == DraftStyle.SHUFFLE:
        # bulk_create returns ids on PostgreSQL and SQLite alike (RETURNING).
        _decide_shuffle_round(rounds[0], draft.tournament_id, roll)
    return rounds


def _update(row: Draft | DraftRound, **values: Any) -> None:
    """Write `values` to the row in one UPDATE, and invalidate its cached reads after commit.

    Not `save()`: cacheops would read the row again before writing it, a query per save on the pick's path.
    """
    type(row)._default_manager.filter(pk=row.pk).update(**values)
    invalidate_after_commit(row)


def _emit(draft: Draft, event_type: str, actor: User | None, data: dict[str, Any]) -> None:
    """Append the next event and broadcast it after commit. Precondition: the draft lock; the caller saves `seq`."""
    draft.seq += 1
    DraftEvent.objects.create(draft=draft, seq=draft.seq, type=event_type, actor=actor, payload=data)
    broadcast.broadcast_on_commit(draft.pk, event_message(event_type, draft.seq, data))
    # Players and the captain on turn (/ws/me/, Discord); everything it sends leaves after commit.
    on_draft_event(draft_id=draft.pk, tournament_id=draft.tournament_id, event_type=event_type, data=data)


def _change(draft_round: DraftRound | None, team: dict[str, Any] | None, current: DraftRound | None) -> dict[str, Any]:
    return {
        "round": None if draft_round is None else round_data(draft_round),
        "team": team,
        "current_round": None if current is None else round_data(current),
    }


# --- services -------------------------------------------------------------------------------------------------------


@transaction.atomic
def draft_create(*, actor: User, tournament: Tournament, style: str, roll: Roll = roll_d6) -> Draft:
    """Start the draft of a tournament in registration (409 if it has one) with its teams' captains and order."""
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if Draft.objects.filter(tournament=tournament).exists():
        raise Conflict("This tournament already has a draft.", code="draft_exists")
    teams = list(Team.objects.filter(tournament=tournament).values_list("draft_order", "captain_id"))
    if len(teams) < 2:
        raise Conflict("A draft needs at least two teams, each with a captain.", code="not_enough_teams")
    # The database already keeps both (non-null captain, unique draft order); say so plainly if it ever did not.
    if len({order for order, _ in teams}) != len(teams) or any(captain is None for _, captain in teams):
        raise Conflict("Every team needs a captain and its own draft order.", code="teams_not_ready")
    tournament = tournament_state_move(tournament=tournament, state=TournamentState.DRAFTING)
    draft = Draft.objects.create(tournament=tournament, style=style)
    rounds = _create_rounds(draft, roll)
    if not rounds:
        raise Conflict("No player is available to draft.", code="no_players")
    snapshot = draft_snapshot_of(draft_fields(draft) | {"seq": draft.seq + 1})
    _emit(
        draft,
        DraftEventType.STARTED,
        actor,
        _change(None, None, None)
        | {
            "current_round": snapshot["current_round"],
            "draft": snapshot,
        },
    )
    draft.save(update_fields=["seq"])
    now.publish_on_commit(now.DRAFT_STARTED, draft_now_data(draft, tournament.name))
    logger.info("%s started the %s draft %s of tournament %s", actor, style, draft.pk, tournament.pk)
    return draft


@dataclass(frozen=True)
class PickResult:
    draft: Draft
    snapshot: dict[str, Any] | None  # the draft after the pick, when the service built it anyway (the last pick)


def _check_player(tournament_id: int, player_id: int) -> None:
    """Registered, not a captain, on no team: one query."""
    player = (
        User.objects.filter(pk=player_id)
        .annotate(
            registered=Exists(
                Tournament.players.through.objects.filter(tournament_id=tournament_id, user=OuterRef("pk"))
            ),
            captain=Exists(Team.objects.filter(tournament_id=tournament_id, captain=OuterRef("pk"))),
            taken=Exists(TeamMember.objects.filter(tournament_id=tournament_id, user=OuterRef("pk"))),
        )
        .values("registered", "captain", "taken")
        .first()
    )
    if player is None or not player["registered"]:
        raise Conflict("This player is not registered in the tournament.", code="player_not_registered")
    if player["captain"]:
        raise Conflict("This player is a captain.", code="player_is_captain")
    if player["taken"]:
        raise Conflict("This player is already on a team.", code="player_taken")


@transaction.atomic
def draft_pick(
    *, actor: User, draft_id: int, player_id: int, round_id: int | None = None, roll: Roll = roll_d6
) -> PickResult:
    """Fill the current round with `player_id`: by its captain or the organization's staff, at most once."""
    draft = lock_draft(draft_id)
    if draft.state != DraftState.ACTIVE:
        raise Conflict("This draft is complete.", code="draft_not_active")
    # Every round in one query (a few dozen rows): the current one, the next, and the snapshot at completion.
    # Through draft.rounds each round knows its draft without a query (the cache invalidation follows it).
    rounds = list(draft.rounds.select_related("team").order_by("pick_number"))
    current = current_round_of(rounds, draft.state)
    if current is None or current.team is None:
        raise Conflict("This draft has no round left to pick.", code="draft_not_active")
    if round_id is not None and round_id != current.pk:
        raise Conflict(
            f"Round {round_id} is not the current round (it is {current.pk}); the pick was made already.",
            code="not_current_round",
        )
    if actor.pk != current.captain_id and not can_manage_organization_content(actor, draft.tournament.organization_id):
        raise Forbidden("It is not your turn to pick.", code="not_your_turn")
    _check_player(draft.tournament_id, player_id)

    current.choice_id = player_id
    current.picked_at = timezone.now()
    _update(current, choice=player_id, picked_at=current.picked_at)
    # bulk_create: TeamMember.save() would load the team's tournament again; the pick knows it.
    picked = TeamMember.objects.bulk_create(
        [TeamMember(team=current.team, tournament_id=draft.tournament_id, user_id=player_id)]
    )
    invalidate_after_commit(*picked)  # bulk_create sends no post_save: the team's members and total MMR change

    following = next((later for later in rounds if later.pick_number == current.pick_number + 1), None)
    if following is not None and not available_players(draft.tournament_id).exists():
        following = None  # players ran out (withdrawn during the draft): the draft is complete
    if following is None:
        return _complete(draft, actor, current, rounds)
    if draft.style == DraftStyle.SHUFFLE:
        _decide_shuffle_round(following, draft.tournament_id, roll)
    _emit(draft, DraftEventType.PICK, actor, _change(current, team_data(current.team), following))
    _update(draft, seq=draft.seq)
    logger.info("%s picked %s in round %s of draft %s", actor, player_id, current.pick_number, draft.pk)
    return PickResult(draft, None)


def _complete(draft: Draft, actor: User, last: DraftRound, rounds: list[DraftRound]) -> PickResult:
    """Emit the last pick and the completion in the pick's transaction. Precondition: the draft lock."""
    draft.state = DraftState.COMPLETED
    tournament_state_move(tournament=draft.tournament, state=TournamentState.IN_PROGRESS)
    # The completion carries the whole draft; its teams also give the pick event its team, at no extra query.
    snapshot = draft_snapshot_of(draft_fields(draft) | {"seq": draft.seq + 2}, rounds)
    team = next(team for team in snapshot["teams"] if team["id"] == last.team_id)
    _emit(draft, DraftEventType.PICK, actor, _change(last, team, None))
    _emit(draft, DraftEventType.COMPLETED, actor, _change(None, None, None) | {"draft": snapshot})
    _update(draft, seq=draft.seq, state=draft.state)
    now.publish_on_commit(now.DRAFT_COMPLETED, draft_now_data(draft, draft.tournament.name))
    logger.info("%s picked %s in the last round of draft %s: complete", actor, last.choice_id, draft.pk)
    return PickResult(draft, snapshot)


@transaction.atomic
def draft_undo(*, actor: User, draft_id: int) -> Draft:
    """Undo the last pick, restoring exactly the state before it (a completed draft and its tournament reopen)."""
    draft = lock_draft(draft_id)
    last = (
        DraftRound.objects.filter(draft=draft, choice__isnull=False)
        .select_related("team")
        .order_by("-pick_number")
        .first()
    )
    if last is None:
        raise Conflict("No pick to undo.", code="nothing_to_undo")
    # A filled round has its team and choice (database constraint).
    assert last.team is not None and last.choice_id is not None
    player_id = last.choice_id
    TeamMember.objects.filter(team=last.team, user_id=player_id).delete()
    last.choice = None
    last.picked_at = None
    last.save(update_fields=["choice", "picked_at"])
    if draft.style == DraftStyle.SHUFFLE:
        # The next picker was decided after this pick; before it, the rounds after it were undecided.
        DraftRound.objects.filter(draft=draft, pick_number__gt=last.pick_number).update(
            team=None, captain=None, was_tie=False, tie_roll_data=None
        )
        invalidate_after_commit(draft)  # update() sends no signals: the rounds' draft (and its tournament)
    reopened = draft.state == DraftState.COMPLETED
    if reopened:
        draft.state = DraftState.ACTIVE
        tournament_reopen_draft(tournament=draft.tournament)
    _emit(
        draft,
        DraftEventType.UNDO,
        actor,
        _change(last, team_data(last.team), last) | {"player": player_data(player_id)},
    )
    draft.save(update_fields=["seq", "state"])
    if reopened:
        now.publish_on_commit(now.DRAFT_REOPENED, draft_now_data(draft, draft.tournament.name))
    logger.info("%s undid pick %s (player %s) of draft %s", actor, last.pick_number, player_id, draft.pk)
    return draft


@transaction.atomic
def draft_style_change(*, actor: User, draft_id: int, style: str, roll: Roll = roll_d6) -> Draft:
    """Change the style and re-plan the rounds; only before the first pick."""
    draft = lock_draft(draft_id)
    if draft.state != DraftState.ACTIVE or DraftRound.objects.filter(draft=draft, choice__isnull=False).exists():
        raise Conflict("The style can change only before the first pick.", code="draft_started")
    DraftRound.objects.filter(draft=draft).delete()
    draft.style = style
    rounds = _create_rounds(draft, roll)
    current = rounds[0] if rounds else None
    _emit(
        draft,
        DraftEventType.STYLE_CHANGED,
        actor,
        _change(None, None, current) | {"style": style, "rounds": [round_data(draft_round) for draft_round in rounds]},
    )
    draft.save(update_fields=["seq", "style"])
    logger.info("%s changed draft %s to %s", actor, draft.pk, style)
    return draft
