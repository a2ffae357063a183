"""A stand-in Steam Web API for demos: data the project generates itself, shaped like Steam's answers.

Nothing here comes from Steam. A demo game runs on a loop (`CYCLE_SECONDS`): a few seconds of pre-game
skeleton, then live stats that move (game time runs `GAME_SPEED` times faster than the clock), then the
server answers `{}` and the finished match appears in the players' histories and the sequence-number
feed. The demo members (given at start) play every game, so the live poll finds them among the top live
games and the guild sync finds their matches. Run it with `manage.py fake_steam` and point
STEAM_API_BASE_URL at it; any key is accepted except "bad" (403, as Steam does for a wrong key).
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

STEAM_ID64_BASE = 76561197960265728
CYCLE_SECONDS = 8 * 60
LIVE_SECONDS = 6 * 60
PREGAME_SECONDS = 20
GAME_SPEED = 5
EPOCH = 1_767_225_600  # 2026-01-01: cycle numbers count from here
HEROES = [(1, "antimage", "Anti-Mage"), (2, "axe", "Axe"), (5, "crystal_maiden", "Crystal Maiden"),
          (8, "juggernaut", "Juggernaut"), (11, "nevermore", "Shadow Fiend"), (14, "pudge", "Pudge"),
          (18, "sven", "Sven"), (22, "zuus", "Zeus"), (26, "lion", "Lion"), (74, "invoker", "Invoker")]  # fmt: skip


@dataclass(frozen=True)
class DemoGame:
    cycle: int
    accounts: tuple[int, ...]  # ten account ids, radiant first

    @property
    def match_id(self) -> int:
        return 9_000_000_000 + self.cycle

    @property
    def match_seq_num(self) -> int:
        return 8_000_000_000 + self.cycle

    @property
    def lobby_id(self) -> int:
        return 29_000_000_000_000_000 + self.cycle

    @property
    def server_steam_id(self) -> int:
        return 90_000_000_000_000_000 + self.cycle

    @property
    def start_time(self) -> int:
        return EPOCH + self.cycle * CYCLE_SECONDS

    def game_time(self, now: float) -> int:
        return int((now - self.start_time - PREGAME_SECONDS) * GAME_SPEED)

    def player_stats(self, slot: int, game_time: int) -> dict[str, int]:
        """Deterministic stats that grow with game time, different per slot and game."""
        minutes = max(0, game_time) / 60
        seed = (self.cycle * 7 + slot * 13) % 11
        return {
            "hero_id": HEROES[(self.cycle + slot) % len(HEROES)][0],
            "kills": int(minutes * (0.2 + seed / 40)),
            "deaths": int(minutes * (0.15 + (10 - seed) / 60)),
            "assists": int(minutes * (0.3 + seed / 30)),
            "last_hits": int(minutes * (3 + seed)),
            "denies": int(minutes * (0.3 + seed / 20)),
            "level": min(30, 1 + int(minutes * 0.8)),
            "net_worth": 600 + int(minutes * (250 + seed * 40)),
            "gpm": 250 + seed * 40,
            "xpm": 300 + seed * 35,
        }

    def radiant_win(self) -> bool:
        return self.cycle % 2 == 0


class DemoSteam:
    def __init__(self, member_accounts: list[int]) -> None:
        filler = [100_001 + index for index in range(10)]
        self.accounts = tuple((member_accounts + filler)[:10])

    def game(self, cycle: int) -> DemoGame:
        return DemoGame(cycle=cycle, accounts=self.accounts)

    def current(self, now: float) -> tuple[DemoGame, float]:
        cycle = int((now - EPOCH) // CYCLE_SECONDS)
        return self.game(cycle), now - EPOCH - cycle * CYCLE_SECONDS

    def finished_games(self, now: float, count: int = 30) -> list[DemoGame]:
        game, elapsed = self.current(now)
        last = game.cycle if elapsed >= LIVE_SECONDS else game.cycle - 1
        return [self.game(cycle) for cycle in range(last, last - count, -1)]

    # --- answers ----------------------------------------------------------------------------------------------------

    def answer(self, method: str, params: dict[str, str], now: float) -> tuple[int, Any]:
        if params.get("key") == "bad":
            return 403, None
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return 404, None
        return 200, handler(params, now)

    def _ResolveVanityURL(self, params: dict[str, str], now: float) -> Any:
        name = params.get("vanityurl", "")
        if not name or name.lower().startswith("nobody"):
            return {"response": {"success": 42, "message": "No match"}}
        account_id = zlib.crc32(name.lower().encode()) % 900_000_000 + 1_000_000
        return {"response": {"steamid": str(STEAM_ID64_BASE + account_id), "success": 1}}

    def _GetPlayerSummaries(self, params: dict[str, str], now: float) -> Any:
        players = []
        for raw in params.get("steamids", "").split(","):
            if not raw.isdigit() or not STEAM_ID64_BASE < int(raw) < STEAM_ID64_BASE + 2**32:
                continue
            account_id = int(raw) - STEAM_ID64_BASE
            avatar = "https://avatars.steamstatic.com/fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb"
            players.append(
                {
                    "steamid": raw,
                    "communityvisibilitystate": 3,
                    "profilestate": 1,
                    "personaname": f"Demo player {account_id}",
                    "profileurl": f"https://steamcommunity.com/profiles/{raw}/",
                    "avatar": f"{avatar}.jpg",
                    "avatarmedium": f"{avatar}_medium.jpg",
                    "avatarfull": f"{avatar}_full.jpg",
                    "personastate": 1,
                }
            )
        return {"response": {"players": players}}

    def _history_players(self, game: DemoGame) -> list[dict[str, int]]:
        return [
            {
                "account_id": account_id,
                "player_slot": slot if slot < 5 else 128 + slot - 5,
                "team_number": 0 if slot < 5 else 1,
                "team_slot": slot % 5,
                "hero_id": game.player_stats(slot, 0)["hero_id"],
            }
            for slot, account_id in enumerate(game.accounts)
        ]

    def _GetMatchHistory(self, params: dict[str, str], now: float) -> Any:
        account_id = int(params.get("account_id") or 0)
        start_at = int(params.get("start_at_match_id") or 2**63)
        wanted = min(100, int(params.get("matches_requested") or 100))
        played = [g for g in self.finished_games(now) if account_id in g.accounts and g.match_id <= start_at]
        page = played[:wanted]
        return {
            "result": {
                "status": 1,
                "num_results": len(page),
                "total_results": len(played),
                "results_remaining": len(played) - len(page),
                "matches": [
                    {
                        "match_id": g.match_id,
                        "match_seq_num": g.match_seq_num,
                        "start_time": g.start_time,
                        "lobby_type": 1,
                        "radiant_team_id": 0,
                        "dire_team_id": 0,
                        "players": self._history_players(g),
                    }
                    for g in page
                ],
            }
        }

    def _match(self, game: DemoGame) -> dict[str, Any]:
        final_time = int((LIVE_SECONDS - PREGAME_SECONDS) * GAME_SPEED)
        players = []
        for slot, account_id in enumerate(game.accounts):
            stats = game.player_stats(slot, final_time)
            players.append(
                {
                    **self._history_players(game)[slot],
                    "account_id": account_id,
                    "kills": stats["kills"],
                    "deaths": stats["deaths"],
                    "assists": stats["assists"],
                    "leaver_status": 0,
                    "last_hits": stats["last_hits"],
                    "denies": stats["denies"],
                    "gold_per_min": stats["gpm"],
                    "xp_per_min": stats["xpm"],
                    "level": stats["level"],
                    "net_worth": stats["net_worth"],
                }
            )
        return {
            "players": players,
            "radiant_win": game.radiant_win(),
            "duration": final_time,
            "pre_game_duration": 90,
            "start_time": game.start_time,
            "match_id": game.match_id,
            "match_seq_num": game.match_seq_num,
            "cluster": 0,
            "lobby_type": 1,
            "human_players": 10,
            "leagueid": 0,
            "game_mode": 2,
            "radiant_score": sum(p["kills"] for p in players[:5]),
            "dire_score": sum(p["kills"] for p in players[5:]),
        }

    def _GetMatchHistoryBySequenceNum(self, params: dict[str, str], now: float) -> Any:
        start = int(params.get("start_at_match_seq_num") or 0)
        wanted = min(100, int(params.get("matches_requested") or 100))
        games = sorted((g for g in self.finished_games(now) if g.match_seq_num >= start), key=lambda g: g.match_seq_num)
        return {"result": {"status": 1, "matches": [self._match(g) for g in games[:wanted]]}}

    def _GetMatchDetails(self, params: dict[str, str], now: float) -> Any:
        return {}  # as broken as the real one for new matches

    def _GetLiveLeagueGames(self, params: dict[str, str], now: float) -> Any:
        return {"result": {"games": [], "status": 200}}

    def _GetHeroes(self, params: dict[str, str], now: float) -> Any:
        heroes = [{"name": f"npc_dota_hero_{name}", "id": i, "localized_name": label} for i, name, label in HEROES]
        return {"result": {"heroes": heroes, "status": 200, "count": len(heroes)}}

    def _live(self, now: float) -> DemoGame | None:
        game, elapsed = self.current(now)
        return game if elapsed < LIVE_SECONDS else None

    def _GetTopLiveGame(self, params: dict[str, str], now: float) -> Any:
        games = []
        game = self._live(now)
        if game is not None:
            game_time = game.game_time(now)
            stats = [game.player_stats(slot, game_time) for slot in range(10)]
            games.append(
                {
                    "activate_time": game.start_time,
                    "deactivate_time": 0,
                    "server_steam_id": str(game.server_steam_id),
                    "lobby_id": str(game.lobby_id),
                    "league_id": 0,
                    "lobby_type": 1,
                    "game_time": max(0, game_time),
                    "delay": 120,
                    "spectators": 3,
                    "game_mode": 2,
                    "average_mmr": 4000,
                    "match_id": str(game.match_id) if game_time > 0 else "0",
                    "radiant_lead": sum(s["net_worth"] for s in stats[:5]) - sum(s["net_worth"] for s in stats[5:]),
                    "radiant_score": sum(s["kills"] for s in stats[:5]),
                    "dire_score": sum(s["kills"] for s in stats[5:]),
                    "players": [
                        {"account_id": a, "hero_id": stats[i]["hero_id"], "team_slot": i % 5, "team": i // 5}
                        for i, a in enumerate(game.accounts)
                    ],
                }
            )
        return {"game_list": games}

    def _GetRealtimeStats(self, params: dict[str, str], now: float) -> Any:
        game = self._live(now)
        if game is None or params.get("server_steam_id") != str(game.server_steam_id):
            return {}
        game_time = game.game_time(now)
        pregame = game_time < 0
        teams = []
        for team_number, slots in ((2, range(5)), (3, range(5, 10))):
            players: list[dict[str, Any]] = []
            for slot in slots:
                stats = game.player_stats(slot, game_time)
                players.append(
                    {
                        "accountid": game.accounts[slot],
                        "playerid": slot,
                        "name": f"Demo player {game.accounts[slot]}",
                        "team": team_number,
                        "heroid": 0 if pregame else stats["hero_id"],
                        "level": stats["level"],
                        "kill_count": stats["kills"],
                        "death_count": stats["deaths"],
                        "assists_count": stats["assists"],
                        "denies_count": stats["denies"],
                        "lh_count": stats["last_hits"],
                        "gold": 600,
                        "net_worth": stats["net_worth"],
                    }
                )
            teams.append(
                {
                    "team_number": team_number,
                    "score": sum(int(p["kill_count"]) for p in players),
                    "net_worth": sum(int(p["net_worth"]) for p in players),
                    "players": players,
                }
            )
        return {
            "match": {
                "server_steam_id": str(game.server_steam_id),
                "match_id": str(game.match_id) if not pregame else "0",
                "timestamp": int(now - game.start_time),
                "game_time": game_time,
                "game_mode": 2,
                "league_id": 0,
                "game_state": 8 if pregame else 5,
            },
            "teams": teams,
            "buildings": [],
            "graph_data": {"graph_gold": []},
            "delta_frame": False,
        }


def make_server(demo: DemoSteam, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            segments = [segment for segment in parts.path.split("/") if segment]
            method = segments[1] if len(segments) >= 2 else ""
            params = {key: values[0] for key, values in parse_qs(parts.query).items()}
            status, body = demo.answer(method, params, time.time())
            if status == 403:
                payload, content_type = b"<html><body><h1>Forbidden</h1>Access is denied.</body></html>", "text/html"
            elif status != 200:
                payload, content_type = b"<html><body><h1>Not Found</h1></body></html>", "text/html"
            else:
                payload, content_type = json.dumps(body).encode(), "application/json; charset=UTF-8"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            # The query holds the key: log the method only.
            logger.debug("demo steam %s", urlsplit(self.path).path)

    return ThreadingHTTPServer((host, port), Handler)
