"""Reads of drafts: the snapshot watchers and the API get, in a fixed number of queries whatever the draft's size.

Built from `.values()` rows rather than DRF serializers: a snapshot is built for every watcher that connects, and
1,000 of them may connect at once.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from backend.accounts.models import User
from backend.accounts.serializers import PUBLIC_FIELDS
from backend.drafts.models import Draft, DraftEvent, DraftRound, DraftState
from backend.tournaments.models import Team, TeamMember
from backend.tournaments.selectors import team_total_mmr

ROUND_FIELDS = (
    "id",
    "pick_number",
    "phase",
    "captain_id",
    "team_id",
    "choice_id",
    "picked_at",
    "was_tie",
    "tie_roll_data",
)


def iso_time(value: datetime | None) -> str | None:
    """ISO 8601 as DRF writes it (UTC as `Z`), so every draft time looks the same wherever it comes from."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def round_data(draft_round: DraftRound) -> dict[str, Any]:
    """A round as the contract shapes it (ids for the captain, team and choice)."""
    return {
        "id": draft_round.pk,
        "pick_number": draft_round.pick_number,
        "phase": draft_round.phase,
        "captain": draft_round.captain_id,
        "team": draft_round.team_id,
        "choice": draft_round.choice_id,
        "picked_at": iso_time(draft_round.picked_at),
        "was_tie": draft_round.was_tie,
        "tie_roll_data": draft_round.tie_roll_data,
    }


def draft_rounds(draft_id: int) -> QuerySet[DraftRound]:
    return DraftRound.objects.filter(draft_id=draft_id).only(*ROUND_FIELDS).order_by("pick_number")


def current_round_of(rounds: list[DraftRound], state: str) -> DraftRound | None:
    """The first round without a choice while the draft is active; rounds are filled in pick order."""
    if state != DraftState.ACTIVE:
        return None
    return next((draft_round for draft_round in rounds if draft_round.choice_id is None), None)


def teams_data(tournament_id: int) -> list[dict[str, Any]]:
    """The tournament's teams as the contract shapes them, in two queries."""
    teams = Team.objects.filter(tournament_id=tournament_id)
    members = TeamMember.objects.filter(tournament_id=tournament_id)
    member_ids: dict[int, list[int]] = defaultdict(list)
    for member_team_id, user_id in members.order_by("user_id").values_list("team_id", "user_id"):
        member_ids[member_team_id].append(user_id)
    rows = (
        teams.annotate(total_mmr=team_total_mmr())
        .order_by("draft_order")
        .values("id", "tournament_id", "name", "captain_id", "draft_order", "total_mmr")
    )
    return [
        {
            "id": row["id"],
            "tournament": row["tournament_id"],
            "name": row["name"],
            "captain": row["captain_id"],
            "members": member_ids[row["id"]],
            "draft_order": row["draft_order"],
            "total_mmr": row["total_mmr"],
        }
        for row in rows
    ]


def team_data(team: Team) -> dict[str, Any]:
    """One team as the contract shapes it, in one query (the captain is always a member, so counts once)."""
    members = list(TeamMember.objects.filter(team=team).order_by("user_id").values_list("user_id", "user__mmr"))
    return {
        "id": team.pk,
        "tournament": team.tournament_id,
        "name": team.name,
        "captain": team.captain_id,
        "members": [user_id for user_id, _ in members],
        "draft_order": team.draft_order,
        "total_mmr": sum(mmr for _, mmr in members),
    }


def available_players(tournament_id: int) -> QuerySet[User]:
    """Registered players on no team of the tournament (captains are members of their team)."""
    return User.objects.filter(registered_tournaments=tournament_id).exclude(team_memberships__tournament=tournament_id)


def public_user(row: dict[str, Any]) -> dict[str, Any]:
    steam_id = row["steam_id"]
    return {**row, "steam_id": None if steam_id is None else str(steam_id)}


def player_data(user_id: int) -> dict[str, Any] | None:
    """A player as `available_players` lists them (an undo puts them back there)."""
    row = User.objects.filter(pk=user_id).values(*PUBLIC_FIELDS).first()
    return None if row is None else public_user(row)


