"""Writes of guild games: storing finished matches and syncing one member's history from Steam."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backend.accounts.models import STEAM_ID64_BASE, User
from backend.matches.models import Match, MatchPlayer, MemberSync
from backend.steam.client import BACKGROUND, SteamClient, get_client
from backend.steam.errors import SteamBudgetUnavailable, SteamNotFound, SteamPrivateHistory, SteamUnavailable
from backend.steam.results import MatchDetails
from backend.steam.services import heroes_refresh_request
from backend.tournaments.models import Game, GameStatus, TeamMember

logger = logging.getLogger(__name__)

# A match can show up in a history after newer ones (Steam lists some late): each sync re-reads the
# member's newest few stored matches' part of the history, and fetches whatever there is new.
SYNC_OVERLAP_MATCHES = 5
# The first sync of a member fetches only the newest matches, not a whole history (it would cost ~500 calls).
SYNC_FIRST_MATCHES = 20
HISTORY_PAGE_SIZE = 100
PRIVATE_RECHECK = timedelta(hours=24)


def members_to_sync() -> QuerySet[User]:
    """Guild members with a Steam id and tracking on (every active user when no Discord guild is configured)."""
    users = User.objects.filter(is_active=True, steam_id__isnull=False, steam_tracking=True)
    if settings.DISCORD_GUILD_ID:
        users = users.filter(is_guild_member=True)
    return users.order_by("id")


def member_sync_due(*, user_id: int, now: datetime | None = None) -> bool:
    """Private histories are rechecked only every PRIVATE_RECHECK; everyone else every run."""
    state = MemberSync.objects.filter(user_id=user_id).first()
    if state is None or not state.history_private or state.private_checked_at is None:
        return True
    return (now or timezone.now()) - state.private_checked_at >= PRIVATE_RECHECK


@transaction.atomic
def match_store(*, details: MatchDetails) -> tuple[Match, bool]:
    """Store a finished match and its players once (unique match id; unique slot and account per match).

    Safe to run twice or concurrently: the loser of a race finds the winner's row and writes nothing.
    Returns (match, created).
    """
    match, created = Match.objects.get_or_create(
        match_id=details.match_id,
        defaults={
            "match_seq_num": details.match_seq_num,
            "start_time": datetime.fromtimestamp(details.start_time, tz=UTC),
            "duration": details.duration,
            "radiant_win": details.radiant_win,
            "league_id": details.league_id,
            "lobby_type": details.lobby_type,
            "game_mode": details.game_mode,
            "radiant_score": details.radiant_score,
            "dire_score": details.dire_score,
        },
    )
    if not created:
        return match, False
    account_ids = [player.account_id for player in details.players if player.account_id is not None]
    _link_tournament_game(match, details)
    users = dict(
        User.objects.filter(steam_id__in=[STEAM_ID64_BASE + account_id for account_id in account_ids]).values_list(
            "steam_id", "id"
        )
    )
    MatchPlayer.objects.bulk_create(
        [
            MatchPlayer(
                match=match,
                account_id=player.account_id,
                user_id=users.get(STEAM_ID64_BASE + player.account_id) if player.account_id is not None else None,
                player_slot=player.player_slot,
                team=player.team,
                hero_id=player.hero_id,
                kills=player.kills,
                deaths=player.deaths,
                assists=player.assists,
                gpm=player.gpm,
                xpm=player.xpm,
                net_worth=player.net_worth,
                level=player.level,
                last_hits=player.last_hits,
            )
            for player in details.players
        ]
    )
    return match, True


def _team_accounts(teams: QuerySet[TeamMember]) -> dict[int, set[int]]:
    accounts: dict[int, set[int]] = {}
    for team_id, steam_id in teams.filter(user__steam_id__isnull=False).values_list("team_id", "user__steam_id"):
        if steam_id is not None:
            accounts.setdefault(team_id, set()).add(steam_id - STEAM_ID64_BASE)
    return accounts


def tournament_game_find(*, match_id: int | None, radiant: set[int], dire: set[int]) -> tuple[Game, int] | None:
    """The tournament game a Dota match is, and the id of the team that played radiant; locks the game row.

    The game naming this match id (`steam_match_id`), else the unfinished game without a match id whose two
    teams' members played on opposite sides (most members matched wins; the earliest game on a tie).
    Precondition: inside a transaction.
    """
    game = Game.objects.select_for_update().filter(steam_match_id=match_id).first() if match_id else None
    if game is not None:
        teams = _team_accounts(TeamMember.objects.filter(team_id__in=[game.radiant_team_id, game.dire_team_id]))
        # Sides as entered, unless more of the dire team's members played radiant.
        dire_on_radiant = len(teams.get(game.dire_team_id, set()) & radiant)
        swapped = dire_on_radiant > len(teams.get(game.radiant_team_id, set()) & radiant)
        return game, game.dire_team_id if swapped else game.radiant_team_id
    open_games = list(
        Game.objects.filter(steam_match_id__isnull=True, status__in=[GameStatus.SCHEDULED, GameStatus.LIVE]).order_by(
            "round", "id"
        )
    )
    team_ids = {g.radiant_team_id for g in open_games} | {g.dire_team_id for g in open_games}
    teams = _team_accounts(TeamMember.objects.filter(team_id__in=team_ids))
    best: tuple[int, Game, int] | None = None
    for candidate in open_games:
        for on_radiant, on_dire in (
            (candidate.radiant_team_id, candidate.dire_team_id),
            (candidate.dire_team_id, candidate.radiant_team_id),
        ):
            score_radiant = len(teams.get(on_radiant, set()) & radiant)
            score_dire = len(teams.get(on_dire, set()) & dire)
            if score_radiant and score_dire and (best is None or score_radiant + score_dire > best[0]):
                best = (score_radiant + score_dire, candidate, on_radiant)
    if best is None:
        return None
    game = Game.objects.select_for_update().get(pk=best[1].pk)
    if game.steam_match_id is not None or game.status == GameStatus.FINISHED:
        return None  # taken by a concurrent sync meanwhile
    return game, best[2]


def _link_tournament_game(match: Match, details: MatchDetails) -> None:
    """Link the match to its tournament game and record the winner. Precondition: inside match_store."""
    radiant = {p.account_id for p in details.players if p.team == "radiant" and p.account_id}
    dire = {p.account_id for p in details.players if p.team == "dire" and p.account_id}
    found = tournament_game_find(match_id=details.match_id, radiant=radiant, dire=dire)
    if found is None:
        return
    game, radiant_team_id = found
    dire_team_id = game.dire_team_id if radiant_team_id == game.radiant_team_id else game.radiant_team_id
    game.steam_match_id = details.match_id
    game.status = GameStatus.FINISHED
    game.winning_team_id = radiant_team_id if details.radiant_win else dire_team_id
    game.save(update_fields=["steam_match_id", "status", "winning_team"])  # cacheops invalidates on save
    match.game = game
    match.save(update_fields=["game"])


@dataclass
class MemberSyncReport:
    user_id: int
    pages: int = 0
    matches_listed: int = 0
    matches_new: list[int] = field(default_factory=list)
    matches_missing: list[int] = field(default_factory=list)  # not fetchable yet; found by a later run
    private: bool = False
    calls: int = 0


def _overlap_boundary(account_id: int) -> int | None:
    """The match id down to which the history is re-read: the member's SYNC_OVERLAP_MATCHES-th newest stored."""
    newest = list(
        MatchPlayer.objects.filter(account_id=account_id)
        .order_by("-match__match_id")
        .values_list("match__match_id", flat=True)[:SYNC_OVERLAP_MATCHES]
    )
    return newest[-1] if newest else None


