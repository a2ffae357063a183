"""Typed results of the Steam calls, and the parsers that build them from decoded JSON.

Parsers are pure: they take what `json.loads` gave and return dataclasses, or raise `SteamMalformed`
(an unexpected shape) or a final error Steam expressed inside an HTTP 200 (status 15, "No match", ...).
The quirks they absorb are recorded in STEAM_API.md: 64-bit ids as JSON numbers or strings, a live
`match_id` of 0 before it is known, `matchid` renamed `match_id`, `death` vs `deaths`, team numbers
0/1 in match data but 2/3 in GetRealtimeStats, envelopes `result` / `response` / none, anonymous
players as account 4294967295.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from backend.steam.errors import SteamMalformed, SteamNotFound, SteamPrivateHistory, SteamUnavailable

STEAM_ID64_BASE = 76561197960265728
ANONYMOUS_ACCOUNT_ID = 4294967295  # a player who hides match data
RADIANT, DIRE = "radiant", "dire"

# DOTA_GameState values (odota/core proto/dota_shared_enums.proto).
GAME_STATE_IN_PROGRESS = 5
GAME_STATE_POST_GAME = 6
GAME_STATE_DISCONNECT = 7

T = TypeVar("T")


class _Malformed(Exception):
    """Internal: raised inside a parser, turned into SteamMalformed naming the method."""


# --- value helpers --------------------------------------------------------------------------------------------------


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Malformed(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Malformed(f"{what} is not a list")
    return value


def to_int(value: Any, what: str = "value") -> int:
    """An integer sent as a JSON number or, for 64-bit ids since 2025, as a decimal string. Never a float."""
    if isinstance(value, bool):
        raise _Malformed(f"{what} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # small integers some serialisers write as 12.0; big ids as floats are already damaged
    raise _Malformed(f"{what} is not an integer: {value!r}")


def _int(data: dict[str, Any], key: str, default: int | None = None) -> int:
    if key not in data or data[key] is None:
        if default is None:
            raise _Malformed(f"missing {key}")
        return default
    return to_int(data[key], key)


def _optional_int(data: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        if data.get(key) is not None:
            return to_int(data[key], key)
    return None


def _id_or_none(data: dict[str, Any], *keys: str) -> int | None:
    """A match or lobby id where 0 means "not known yet"."""
    value = _optional_int(data, *keys)
    return value or None


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def account_id_or_none(value: Any) -> int | None:
    """A player's 32-bit account id; None for anonymous players and bots."""
    if value is None:
        return None
    account_id = to_int(value, "account_id")
    if account_id in (0, ANONYMOUS_ACCOUNT_ID) or account_id < 0:
        return None
    return account_id


