"""A fake Steam Web API over real HTTP, for tests.

It answers every method with the real recorded responses in `../shared/steam-fixtures/` (beside the
repository), lets a test replace an answer (a fixed body or a function of the query), and injects faults
per method: 429 (with or without Retry-After), any 5xx, 400, 403 bad key, a timeout, a malformed body,
`{}`. Faults queue up and are used one per call; every call is recorded with its arrival time, so tests
can count calls and check the call budget where it matters: at Steam.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared" / "steam-fixtures"
API_KEY = "0123456789ABCDEF0123456789ABCDEF"  # what the fake accepts; anything else is a 403

STEAM_ID64_BASE = 76561197960265728


@cache
def _fixture_text(name: str) -> str:
    path = FIXTURES / name
    if not path.exists():
        pytest.fail(f"Steam fixture {name} not found in {FIXTURES} (the fixtures live in ../shared beside the clone)")
    return path.read_text(encoding="utf-8")


def fixture(name: str) -> Any:
    """A fresh copy of a recorded response body (JSON fixtures decoded; .html as text)."""
    text = _fixture_text(name)
    return text if name.endswith(".html") else json.loads(text)


def fixture_names() -> list[str]:
    return sorted(path.name for path in FIXTURES.glob("*.json"))


@dataclass(frozen=True)
class Fault:
    """One injected failure: `kind` is an HTTP status (429, 500, 503, 400, 403...), "timeout", "garbage" or "empty"."""

    kind: int | str
    retry_after: str | None = None
    seconds: float = 0.0


@dataclass
class Call:
    method: str
    params: dict[str, str]
    at: float  # time.monotonic() when the request arrived
    status: int = 0


Handler = Callable[[dict[str, str]], Any]


@dataclass
class ScriptedMatch:
    """A finished match for a scripted history: the recorded 2025 match with these ids and players."""

    match_id: int
    match_seq_num: int
    radiant: list[int | None]  # account ids; None for an anonymous player
    dire: list[int | None] = field(default_factory=list)
    radiant_win: bool = True
    listed: bool = True  # in GetMatchHistory yet
    served: bool = True  # in GetMatchHistoryBySequenceNum yet

    def players(self) -> list[dict[str, Any]]:
        template = fixture("GetMatchHistoryBySequenceNum.json")["result"]["matches"][0]["players"]
        players = []
        for team_number, accounts in ((0, self.radiant), (1, self.dire)):
            for slot, account_id in enumerate(accounts):
                player = copy.deepcopy(template[team_number])
                player.update(
                    account_id=4294967295 if account_id is None else account_id,
                    player_slot=slot + 128 * team_number,
                    team_number=team_number,
                    team_slot=slot,
                    kills=slot + 1,
                )
                players.append(player)
        return players

    def details(self) -> dict[str, Any]:
        match = copy.deepcopy(fixture("GetMatchHistoryBySequenceNum.json")["result"]["matches"][0])
        match.update(
            match_id=self.match_id,
            match_seq_num=self.match_seq_num,
            radiant_win=self.radiant_win,
            start_time=1764977774 + self.match_id % 100000,
            players=self.players(),
        )
        return match

    def history_entry(self) -> dict[str, Any]:
        entry = copy.deepcopy(fixture("GetMatchHistory.json")["result"]["matches"][0])
        entry.update(
            match_id=self.match_id,
            match_seq_num=self.match_seq_num,
            players=[
                {k: p[k] for k in ("account_id", "player_slot", "team_number", "team_slot", "hero_id")}
                for p in self.players()
            ],
        )
        return entry


@dataclass
class FakeSteam:
    server: HTTPServer
    handlers: dict[str, Handler] = field(default_factory=dict)
    faults: dict[str, deque[Fault]] = field(default_factory=lambda: defaultdict(deque))
    calls: list[Call] = field(default_factory=list)
    vanity_names: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    scripted: list[ScriptedMatch] = field(default_factory=list)
    private_accounts: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)
        self.vanity_names["chernobilly"] = 76561198080534862  # the player in GetPlayerSummaries.json

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    # --- scripting --------------------------------------------------------------------------------------------------

    def serve(self, method: str, body: Any | Handler) -> None:
        """Answer `method` with `body` (or `body(params)` when callable) instead of the recorded default."""
        self.handlers[method] = body if callable(body) else (lambda _params, body=body: copy.deepcopy(body))

    def fail(self, method: str, *faults: Fault | int | str) -> None:
        """Queue faults for `method` ("*" for any method); each is used by one call, then answers are normal."""
        with self.lock:
            for fault in faults:
                self.faults[method].append(fault if isinstance(fault, Fault) else Fault(fault))

    def script_matches(self, matches: list[ScriptedMatch]) -> None:
        """Serve GetMatchHistory and GetMatchHistoryBySequenceNum from `matches` (the list may change later)."""
        self.scripted = matches
        self.serve("GetMatchHistory", self._scripted_history)
        self.serve("GetMatchHistoryBySequenceNum", self._scripted_sequence)

    def _scripted_history(self, params: dict[str, str]) -> Any:
        account_id = int(params["account_id"])
        if account_id in self.private_accounts:
            return fixture("GetMatchHistory_status15.json")
        start_at = int(params.get("start_at_match_id") or 2**63)
        wanted = int(params.get("matches_requested") or 100)
        played = sorted(
            (m for m in self.scripted if m.listed and account_id in m.radiant + m.dire and m.match_id <= start_at),
            key=lambda m: m.match_id,
            reverse=True,
        )
        page = played[:wanted]
        return {
            "result": {
                "status": 1,
                "num_results": len(page),
                "total_results": len(played),
                "results_remaining": len(played) - len(page),
                "matches": [m.history_entry() for m in page],
            }
        }

    def _scripted_sequence(self, params: dict[str, str]) -> Any:
        start = int(params["start_at_match_seq_num"])
        wanted = int(params.get("matches_requested") or 100)
        after = sorted(
            (m for m in self.scripted if m.served and m.match_seq_num >= start), key=lambda m: m.match_seq_num
        )
        return {"result": {"status": 1, "matches": [m.details() for m in after[:wanted]]}}

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def max_calls_in_window(self, seconds: float = 1.0) -> int:
        """The most calls that arrived within any `seconds`-long window."""
        times = sorted(call.at for call in self.calls)
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # --- serving ----------------------------------------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        parts = [part for part in request.path.split("/") if part]
        method = parts[1] if len(parts) >= 2 else ""
        params = dict(request.args.items())
        call = Call(method=method, params={k: v for k, v in params.items() if k != "key"}, at=time.monotonic())
        with self.lock:
            self.calls.append(call)
            queue = self.faults.get(method) or self.faults.get("*")
            fault = queue.popleft() if queue else None
        response = self._respond(method, params, fault)
        call.status = response.status_code
        return response

    def _respond(self, method: str, params: dict[str, str], fault: Fault | None) -> Response:
        if params.get("key") != API_KEY:
            return Response(fixture("Error_403_BadKey.html"), status=403, content_type="text/html")
        if fault is not None and fault.kind == "timeout":
            # A slow answer: the client's read timeout fires first (the fixture sets it to 0.5 s).
            time.sleep(fault.seconds or 2)
            fault = None
        if fault is not None:
            if fault.kind == "garbage":
                return Response("<html>Service temporarily unavailable</html>{", status=200, content_type="text/html")
            if fault.kind == "empty":
                return _json({})
            status = int(fault.kind)
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            if status == 429:
                return Response(fixture("Error_429_TooManyRequests.html"), 429, headers, content_type="text/html")
            if status == 403:
                return Response(fixture("Error_403_BadKey.html"), 403, content_type="text/html")
            return Response("{}" if status == 500 else "", status, headers, content_type="application/json")
        handler = self.handlers.get(method) or getattr(self, f"_default_{method}", None)
        if handler is None:
            return Response("<html><body><h1>Not Found</h1></body></html>", 404, content_type="text/html")
        return _json(handler(params))

    # --- recorded answers -------------------------------------------------------------------------------------------

    def _default_ResolveVanityURL(self, params: dict[str, str]) -> Any:
        steam_id = self.vanity_names.get(params.get("vanityurl", "").lower())
        if steam_id is None:
            return fixture("ResolveVanityURL_nomatch.json")
        body = fixture("ResolveVanityURL.json")
        body["response"]["steamid"] = str(steam_id)  # the recording resolved a group; tests resolve players
        return body

    def _default_GetPlayerSummaries(self, params: dict[str, str]) -> Any:
        wanted = set(params.get("steamids", "").split(","))
        body = fixture("GetPlayerSummaries.json")
        # Like Steam: ids it does not know are silently left out.
        body["response"]["players"] = [p for p in body["response"]["players"] if p["steamid"] in wanted]
        return body

    def _default_GetMatchHistory(self, params: dict[str, str]) -> Any:
        return fixture("GetMatchHistory.json")

    def _default_GetMatchDetails(self, params: dict[str, str]) -> Any:
        return fixture("GetMatchDetails.json")

    def _default_GetMatchHistoryBySequenceNum(self, params: dict[str, str]) -> Any:
        return fixture("GetMatchHistoryBySequenceNum.json")

    def _default_GetLiveLeagueGames(self, params: dict[str, str]) -> Any:
        return fixture("GetLiveLeagueGames.json")

    def _default_GetTopLiveGame(self, params: dict[str, str]) -> Any:
        return fixture("GetTopLiveGame.json")

    def _default_GetRealtimeStats(self, params: dict[str, str]) -> Any:
        return fixture("GetRealtimeStats.json")

    def _default_GetHeroes(self, params: dict[str, str]) -> Any:
        return fixture("GetHeroes.json")


def _json(body: Any) -> Response:
    return Response(json.dumps(body), 200, content_type="application/json; charset=UTF-8")


@pytest.fixture(scope="session")
def steam_httpserver() -> Iterator[HTTPServer]:
    """One server for the session: stopping one takes half a second (werkzeug's poll interval)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_steam(steam_httpserver: HTTPServer, settings: Any) -> Iterator[FakeSteam]:
    """A fake Steam with the recorded answers; Django settings point the client at it, with its key,
    fast backoff and a budget high enough not to matter (budget tests set their own)."""
    steam_httpserver.clear()
    fake = FakeSteam(steam_httpserver)
    settings.STEAM_API_BASE_URL = fake.url
    settings.STEAM_API_KEY = API_KEY
    settings.STEAM_BACKOFF_INITIAL_SECONDS = 0.05
    settings.STEAM_BACKOFF_MAX_SECONDS = 0.5
    settings.STEAM_CALLS_PER_SECOND = 1000.0
    settings.STEAM_READ_TIMEOUT_SECONDS = 0.5
    yield fake
    steam_httpserver.clear()