def draft_snapshot(draft_id: int) -> dict[str, Any] | None:
    """The whole draft as `GET drafts/{id}/` answers it (None if there is no such draft), in five queries."""
    draft = Draft.objects.filter(pk=draft_id).values("id", "tournament_id", "style", "state", "seq").first()
    if draft is None:
        return None
    return draft_snapshot_of(draft)


def draft_snapshot_of(draft: Mapping[str, Any], rounds: list[DraftRound] | None = None) -> dict[str, Any]:
    """The snapshot of a draft given its own fields (id, tournament_id, style, state, seq), in four queries.

    `rounds`: the draft's rounds in pick order when the caller has them already (three queries then).
    """
    if rounds is None:
        rounds = list(draft_rounds(draft["id"]))
    current = current_round_of(rounds, draft["state"])
    tournament_id = draft["tournament_id"]
    players = available_players(tournament_id).order_by("id").values(*PUBLIC_FIELDS)
    return {
        "id": draft["id"],
        "tournament": tournament_id,
        "style": draft["style"],
        "state": draft["state"],
        "seq": draft["seq"],
        "current_round": None if current is None else round_data(current),
        "rounds": [round_data(draft_round) for draft_round in rounds],
        "available_players": [public_user(row) for row in players],
        "teams": teams_data(tournament_id),
    }


def draft_fields(draft: Draft) -> dict[str, Any]:
    return {
        "id": draft.pk,
        "tournament_id": draft.tournament_id,
        "style": draft.style,
        "state": draft.state,
        "seq": draft.seq,
    }


def draft_now_data(draft: Draft, tournament_name: str) -> dict[str, Any]:
    """A draft as the home page's "Live now" lists it (`/ws/now/`): who, what, and its `seq` to order messages by."""
    return {
        "id": draft.pk,
        "tournament": draft.tournament_id,
        "tournament_name": tournament_name,
        "style": draft.style,
        "state": draft.state,
        "seq": draft.seq,
    }


def drafts_in_progress_data() -> list[dict[str, Any]]:
    """Every active draft as `draft_now_data` shapes it, newest first, in one query."""
    drafts = (
        Draft.objects.filter(state=DraftState.ACTIVE)
        .select_related("tournament")
        .only("id", "tournament_id", "tournament__name", "style", "state", "seq")
        .order_by("-id")
    )
    return [draft_now_data(draft, draft.tournament.name) for draft in drafts]


def current_turns_of(user_id: int) -> list[tuple[int, int, dict[str, Any]]]:
    """The active drafts whose current round is `user_id`'s to pick, as (draft id, tournament id, round), in one query.

    Only drafts where the user captains a round still open are read, and of those only their open rounds.
    """
    theirs = DraftRound.objects.filter(captain_id=user_id, choice__isnull=True, draft__state=DraftState.ACTIVE)
    rounds = (
        DraftRound.objects.filter(draft_id__in=theirs.values("draft_id"), choice__isnull=True)
        .select_related("draft")
        .only(*ROUND_FIELDS, "draft_id", "draft__tournament_id")
        .order_by("draft_id", "pick_number")
    )
    turns: list[tuple[int, int, dict[str, Any]]] = []
    seen: set[int] = set()
    for draft_round in rounds:
        if draft_round.draft_id in seen:
            continue
        seen.add(draft_round.draft_id)  # the first open round is the current one
        if draft_round.captain_id == user_id:
            turns.append((draft_round.draft_id, draft_round.draft.tournament_id, round_data(draft_round)))
    return turns


def draft_events_after(draft_id: int, after_seq: int) -> QuerySet[DraftEvent]:
    return DraftEvent.objects.filter(draft_id=draft_id, seq__gt=after_seq).order_by("seq")


def event_message(event_type: str, seq: int, data: dict[str, Any]) -> dict[str, Any]:
    """The one shape of a draft event, on the WebSocket and in the event log."""
    return {"type": event_type, "seq": seq, "data": data}