def member_games_sync(*, user_id: int, client: SteamClient | None = None) -> MemberSyncReport:
    """Fetch and store the member's matches that are not stored yet. Safe to run twice or concurrently.

    Pages GetMatchHistory from the newest match down: the first page without `start_at_match_id`, each
    next one from the smallest match id of the page before minus one, until a page reaches the overlap
    boundary below the cursor or nothing remains. Each match not stored yet is fetched once, by sequence
    number (GetMatchDetails fails for new matches). Raises SteamUnavailable when the history itself cannot
    be read (the next run does the work); SteamBadKey stops everything.
    """
    client = client or get_client()
    calls_before = client.calls_made
    report = MemberSyncReport(user_id=user_id)
    user = User.objects.filter(pk=user_id, steam_id__isnull=False).first()
    if user is None or user.account_id is None:
        return report
    account_id = user.account_id
    state, _ = MemberSync.objects.get_or_create(user_id=user_id)
    boundary = _overlap_boundary(account_id) if state.cursor_match_id is not None else None

    listed: dict[int, int] = {}  # match id -> sequence number, newest first
    start_at: int | None = None
    try:
        while True:
            page = client.get_match_history(
                account_id, start_at_match_id=start_at, matches_requested=HISTORY_PAGE_SIZE, policy=BACKGROUND
            )
            report.pages += 1
            for match in page.matches:
                listed.setdefault(match.match_id, match.match_seq_num)
            smallest = page.smallest_match_id
            if smallest is None or page.results_remaining == 0:
                break
            if boundary is not None and smallest <= boundary:
                break
            if boundary is None and len(listed) >= SYNC_FIRST_MATCHES:
                break
            start_at = smallest - 1
    except SteamPrivateHistory:
        MemberSync.objects.filter(pk=state.pk).update(history_private=True, private_checked_at=timezone.now())
        report.private, report.calls = True, client.calls_made - calls_before
        return report

    wanted = sorted(listed, reverse=True)
    if boundary is None:
        wanted = wanted[:SYNC_FIRST_MATCHES]
    else:
        wanted = [match_id for match_id in wanted if match_id >= boundary]
    report.matches_listed = len(wanted)
    stored = set(Match.objects.filter(match_id__in=wanted).values_list("match_id", flat=True))
    heroes: set[int] = set()
    for match_id in wanted:
        if match_id in stored:
            continue
        try:
            details = client.get_match_by_seq_num(listed[match_id], match_id=match_id, policy=BACKGROUND)
        except SteamBudgetUnavailable:
            raise  # Redis is down: every further call would fail too; the next run does the rest
        except (SteamNotFound, SteamUnavailable) as exc:
            # Listed but not fetchable now (Steam lists some matches before it serves them): a later run
            # finds it again while it is within the overlap. One bad match never blocks the others.
            logger.info("match %s of user %s not fetched now (%s)", match_id, user_id, exc.code)
            report.matches_missing.append(match_id)
            continue
        _, created = match_store(details=details)
        if created:
            report.matches_new.append(match_id)
            heroes.update(player.hero_id for player in details.players)

    _advance_cursor(state.pk, wanted, report.matches_missing)
    heroes_refresh_request(hero_ids=heroes)
    report.calls = client.calls_made - calls_before
    return report


def _advance_cursor(state_pk: int, listed: list[int], missing: list[int]) -> None:
    """Move the cursor to the newest stored match, never backwards (a concurrent run may be ahead)."""
    stored = [match_id for match_id in listed if match_id not in set(missing)]
    values: dict[str, object] = {"history_private": False, "last_synced_at": timezone.now()}
    with transaction.atomic():
        state = MemberSync.objects.select_for_update().get(pk=state_pk)
        newest = max(stored, default=None)
        if newest is not None and (state.cursor_match_id is None or newest > state.cursor_match_id):
            values["cursor_match_id"] = newest
        MemberSync.objects.filter(pk=state_pk).update(**values)
