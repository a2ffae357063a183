"""A guild member in the first game of the recorded GetTopLiveGame.json, served by the fake Steam, and a poll."""

import copy
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

from tests.fakes.steam import fixture
from workers.tasks import steam as steam_tasks

MEMBER = 1200486799  # plays the first game of GetTopLiveGame.json
TOP = fixture("GetTopLiveGame.json")
LOBBY, SERVER = int(TOP["game_list"][0]["lobby_id"]), int(TOP["game_list"][0]["server_steam_id"])


def serve_member_game(fake_steam: Any, monkeypatch: Any) -> tuple[dict[str, Any], Callable[[], None]]:
    """Serve that game's realtime stats with MEMBER in it. Returns the stats served (change them to script the
    game; empty them to end it) and a poll that is a new poll period at each call."""
    monkeypatch.setattr(steam_tasks.sync_member, "apply_async", lambda **kwargs: None)
    stats = fixture("GetRealtimeStats.json")
    stats["match"]["server_steam_id"] = str(SERVER)
    stats["teams"][0]["players"][0]["accountid"] = MEMBER
    fake_steam.serve("GetRealtimeStats", lambda params: copy.deepcopy(stats))

    def poll() -> None:
        cache.clear()  # the short live cache would answer within one period
        steam_tasks.poll_live_matches()

    return stats, poll