def _parse(method: str, parser: Callable[[Any], T], payload: Any) -> T:
    try:
        return parser(payload)
    except _Malformed as exc:
        raise SteamMalformed(f"Steam {method} answered an unexpected shape: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SteamMalformed(f"Steam {method} answered an unexpected shape ({type(exc).__name__})") from None


def _envelope(payload: Any, name: str) -> dict[str, Any]:
    body = _object(payload, "body")
    if name not in body:
        raise _Malformed(f"no {name!r} envelope")
    return _object(body[name], name)


def _team_from_slot(player_slot: int) -> str:
    return RADIANT if player_slot < 128 else DIRE


# --- ISteamUser -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayerSummary:
    steam_id: int
    persona_name: str
    avatar: str
    profile_url: str
    visibility: int  # 1 private, 2 friends only, 3 public
    playing_dota: bool  # `gameid` "570": Dota 2 is running (presence, not a match)

    @property
    def account_id(self) -> int:
        return self.steam_id - STEAM_ID64_BASE


def parse_player_summaries(payload: Any) -> list[PlayerSummary]:
    """Unknown ids are silently missing from the answer; callers key the result by steam_id."""

    def parse(payload: Any) -> list[PlayerSummary]:
        response = _envelope(payload, "response")
        players = []
        for raw in _list(response.get("players"), "players"):
            player = _object(raw, "player")
            players.append(
                PlayerSummary(
                    steam_id=_int(player, "steamid"),
                    persona_name=_str(player, "personaname"),
                    avatar=_str(player, "avatarfull") or _str(player, "avatarmedium") or _str(player, "avatar"),
                    profile_url=_str(player, "profileurl"),
                    visibility=_optional_int(player, "communityvisibilitystate") or 1,
                    playing_dota=str(player.get("gameid", "")) == "570",
                )
            )
        return players

    return _parse("GetPlayerSummaries", parse, payload)


def parse_resolve_vanity_url(payload: Any) -> int:
    """The steamid64 a custom URL names. `success` 42 ("No match") raises SteamNotFound."""

    def parse(payload: Any) -> int:
        response = _envelope(payload, "response")
        success = _optional_int(response, "success")
        if success == 42:
            raise SteamNotFound("No Steam profile has that custom URL.")
        if success != 1:
            raise _Malformed(f"success is {success!r}")
        return _int(response, "steamid")

    return _parse("ResolveVanityURL", parse, payload)


# --- IDOTA2Match_570: finished matches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryPlayer:
    account_id: int | None
    player_slot: int
    hero_id: int
    team: str


@dataclass(frozen=True)
class HistoryMatch:
    match_id: int
    match_seq_num: int
    start_time: int
    lobby_type: int
    players: list[HistoryPlayer]


@dataclass(frozen=True)
class MatchHistoryPage:
    matches: list[HistoryMatch]
    results_remaining: int
    total_results: int | None

    @property
    def smallest_match_id(self) -> int | None:
        return min((match.match_id for match in self.matches), default=None)


def _team(player: dict[str, Any], player_slot: int) -> str:
    # team_number (0 radiant, 1 dire) appears in newer match data; the slot's high bit says the same for older data.
    team_number = _optional_int(player, "team_number")
    if team_number in (0, 1):
        return RADIANT if team_number == 0 else DIRE
    return _team_from_slot(player_slot)


def parse_match_history(payload: Any) -> MatchHistoryPage:
    """`status` 15 raises SteamPrivateHistory; another status is a transient Steam failure."""

    def parse(payload: Any) -> MatchHistoryPage:
        result = _envelope(payload, "result")
        status = _optional_int(result, "status")
        if status == 15:
            raise SteamPrivateHistory(str(result.get("statusDetail") or "The player's match history is private."))
        if status != 1:
            raise SteamUnavailable(f"Steam GetMatchHistory answered status {status}: {result.get('statusDetail', '')}")
        matches = []
        for raw in _list(result.get("matches"), "matches"):
            match = _object(raw, "match")
            players = []
            for raw_player in _list(match.get("players"), "players"):
                player = _object(raw_player, "player")
                slot = _int(player, "player_slot")
                players.append(
                    HistoryPlayer(
                        account_id=account_id_or_none(player.get("account_id")),
                        player_slot=slot,
                        hero_id=_int(player, "hero_id", 0),
                        team=_team(player, slot),
                    )
                )
            matches.append(
                HistoryMatch(
                    match_id=_int(match, "match_id"),
                    match_seq_num=_int(match, "match_seq_num"),
                    start_time=_int(match, "start_time", 0),
                    lobby_type=_int(match, "lobby_type", 0),
                    players=players,
                )
            )
        return MatchHistoryPage(
            matches=matches,
            results_remaining=_int(result, "results_remaining", 0),
            total_results=_optional_int(result, "total_results"),
        )

    return _parse("GetMatchHistory", parse, payload)


@dataclass(frozen=True)
class MatchPlayerStats:
    account_id: int | None
    player_slot: int
    team: str
    hero_id: int
    kills: int
    deaths: int
    assists: int
    gpm: int
    xpm: int
    net_worth: int | None  # only in data since ~2020
    level: int
    last_hits: int
    denies: int
    hero_damage: int | None
    tower_damage: int | None
    hero_healing: int | None
    leaver_status: int


@dataclass(frozen=True)
class MatchDetails:
    match_id: int
    match_seq_num: int
    start_time: int
    duration: int
    radiant_win: bool
    league_id: int
    lobby_type: int
    game_mode: int
    radiant_score: int | None
    dire_score: int | None
    radiant_team_id: int | None
    dire_team_id: int | None
    players: list[MatchPlayerStats] = field(default_factory=list)


# GetMatchDetails errors that will never go away (odota/core svc/util/http.ts); any other `error` may.
_FINAL_MATCH_ERRORS = (
    "Match ID not found",
    "No Match ID specified",
    "Practice matches are not available via GetMatchDetails",
)


def _match_details(match: dict[str, Any]) -> MatchDetails:
    players = []
    for raw in _list(match.get("players"), "players"):
        player = _object(raw, "player")
        slot = _int(player, "player_slot")
        players.append(
            MatchPlayerStats(
                account_id=account_id_or_none(player.get("account_id")),
                player_slot=slot,
                team=_team(player, slot),
                hero_id=_int(player, "hero_id", 0),
                kills=_int(player, "kills", 0),
                deaths=_int(player, "deaths", 0),
                assists=_int(player, "assists", 0),
                gpm=_int(player, "gold_per_min", 0),
                xpm=_int(player, "xp_per_min", 0),
                net_worth=_optional_int(player, "net_worth"),
                level=_int(player, "level", 0),
                last_hits=_int(player, "last_hits", 0),
                denies=_int(player, "denies", 0),
                hero_damage=_optional_int(player, "hero_damage"),
                tower_damage=_optional_int(player, "tower_damage"),
                hero_healing=_optional_int(player, "hero_healing"),
                leaver_status=_int(player, "leaver_status", 0),
            )
        )
    radiant_win = match.get("radiant_win")
    if not isinstance(radiant_win, bool):
        raise _Malformed("radiant_win is not a boolean")
    return MatchDetails(
        match_id=_int(match, "match_id"),
        match_seq_num=_int(match, "match_seq_num"),
        start_time=_int(match, "start_time"),
        duration=_int(match, "duration"),
        radiant_win=radiant_win,
        league_id=_int(match, "leagueid", 0),
        lobby_type=_int(match, "lobby_type", 0),
        game_mode=_int(match, "game_mode", 0),
        radiant_score=_optional_int(match, "radiant_score"),
        dire_score=_optional_int(match, "dire_score"),
        radiant_team_id=_id_or_none(match, "radiant_team_id"),
        dire_team_id=_id_or_none(match, "dire_team_id"),
        players=players,
    )


def parse_match_details(payload: Any) -> MatchDetails:
    """GetMatchDetails: `{}` (its breakage since patch 7.36) and final `error`s raise SteamNotFound."""

    def parse(payload: Any) -> MatchDetails:
        body = _object(payload, "body")
        if not body or not body.get("result"):
            raise SteamNotFound("Steam GetMatchDetails answered {} (it fails for matches since patch 7.36).")
        result = _object(body["result"], "result")
        error = result.get("error")
        if error is not None:
            if str(error) in _FINAL_MATCH_ERRORS:
                raise SteamNotFound(f"Steam GetMatchDetails: {error}")
            raise SteamUnavailable(f"Steam GetMatchDetails: {error}")
        if result.get("status") == 2:
            raise SteamNotFound(f"Steam GetMatchDetails: {result.get('statusDetail', 'status 2')}")
        return _match_details(result)

    return _parse("GetMatchDetails", parse, payload)


def parse_match_history_by_sequence_num(payload: Any) -> list[MatchDetails]:
    """Matches with `match_seq_num` >= the one asked for, ascending; each shaped like GetMatchDetails."""

    def parse(payload: Any) -> list[MatchDetails]:
        result = _envelope(payload, "result")
        status = _optional_int(result, "status")
        if status != 1:
            raise SteamUnavailable(f"Steam GetMatchHistoryBySequenceNum answered status {status}")
        return [_match_details(_object(raw, "match")) for raw in _list(result.get("matches"), "matches")]

    return _parse("GetMatchHistoryBySequenceNum", parse, payload)


# --- live games -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LivePlayer:
    """One player of a live game. A stat the source does not report is None."""

    account_id: int | None
    hero_id: int | None
    team: str | None
    name: str = ""
    kills: int | None = None
    deaths: int | None = None
    assists: int | None = None
    last_hits: int | None = None
    denies: int | None = None
    gold: int | None = None
    net_worth: int | None = None
    level: int | None = None
    gpm: int | None = None
    xpm: int | None = None


@dataclass(frozen=True)
class LiveLeagueGame:
    lobby_id: int
    match_id: int | None
    league_id: int
    spectators: int
    stream_delay_s: int
    radiant_team_name: str
    dire_team_name: str
    game_time: int | None  # None until the game started (no scoreboard yet)
    radiant_score: int | None
    dire_score: int | None
    radiant_lead: int | None  # net worth difference, when the scoreboard lists both sides
    players: list[LivePlayer]


# GetLiveLeagueGames `players[].team`: 0 radiant, 1 dire, 2 broadcaster, 4 unassigned (observers are not players).
_LEAGUE_LOBBY_TEAMS = {0: RADIANT, 1: DIRE}


def _league_game(game: dict[str, Any]) -> LiveLeagueGame:
    names: dict[int, str] = {}
    lobby_players: list[LivePlayer] = []
    for raw in _list(game.get("players"), "players"):
        player = _object(raw, "player")
        account_id = account_id_or_none(player.get("account_id"))
        if account_id is not None:
            names[account_id] = _str(player, "name")
        team = _LEAGUE_LOBBY_TEAMS.get(_int(player, "team", 4))
        if team is not None:
            lobby_players.append(
                LivePlayer(
                    account_id=account_id,
                    hero_id=_int(player, "hero_id", 0) or None,
                    team=team,
                    name=_str(player, "name"),
                )
            )
    scoreboard = game.get("scoreboard")
    if not scoreboard:
        players, game_time, radiant_score, dire_score, radiant_lead = lobby_players, None, None, None, None
    else:
        scoreboard = _object(scoreboard, "scoreboard")
        players = []
        net_worth = {RADIANT: 0, DIRE: 0}
        counted = {RADIANT: 0, DIRE: 0}
        scores: dict[str, int | None] = {}
        for team in (RADIANT, DIRE):
            side = _object(scoreboard.get(team) or {}, team)
            scores[team] = _optional_int(side, "score")
            for raw in _list(side.get("players"), f"{team}.players"):
                player = _object(raw, "player")
                account_id = account_id_or_none(player.get("account_id"))
                live = LivePlayer(
                    account_id=account_id,
                    hero_id=_int(player, "hero_id", 0) or None,
                    team=team,
                    name=names.get(account_id, "") if account_id else "",
                    kills=_optional_int(player, "kills"),
                    deaths=_optional_int(player, "death", "deaths"),  # the scoreboard says `death`
                    assists=_optional_int(player, "assists"),
                    last_hits=_optional_int(player, "last_hits"),
                    denies=_optional_int(player, "denies"),
                    gold=_optional_int(player, "gold"),
                    net_worth=_optional_int(player, "net_worth"),
                    level=_optional_int(player, "level"),
                    gpm=_optional_int(player, "gold_per_min"),
                    xpm=_optional_int(player, "xp_per_min"),
                )
                players.append(live)
                if live.net_worth is not None:
                    net_worth[team] += live.net_worth
                    counted[team] += 1
        duration = scoreboard.get("duration")
        game_time = int(duration) if isinstance(duration, int | float) and not isinstance(duration, bool) else None
        radiant_score, dire_score = scores[RADIANT], scores[DIRE]
        radiant_lead = net_worth[RADIANT] - net_worth[DIRE] if counted[RADIANT] and counted[DIRE] else None
        if not players:
            players = lobby_players
    return LiveLeagueGame(
        lobby_id=_int(game, "lobby_id"),
        match_id=_id_or_none(game, "match_id"),
        league_id=_int(game, "league_id", 0),
        spectators=_int(game, "spectators", 0),
        stream_delay_s=_int(game, "stream_delay_s", 0),
        radiant_team_name=_str(_object(game.get("radiant_team") or {}, "radiant_team"), "team_name"),
        dire_team_name=_str(_object(game.get("dire_team") or {}, "dire_team"), "team_name"),
        game_time=game_time,
        radiant_score=radiant_score,
        dire_score=dire_score,
        radiant_lead=radiant_lead,
        players=players,
    )


def parse_live_league_games(payload: Any) -> list[LiveLeagueGame]:
    """`result.status` 200 is success here (not 1). A lone game element (2019 shape): `parse_league_game`."""

    def parse(payload: Any) -> list[LiveLeagueGame]:
        result = _envelope(payload, "result")
        status = _optional_int(result, "status")
        if status not in (None, 200):
            raise SteamUnavailable(f"Steam GetLiveLeagueGames answered status {status}")
        return [_league_game(_object(raw, "game")) for raw in _list(result.get("games"), "games")]

    return _parse("GetLiveLeagueGames", parse, payload)


def parse_league_game(payload: Any) -> LiveLeagueGame:
    return _parse("GetLiveLeagueGames", lambda game: _league_game(_object(game, "game")), payload)


@dataclass(frozen=True)
class TopLiveGame:
    server_steam_id: int
    lobby_id: int
    match_id: int | None
    league_id: int
    lobby_type: int
    game_mode: int
    game_time: int
    average_mmr: int | None
    spectators: int
    radiant_lead: int | None
    radiant_score: int | None
    dire_score: int | None
    radiant_team_name: str
    dire_team_name: str
    last_update_time: int | None
    players: list[LivePlayer]

    @property
    def account_ids(self) -> set[int]:
        return {player.account_id for player in self.players if player.account_id is not None}


def _top_live_game(game: dict[str, Any]) -> TopLiveGame:
    players = []
    for raw in _list(game.get("players"), "players"):
        player = _object(raw, "player")
        team_number = _optional_int(player, "team")  # absent in the 2020 capture
        players.append(
            LivePlayer(
                account_id=account_id_or_none(player.get("account_id")),
                hero_id=_int(player, "hero_id", 0) or None,
                team={0: RADIANT, 1: DIRE}.get(team_number) if team_number is not None else None,
            )
        )
    return TopLiveGame(
        server_steam_id=_int(game, "server_steam_id"),
        lobby_id=_int(game, "lobby_id"),
        match_id=_id_or_none(game, "match_id"),
        league_id=_int(game, "league_id", 0),
        lobby_type=_int(game, "lobby_type", 0),
        game_mode=_int(game, "game_mode", 0),
        game_time=_int(game, "game_time", 0),
        average_mmr=_optional_int(game, "average_mmr"),
        spectators=_int(game, "spectators", 0),
        radiant_lead=_optional_int(game, "radiant_lead"),
        radiant_score=_optional_int(game, "radiant_score"),
        dire_score=_optional_int(game, "dire_score"),
        radiant_team_name=_str(game, "team_name_radiant"),
        dire_team_name=_str(game, "team_name_dire"),
        last_update_time=_optional_int(game, "last_update_time"),
        players=players,
    )


def parse_top_live_game(payload: Any) -> list[TopLiveGame]:
    """A bare object (no envelope); only `game_list` is needed, present in every capture."""

    def parse(payload: Any) -> list[TopLiveGame]:
        body = _object(payload, "body")
        if "game_list" not in body:
            raise _Malformed("no game_list")
        return [_top_live_game(_object(raw, "game")) for raw in _list(body["game_list"], "game_list")]

    return _parse("GetTopLiveGame", parse, payload)


@dataclass(frozen=True)
class RealtimeStats:
    server_steam_id: int
    match_id: int | None
    game_time: int
    game_state: int
    league_id: int
    game_mode: int
    radiant_score: int | None
    dire_score: int | None
    radiant_lead: int | None  # team net worth difference
    players: list[LivePlayer]  # no gpm/xpm in this source

    @property
    def has_ended(self) -> bool:
        return self.game_state in (GAME_STATE_POST_GAME, GAME_STATE_DISCONNECT)


# GetRealtimeStats numbers teams 2 (radiant) and 3 (dire), like the game engine.
_REALTIME_TEAMS = {2: RADIANT, 3: DIRE}


def parse_realtime_stats(payload: Any) -> RealtimeStats:
    """`{}` means an unknown or finished server: SteamNotFound."""

    def parse(payload: Any) -> RealtimeStats:
        body = _object(payload, "body")
        if not body or not body.get("match"):
            raise SteamNotFound("Steam GetRealtimeStats answered {}: no such game (or it has ended).")
        match = _object(body["match"], "match")
        players = []
        scores: dict[str, int | None] = {RADIANT: None, DIRE: None}
        net_worth: dict[str, int | None] = {RADIANT: None, DIRE: None}
        for raw_team in _list(body.get("teams"), "teams"):
            team_data = _object(raw_team, "team")
            team = _REALTIME_TEAMS.get(_int(team_data, "team_number", 0))
            if team is None:
                continue
            scores[team] = _optional_int(team_data, "score")
            net_worth[team] = _optional_int(team_data, "net_worth")
            for raw in _list(team_data.get("players"), "players"):
                player = _object(raw, "player")
                players.append(
                    LivePlayer(
                        account_id=account_id_or_none(player.get("accountid")),
                        hero_id=_int(player, "heroid", 0) or None,  # 0 before heroes are picked
                        team=team,
                        name=_str(player, "name"),
                        kills=_optional_int(player, "kill_count"),
                        deaths=_optional_int(player, "death_count"),
                        assists=_optional_int(player, "assists_count"),
                        last_hits=_optional_int(player, "lh_count"),
                        denies=_optional_int(player, "denies_count"),
                        gold=_optional_int(player, "gold"),
                        net_worth=_optional_int(player, "net_worth"),
                        level=_optional_int(player, "level"),
                    )
                )
        radiant_worth, dire_worth = net_worth[RADIANT], net_worth[DIRE]
        return RealtimeStats(
            server_steam_id=_int(match, "server_steam_id"),
            match_id=_id_or_none(match, "match_id", "matchid"),  # `matchid` in 2019-2020 captures
            game_time=_int(match, "game_time", 0),
            game_state=_int(match, "game_state", 0),
            league_id=_int(match, "league_id", 0),
            game_mode=_int(match, "game_mode", 0),
            radiant_score=scores[RADIANT],
            dire_score=scores[DIRE],
            radiant_lead=radiant_worth - dire_worth if radiant_worth is not None and dire_worth is not None else None,
            players=players,
        )

    return _parse("GetRealtimeStats", parse, payload)


# --- IEconDOTA2_570 -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hero:
    id: int
    name: str
    localized_name: str


def parse_heroes(payload: Any) -> list[Hero]:
    def parse(payload: Any) -> list[Hero]:
        result = _envelope(payload, "result")
        heroes: Iterable[Any] = _list(result.get("heroes"), "heroes")
        return [
            Hero(id=_int(hero, "id"), name=_str(hero, "name"), localized_name=_str(hero, "localized_name"))
            for hero in (_object(raw, "hero") for raw in heroes)
        ]

    return _parse("GetHeroes", parse, payload)
