"""WebSocket watchers and REST callers of a draft, for tests that run a real ASGI server."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from backend.accounts.models import User


def run_async(coroutine: Any) -> Any:
    """`asyncio.run` in a thread of its own: an earlier test may have left this thread's event loop running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def token_for(user: User) -> str:
    return Token.objects.get_or_create(user=user)[0].key


def rest(base_url: str, token: str | None, method: str, path: str, body: dict | None = None) -> requests.Response:
    headers = {"Authorization": f"Token {token}"} if token else {}
    return requests.request(method, f"{base_url}/api/{path}", json=body, headers=headers, timeout=30)


def reduce(state: dict[str, Any] | None, message: dict[str, Any]) -> dict[str, Any]:
    """A client's view of the draft: the snapshot, then each change applied as the contract describes it."""
    kind, data = message["type"], message["data"]
    if kind in ("draft.snapshot", "draft.started"):
        return dict(data if kind == "draft.snapshot" else data["draft"])
    assert state is not None, f"{kind} before any snapshot"
    state = {**state, "seq": message["seq"]}
    if kind == "draft.style_changed":
        state["style"] = data["style"]
        state["rounds"] = data["rounds"]
    if kind in ("draft.pick", "draft.undo"):
        changed = [data["round"]] + ([data["current_round"]] if data["current_round"] else [])
        by_id = {draft_round["id"]: draft_round for draft_round in changed}
        state["rounds"] = [by_id.get(draft_round["id"], draft_round) for draft_round in state["rounds"]]
        state["teams"] = [data["team"] if team["id"] == data["team"]["id"] else team for team in state["teams"]]
        players = state["available_players"]
        if kind == "draft.pick":
            players = [player for player in players if player["id"] != data["round"]["choice"]]
        else:
            players = sorted([*players, data["player"]], key=lambda player: player["id"])
            if state["state"] == "completed":
                state["state"] = "active"
        state["available_players"] = players
    if kind != "draft.completed":
        state["current_round"] = data["current_round"]
    else:
        expected = {**data["draft"], "seq": state["seq"]}
        assert {**state, "state": "completed", "current_round": None} == expected, "events did not add up"
        state = dict(data["draft"])
    return state


@dataclass
class Watcher:
    url: str
    origin: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    state: dict[str, Any] | None = None
    snapshot_received: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def seq(self) -> int:
        return self.messages[-1]["seq"] if self.messages else -1

    async def watch(self, until_seq: int, timeout: float = 60) -> None:
        async with connect(self.url, origin=self.origin, open_timeout=30, compression=None) as socket:
            await self.listen(socket, until_seq, timeout)

    async def listen(self, socket: Any, until_seq: int, timeout: float) -> None:
        while self.seq < until_seq:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout))
            self.messages.append(message)
            self.state = reduce(self.state, message)
            if message["type"] == "draft.snapshot":
                self.snapshot_received.set()

    def events(self) -> list[dict[str, Any]]:
        return [message for message in self.messages if message["type"] != "draft.snapshot"]
