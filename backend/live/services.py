"""The live poll: which live games guild members play, and their latest stats.

Steam offers no "live game of player X" call, so coverage is what Steam allows (say so to users):
league (ticketed) lobbies of the tracked leagues always, through GetLiveLeagueGames (a full scoreboard,
no server id); other games only while they are among GetTopLiveGame's ~10 top games, and then through
GetRealtimeStats by their server id (no gpm/xpm) until that says the game ended.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import STEAM_ID64_BASE, User
from backend.core.cache import invalidate_after_commit
from backend.live import broadcast
from backend.live.models import LiveMatch, LiveSource
from backend.matches.services import members_to_sync, tournament_game_find
from backend.steam.client import LIVE, SteamClient, get_client
from backend.steam.errors import SteamBadKey, SteamError, SteamNotConfigured, SteamNotFound, SteamRejected
from backend.steam.results import LiveLeagueGame, LivePlayer, RealtimeStats, TopLiveGame
from backend.steam.services import heroes_refresh_request
from backend.tournaments.models import GameStatus

logger = logging.getLogger(__name__)

# The share of the call budget the live poll plans to use; user lookups and the guild sync get the rest.
LIVE_BUDGET_SHARE = 0.8
# GetRealtimeStats answers 400 both for "try again" and "no such game": a run of failures means it ended.
REALTIME_FAILURES_TO_END = 3


@dataclass
class Snapshot:
    live_id: int
    source: str
    match_id: int | None = None
    server_steam_id: int | None = None
    league_id: int = 0
    game_time: int | None = None
    radiant_score: int | None = None
    dire_score: int | None = None
    radiant_lead: int | None = None
    players: list[dict[str, Any]] = field(default_factory=list)

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass
class LivePollReport:
    tracked: int = 0
    changed: list[int] = field(default_factory=list)
    ended: list[dict[str, Any]] = field(default_factory=list)  # live_id, match_id, account_ids
    realtime_targets: int = 0
    realtime_refreshed: int = 0
    refresh_seconds: int = 0
    calls: int = 0


def tracked_league_ids() -> list[int]:
    """League ids of the organizations and of tournaments not completed (models that have `steam_league_id`)."""
    ids: set[int] = set()
    for label, name in (("organizations", "Organization"), ("tournaments", "Tournament")):
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        if not any(f.name == "steam_league_id" for f in model._meta.get_fields()):
            continue
        rows = model._default_manager.filter(steam_league_id__isnull=False)
        if any(f.name == "state" for f in model._meta.get_fields()):
            rows = rows.exclude(state="completed")
        ids.update(rows.values_list("steam_league_id", flat=True))
    return sorted(league_id for league_id in ids if league_id)


def _player(player: LivePlayer, users: dict[int, int], *, gpm_xpm: bool) -> dict[str, Any]:
    return {
        "account_id": player.account_id,
        "user": users.get(player.account_id) if player.account_id is not None else None,
        "hero_id": player.hero_id,
        "team": player.team,
        "kills": player.kills,
        "deaths": player.deaths,
        "assists": player.assists,
        "net_worth": player.net_worth,
        "level": player.level,
        "gpm": player.gpm if gpm_xpm else None,
        "xpm": player.xpm if gpm_xpm else None,
    }


def _from_league(game: LiveLeagueGame, users: dict[int, int]) -> Snapshot:
    return Snapshot(
        live_id=game.lobby_id,
        source=LiveSource.LEAGUE,
        match_id=game.match_id,
        league_id=game.league_id,
        game_time=game.game_time,
        radiant_score=game.radiant_score,
        dire_score=game.dire_score,
        radiant_lead=game.radiant_lead,
        players=[_player(p, users, gpm_xpm=True) for p in game.players],
    )


def _from_top(game: TopLiveGame, users: dict[int, int]) -> Snapshot:
    return Snapshot(
        live_id=game.lobby_id,
        source=LiveSource.TOP_LIVE,
        match_id=game.match_id,
        server_steam_id=game.server_steam_id,
        league_id=game.league_id,
        game_time=game.game_time,
        radiant_score=game.radiant_score,
        dire_score=game.dire_score,
        radiant_lead=game.radiant_lead,
        players=[_player(p, users, gpm_xpm=False) for p in game.players],
    )


def _from_realtime(live_id: int, stats: RealtimeStats, base: Snapshot | None, users: dict[int, int]) -> Snapshot:
    return Snapshot(
        live_id=live_id,
        source=LiveSource.TOP_LIVE,
        match_id=stats.match_id or (base.match_id if base else None),
        server_steam_id=stats.server_steam_id,
        league_id=stats.league_id or (base.league_id if base else 0),
        game_time=stats.game_time,
        radiant_score=stats.radiant_score,
        dire_score=stats.dire_score,
        radiant_lead=stats.radiant_lead,
        players=[_player(p, users, gpm_xpm=False) for p in stats.players],  # this source has no gpm/xpm
    )


def _snapshot_of(row: LiveMatch) -> Snapshot:
    return Snapshot(
        live_id=row.live_id,
        source=row.source,
        match_id=row.match_id,
        server_steam_id=row.server_steam_id,
        league_id=row.league_id,
        game_time=row.game_time,
        radiant_score=row.radiant_score,
        dire_score=row.dire_score,
        radiant_lead=row.radiant_lead,
        players=row.players,
    )


def _users_by_account() -> dict[int, int]:
    return {
        steam_id - STEAM_ID64_BASE: user_id
        for user_id, steam_id in User.objects.filter(steam_id__isnull=False).values_list("id", "steam_id")
        if steam_id is not None
    }


def live_poll(
    *, client: SteamClient | None = None, now: datetime | None = None, confirm: Callable[[], None] | None = None
) -> LivePollReport:
    """One poll period: discover, refresh within the budget, store, broadcast changes and ends.

    Raises SteamBadKey / SteamNotConfigured (nothing can be polled); any other Steam failure only costs
    that source's update this period. `confirm` runs after Steam was asked and before anything is stored:
    the caller's check that it may still write (the task checks its lock); whatever it raises aborts the
    poll with nothing stored or broadcast. Precondition: not run concurrently with itself (the task's lock);
    should that lock be lost anyway, the writes are claimed row by row, so no change is broadcast twice.
    """
    client = client or get_client()
    now = now or timezone.now()
    calls_before = client.calls_made
    report = LivePollReport()
    users = _users_by_account()
    member_accounts = {user.account_id for user in members_to_sync() if user.account_id is not None}
    tracked = {row.live_id: row for row in LiveMatch.objects.tracked()}
    seen: dict[int, Snapshot] = {}
    ended: set[int] = set()
    feeds_failed: set[str] = set()

    leagues = tracked_league_ids()
    for league_id in leagues:
        try:
            for league_game in client.get_live_league_games(league_id=league_id, policy=LIVE):
                seen[league_game.lobby_id] = _from_league(league_game, users)
        except (SteamBadKey, SteamNotConfigured):
            raise
        except SteamError as exc:
            feeds_failed.add(LiveSource.LEAGUE)
            logger.warning("live poll: league %s not read this period (%s)", league_id, exc.code)

    top_games: dict[int, TopLiveGame] = {}
    try:
        for game in client.get_top_live_games(partner=0, policy=LIVE):
            if game.account_ids & member_accounts:
                top_games[game.lobby_id] = game
    except (SteamBadKey, SteamNotConfigured):
        raise
    except SteamError as exc:
        feeds_failed.add(LiveSource.TOP_LIVE)
        logger.warning("live poll: top live games not read this period (%s)", exc.code)

    # A member's top live game stays tracked through GetRealtimeStats after it drops out of the top list.
    targets: dict[int, tuple[int, Snapshot | None]] = {}
    for live_id, top_game in top_games.items():
        targets[live_id] = (top_game.server_steam_id, _from_top(top_game, users))
    for live_id, row in tracked.items():
        if row.source == LiveSource.TOP_LIVE and row.server_steam_id and live_id not in targets:
            targets[live_id] = (row.server_steam_id, None)
    report.realtime_targets = len(targets)

    # Stretch refreshes evenly when the budget cannot cover every game every period: the games refreshed
    # longest ago go first, and the resulting period is reported (and logged), never exceeded silently.
    period = settings.LIVE_POLL_SECONDS
    capacity = math.floor(settings.STEAM_CALLS_PER_SECOND * period * LIVE_BUDGET_SHARE) - len(leagues) - 1
    capacity = max(1, capacity)
    stretch = max(1, math.ceil(len(targets) / capacity))
    report.refresh_seconds = period * stretch
    if stretch > 1:
        logger.warning(
            "live poll: %d games, budget for %d refreshes per %d s: each game's stats refresh every %d s",
            len(targets),
            capacity,
            period,
            report.refresh_seconds,
        )
    never = datetime.min.replace(tzinfo=now.tzinfo)  # games not refreshed yet go first
    order = sorted(
        targets,
        key=lambda live_id: (tracked[live_id].stats_refreshed_at or never) if live_id in tracked else never,
    )
    refresh = set(order[:capacity])
    failures: dict[int, int] = {}
    refreshed: set[int] = set()
    for live_id, (server_steam_id, base) in targets.items():
        if live_id not in refresh:
            # Not its turn: keep the stats it has (the top list's would drop kills and flap every period).
            kept = _snapshot_of(tracked[live_id]) if live_id in tracked else base
            if kept is not None:
                seen[live_id] = kept
            continue
        try:
            stats = client.get_realtime_stats(server_steam_id, policy=LIVE)
        except (SteamBadKey, SteamNotConfigured):
            raise
        except SteamNotFound:
            ended.add(live_id)  # `{}`: the server no longer hosts the game
            continue
        except SteamError as exc:
            previous = tracked[live_id].realtime_failures if live_id in tracked else 0
            # Only Steam's own refusals say the game may be gone; our budget, a 429, a 5xx or a timeout say nothing
            # about the game, and the run of refusals goes on where it was.
            failures[live_id] = previous + 1 if isinstance(exc, SteamRejected) else previous
            if failures[live_id] >= REALTIME_FAILURES_TO_END and base is None:
                ended.add(live_id)
            else:
                seen[live_id] = base or _snapshot_of(tracked[live_id])
            logger.info("live poll: realtime stats of %s failed (%s)", live_id, exc.code)
            continue
        report.realtime_refreshed += 1
        refreshed.add(live_id)
        failures[live_id] = 0
        if stats.has_ended:
            ended.add(live_id)
        else:
            seen[live_id] = _from_realtime(live_id, stats, base, users)

    # A game missing from a feed that answered has left it; one whose feed failed is kept until it answers.
    for live_id, row in tracked.items():
        if live_id in seen or live_id in ended:
            continue
        if row.source == LiveSource.LEAGUE and LiveSource.LEAGUE not in feeds_failed:
            ended.add(live_id)

    if confirm is not None:
        confirm()
    _store(seen, ended, tracked, failures, refreshed, report, now=now)
    heroes_refresh_request(hero_ids=[player["hero_id"] for game in seen.values() for player in game.players])
    report.tracked = len(seen)
    report.calls = client.calls_made - calls_before
    return report


def _mark_tournament_game_live(snapshot: Snapshot) -> None:
    """A live game that is a scheduled tournament game (by match id or teams on both sides) marks it live."""
    radiant = {p["account_id"] for p in snapshot.players if p.get("team") == "radiant" and p.get("account_id")}
    dire = {p["account_id"] for p in snapshot.players if p.get("team") == "dire" and p.get("account_id")}
    found = tournament_game_find(match_id=snapshot.match_id, radiant=radiant, dire=dire)
    if found is not None and found[0].status == GameStatus.SCHEDULED:
        game = found[0]
        game.status = GameStatus.LIVE
        game.save(update_fields=["status"])  # cacheops invalidates on save


@transaction.atomic
def _store(
    seen: dict[int, Snapshot],
    ended: set[int],
    tracked: dict[int, LiveMatch],
    failures: dict[int, int],
    refreshed: set[int],
    report: LivePollReport,
    *,
    now: datetime,
) -> None:
    for live_id, snapshot in seen.items():
        fingerprint = snapshot.fingerprint()
        values = {
            "match_id": snapshot.match_id,
            "server_steam_id": snapshot.server_steam_id,
            "league_id": snapshot.league_id,
            "source": snapshot.source,
            "game_time": snapshot.game_time,
            "radiant_score": snapshot.radiant_score,
            "dire_score": snapshot.dire_score,
            "radiant_lead": snapshot.radiant_lead,
            "players": snapshot.players,
            "refresh_seconds": report.refresh_seconds,
            "realtime_failures": failures.get(live_id, 0),
            "polled_at": now,
            "ended_at": None,
        }
        if live_id in refreshed:
            values["stats_refreshed_at"] = now
        row = tracked.get(live_id) or LiveMatch.objects.filter(live_id=live_id).first()
        appeared = row is None or row.ended_at is not None
        if row is not None and row.fingerprint == fingerprint and row.ended_at is None:
            unchanged = ("polled_at", "realtime_failures", "refresh_seconds", "stats_refreshed_at")
            LiveMatch.objects.filter(pk=row.pk).update(**{k: v for k, v in values.items() if k in unchanged})
            invalidate_after_commit(row)  # update() bypasses cacheops
            continue
        published = {**values, "fingerprint": fingerprint, "updated_at": now, "end_unsent": False}
        if row is None:
            try:
                with transaction.atomic():  # a savepoint: another poll may have stored the game meanwhile
                    row = LiveMatch.objects.create(live_id=live_id, **published)
            except IntegrityError:
                continue  # that poll stored and broadcast it
            created = True
        else:
            # Claimed on the state read at the start of the poll: a poll that ran meanwhile (its lock lost with
            # a Redis restart) and stored a change already leaves nothing to claim, so nothing is sent twice.
            claimed = LiveMatch.objects.filter(pk=row.pk, fingerprint=row.fingerprint, ended_at=row.ended_at)
            if not claimed.update(**published):
                continue
            for name, value in published.items():
                setattr(row, name, value)
            invalidate_after_commit(row)
            created = False
        report.changed.append(live_id)
        broadcast.live_match_changed(row)
        if appeared:
            broadcast.live_match_started(row)
        if created or row.match_id:
            _mark_tournament_game_live(snapshot)
    for live_id in ended:
        row = tracked.get(live_id)
        if row is None:
            continue
        if not LiveMatch.objects.filter(pk=row.pk, ended_at__isnull=True).update(ended_at=now, polled_at=now):
            continue  # another poll ended it (and said so)
        invalidate_after_commit(row)
        accounts = [p["account_id"] for p in row.players if p.get("account_id")]
        report.ended.append({"live_id": live_id, "match_id": row.match_id, "account_ids": accounts})
        broadcast.live_match_ended(live_id=live_id, match_id=row.match_id)
    for lost in LiveMatch.objects.filter(end_unsent=True, ended_at__isnull=False).values("pk", "live_id", "match_id"):
        # Ended while the channel layer failed: said now, by the one poll that claims it.
        if LiveMatch.objects.filter(pk=lost["pk"], end_unsent=True).update(end_unsent=False):
            broadcast.live_match_ended(live_id=lost["live_id"], match_id=lost["match_id"])
