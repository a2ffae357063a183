"""Steam budget benchmark: calls per steady-state guild sync, its wall time at the default budget, and the
refresh interval each live game gets, for 50, 500 and 2,000 members with 0 and 20 live games.

    REDIS_URL=redis://127.0.0.1:6379/8 uv run python bench/steam_sync.py [--members 50,500,2000]

It runs the real sync and live-poll services against the fake Steam (tests/fakes/steam.py) on a scratch
SQLite database, counting the calls that reach the fake. Calls are made at full speed and the wall time at
STEAM_CALLS_PER_SECOND = 1 is derived from the counts: the live poll is served first, so the sync gets
what the live poll leaves (1 - live calls per second).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
os.environ.setdefault("DEBUG", "1")
SCRATCH = ROOT / ".run" / "bench-steam.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}"

import django  # noqa: E402

SCRATCH.parent.mkdir(exist_ok=True)
SCRATCH.unlink(missing_ok=True)
django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pytest_httpserver import HTTPServer  # noqa: E402

from backend.accounts.models import STEAM_ID64_BASE, User  # noqa: E402
from backend.live import services as live_services  # noqa: E402
from backend.live.models import LiveMatch  # noqa: E402
from backend.matches import services as sync_services  # noqa: E402
from backend.matches.models import Match, MatchPlayer, MemberSync  # noqa: E402
from backend.steam.budget import CallBudget  # noqa: E402
from backend.steam.client import SteamClient  # noqa: E402
from tests.fakes.steam import API_KEY, FakeSteam, ScriptedMatch, fixture  # noqa: E402

RATE = 1.0  # the default STEAM_CALLS_PER_SECOND the results are stated for


def reset() -> None:
    LiveMatch.objects.all().delete()
    MatchPlayer.objects.all().delete()
    Match.objects.all().delete()
    MemberSync.objects.all().delete()
    User.objects.all().delete()
    cache.clear()


def live_games(fake: FakeSteam, members: list[int], count: int) -> None:
    """`count` live games, each with one member, in the top list, each with realtime stats."""
    template = fixture("GetTopLiveGame.json")
    games = []
    for index in range(count):
        game = dict(template["game_list"][0])
        game["server_steam_id"] = str(90277912349586453 + index)
        game["lobby_id"] = str(29610055194542853 + index)
        game["players"] = [{"account_id": members[index % len(members)], "hero_id": 1, "team_slot": 0, "team": 0}]
        games.append(game)
    fake.serve("GetTopLiveGame", {**template, "game_list": games})
    stats = fixture("GetRealtimeStats.json")
    fake.serve(
        "GetRealtimeStats",
        lambda params: {**stats, "match": {**stats["match"], "server_steam_id": params["server_steam_id"]}},
    )


def run(fake: FakeSteam, client: SteamClient, members: int) -> list[dict[str, float]]:
    reset()
    accounts = [1_000_000 + index for index in range(members)]
    User.objects.bulk_create(
        [User(username=f"m{account}", steam_id=STEAM_ID64_BASE + account, is_guild_member=True) for account in accounts]
    )
    user_ids = list(User.objects.order_by("id").values_list("id", flat=True))
    # History: each member played 3 matches with 9 other members (so matches are shared, as in a guild).
    script: list[ScriptedMatch] = []
    match_id = 8_000_000_000
    for _ in range(3):
        for start in range(0, members, 10):
            group = accounts[start : start + 10]
            match_id += 1
            script.append(ScriptedMatch(match_id, match_id * 10, radiant=group[:5], dire=group[5:]))
    fake.script_matches(script)
    for user_id in user_ids:  # first sync: not measured
        sync_services.member_games_sync(user_id=user_id, client=client)
    # A few new matches since: one per 20 members.
    for start in range(0, members, 20):
        match_id += 1
        group = accounts[start : start + 10]
        script.append(ScriptedMatch(match_id, match_id * 10, radiant=group[:5], dire=group[5:]))
    new_matches = math.ceil(members / 20)

    fake.calls.clear()
    started = time.monotonic()
    for user_id in user_ids:
        sync_services.member_games_sync(user_id=user_id, client=client)
    elapsed = time.monotonic() - started
    sync_calls = len(fake.calls)

    rows = []
    for live in (0, 20):
        live_games(fake, accounts, live)
        settings.STEAM_CALLS_PER_SECOND = RATE  # the live poll plans with the real budget
        cache.clear()
        fake.calls.clear()
        report = live_services.live_poll(client=client)
        per_period = len(fake.calls)
        live_per_second = per_period / settings.LIVE_POLL_SECONDS
        sync_rate = max(0.0, RATE - live_per_second)
        wall = sync_calls / sync_rate if sync_rate else math.inf
        syncs_per_day = min(24 * 60 / settings.GUILD_SYNC_MINUTES, 86400 / wall if wall else 0)
        rows.append(
            {
                "members": members,
                "live": live,
                "sync_calls": sync_calls,
                "target": members + new_matches + 0,
                "wall_s": wall,
                "measured_s": elapsed,
                "refresh_s": report.refresh_seconds if live else 0,
                "daily": live_per_second * 86400 + sync_calls * syncs_per_day,
            }
        )
        LiveMatch.objects.all().delete()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", default="50,500,2000")
    args = parser.parse_args()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    try:
        call_command("migrate", verbosity=0)
        fake = FakeSteam(server)
        settings.STEAM_API_BASE_URL = fake.url
        settings.STEAM_API_KEY = API_KEY
        settings.DISCORD_GUILD_ID = ""
        client = SteamClient(budget=CallBudget(100_000, prefix="bench:steam:budget"))
        print(
            f"| members | live games | calls per steady-state sync (target <= members + new) | sync wall time at "
            f"{RATE:g} call/s | live refresh interval | calls per day |"
        )
        print("|---|---|---|---|---|---|")
        for members in (int(n) for n in args.members.split(",")):
            for row in run(fake, client, members):
                print(
                    f"| {row['members']} | {row['live']} | {row['sync_calls']} (<= {row['target']}) | "
                    f"{row['wall_s']:.0f} s | {row['refresh_s'] or '-'} s | {row['daily']:,.0f} |"
                )
    finally:
        server.stop()
        SCRATCH.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
