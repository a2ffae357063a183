"""Draft fan-out: how fast every watcher of a draft hears a pick, and whether any pick is lost.

For each watcher count (and with one or two web processes behind the same Redis), it starts the web
processes (uvicorn, `asgi.application`), connects the watchers from a separate client process, makes picks
over REST, and reports:

- connect: seconds until every watcher has its snapshot;
- pick POST latency p50/p99 (the POST never waits for the fan-out);
- pick-to-delivery latency p50/p99/max over every (watcher, pick): receive time minus the round's `picked_at`;
- lost: events a watcher never received (every watcher must see every seq after its snapshot), and resyncs
  (snapshots the server sent to repair a gap).

Usage (a database and a Redis of its own; the benchmark creates its data in that database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dtx_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        uv run python bench/draft_fanout.py --watchers 100 1000 5000 --web 1 2

Results are printed as a Markdown table and written to bench/results/draft_fanout.md. `--clients 2` spreads the
watchers over two processes: with 5,000 watchers one client process is itself the limit (a core's worth of work).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
# The web processes run as in production: DEBUG off (no query recording), a key of their own.
os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / '.run' / 'bench-draft.sqlite3'}")
os.environ.setdefault("API_THROTTLE_ANON", "")
os.environ.setdefault("API_THROTTLE_USER", "")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- the watchers (a separate process, so the clients do not share the web processes' cores' accounting) ---------


async def _watch(
    url: str, origin: str, last_seq: int, ready: asyncio.Queue[int], timeout: float, everyone: Everyone
) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    latencies: list[float] = []
    seqs: list[int] = []
    snapshot_seq = -1
    resyncs = 0
    for attempt in range(5):
        try:
            socket = await connect(url, origin=origin, open_timeout=60, compression=None, max_queue=None)
            break
        except Exception:
            await asyncio.sleep(0.5 * (attempt + 1))
    else:
        everyone.finished()
        await ready.put(0)
        return {"connected": False, "latencies": [], "missing": 0, "resyncs": 0}
    try:
        first = json.loads(await asyncio.wait_for(socket.recv(), timeout))
        snapshot_seq = first["seq"]
        await ready.put(1)
        seen = snapshot_seq
        # One deadline for the whole run rather than a wait_for (a task) per message: the client's own cost per
        # message is part of every latency measured here.
        async with asyncio.timeout(timeout):
            while seen < last_seq:
                text = await socket.recv()
                received = time.time()
                message = json.loads(text)
                if message["type"] == "draft.snapshot":
                    resyncs += 1
                    seen = message["seq"]
                    continue
                seqs.append(message["seq"])
                seen = message["seq"]
                picked = (message["data"].get("round") or {}).get("picked_at")
                if message["type"] == "draft.pick" and picked:
                    latency = received - datetime.fromisoformat(picked.replace("Z", "+00:00")).timestamp()
                    latencies.append((message["seq"], latency))
    except (TimeoutError, Exception):
        pass
    finally:
        # Sockets close only once every watcher is done: closing a thousand sockets would otherwise load both
        # sides while the last event is still on its way to the others.
        await everyone.done()
        await socket.close()
    expected = set(range(snapshot_seq + 1, last_seq + 1)) if snapshot_seq >= 0 else set()
    return {"connected": True, "latencies": latencies, "missing": len(expected - set(seqs)), "resyncs": resyncs}


class Everyone:
    """Waits until all `count` watchers of a client process are done."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.all_done = asyncio.Event()

    def finished(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.all_done.set()

    async def done(self) -> None:
        self.finished()
        await self.all_done.wait()


def watchers_process(urls: list[str], origin: str, count: int, last_seq: int, pipe: Any, timeout: float) -> None:
    async def main() -> None:
        ready: asyncio.Queue[int] = asyncio.Queue()
        started = time.monotonic()
        everyone = Everyone(count)
        gate = asyncio.Semaphore(500)  # connects in flight at once, as browsers opening a page would be spread

        async def one(index: int) -> dict[str, Any]:
            async with gate:
                url = urls[index % len(urls)]
                task = asyncio.create_task(_watch(url, origin, last_seq, ready, timeout, everyone))
                await asyncio.sleep(0)
            return await task

        tasks = [asyncio.create_task(one(index)) for index in range(count)]
        connected = 0
        for _ in range(count):
            connected += await ready.get()
        pipe.send(("ready", connected, time.monotonic() - started))
        results = await asyncio.gather(*tasks)
        pipe.send(("done", results))

    asyncio.run(main())


# --- the run ------------------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_draft(teams: int, players: int) -> tuple[int, str, dict[int, str], dict[str, Any]]:
    from rest_framework.authtoken.models import Token

    from backend.accounts.models import User
    from backend.drafts import services
    from backend.drafts.selectors import draft_snapshot
    from backend.organizations.models import Organization
    from backend.tournaments.models import Team, Tournament

    tag = uuid.uuid4().hex[:8]
    organization = Organization.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    staff = User.objects.create(username=f"bench-staff-{tag}", is_staff=True)
    tournament = Tournament.objects.create(organization=organization, name=f"Bench {tag}", tournament_type="swiss")
    captains = [User.objects.create(username=f"bench-{tag}-c{index}", mmr=3000 + index) for index in range(teams)]
    people = [User.objects.create(username=f"bench-{tag}-p{index}", mmr=2000 + index) for index in range(players)]
    tournament.players.add(*captains, *people)
    for index, captain in enumerate(captains):
        team = Team.objects.create(tournament=tournament, name=f"Team {index}", captain=captain, draft_order=index + 1)
        team.memberships.create(user=captain, tournament=tournament)
    draft = services.draft_create(actor=staff, tournament=tournament, style="snake")
    tokens = {captain.pk: Token.objects.create(user=captain).key for captain in captains}
    snapshot = draft_snapshot(draft.pk)
    assert snapshot is not None
    return draft.pk, Token.objects.create(user=staff).key, tokens, snapshot


def run(watchers: int, web: int, picks: int, interval: float, client_processes: int = 1) -> dict[str, Any]:
    import requests

    from tests.processes import AsgiServer, running

    draft_id, _, tokens, snapshot = make_draft(teams=8, players=4 * 8)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    servers = [AsgiServer(env) for _ in range(web)]
    with running(*servers):
        urls = [f"{server.ws_url}/ws/drafts/{draft_id}/" for server in servers]
        last_seq = snapshot["seq"] + picks
        pipes, clients = [], []
        for share in (
            watchers // client_processes + (index < watchers % client_processes) for index in range(client_processes)
        ):
            parent, child = multiprocessing.Pipe()
            client = multiprocessing.Process(
                target=watchers_process, args=(urls, servers[0].url, share, last_seq, child, 120), daemon=True
            )
            client.start()
            pipes.append(parent)
            clients.append(client)
        readies = [pipe.recv() for pipe in pipes]
        connected, connect_seconds = sum(ready[1] for ready in readies), max(ready[2] for ready in readies)
        assert all(ready[0] == "ready" for ready in readies)
        web_pids = [server.popen.pid for server in servers if server.popen is not None]
        web_cpu_before = sum(cpu_seconds(pid) for pid in web_pids)
        client_cpu_before = sum(cpu_seconds(client.pid) for client in clients)
        picks_started = time.monotonic()
        post_latencies = []
        current = snapshot["current_round"]
        available = [player["id"] for player in snapshot["available_players"]]
        session = requests.Session()
        for number in range(picks):
            server = servers[number % len(servers)]
            started = time.monotonic()
            response = session.post(
                f"{server.url}/api/drafts/{draft_id}/pick/",
                json={"player_id": available[0], "round": current["id"]},
                headers={"Authorization": f"Token {tokens[current['captain']]}"},
                timeout=60,
            )
            post_latencies.append(time.monotonic() - started)
            response.raise_for_status()
            body = response.json()
            current, available = body["current_round"], [player["id"] for player in body["available_players"]]
            time.sleep(interval)
        results = [result for pipe in pipes for result in pipe.recv()[1]]
        picks_seconds = time.monotonic() - picks_started
        web_cpu = sum(cpu_seconds(pid) for pid in web_pids) - web_cpu_before
        client_cpu = sum(cpu_seconds(client.pid) for client in clients) - client_cpu_before
        for client in clients:
            client.join(30)
    latencies = [latency for result in results for _, latency in result["latencies"]]
    return {
        "watchers": watchers,
        "web": web,
        "connected": connected,
        "connect_s": connect_seconds,
        "post_p50_ms": 1000 * percentile(post_latencies, 0.5),
        "post_p99_ms": 1000 * percentile(post_latencies, 0.99),
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * max(latencies, default=float("nan")),
        "deliveries": len(latencies),
        "lost": sum(result["missing"] for result in results) + (watchers - connected) * picks,
        "resyncs": sum(result["resyncs"] for result in results),
        # Share of one core used while the picks were made and delivered: near 100% means that side was the limit.
        "web_cpu_pct": 100 * web_cpu / picks_seconds,
        "web_cpu_us_per_delivery": 1e6 * web_cpu / max(len(latencies), 1),
        "client_cpu_pct": 100 * client_cpu / picks_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--web", type=int, nargs="+", default=[1], help="web processes behind the same Redis")
    parser.add_argument("--picks", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between picks")
    parser.add_argument("--clients", type=int, default=1, help="processes the watchers are spread over")
    options = parser.parse_args()

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    load_before = os.getloadavg()[0]
    print(f"load average before: {load_before:.1f} on {os.cpu_count()} cores", flush=True)
    rows = [
        run(count, web, options.picks, options.interval, options.clients)
        for web in options.web
        for count in options.watchers
    ]
    lines = [
        "# Draft fan-out: results",
        "",
        f"`uv run python bench/draft_fanout.py {' '.join(sys.argv[1:])}` on {datetime.now():%Y-%m-%d %H:%M},"
        f" {os.cpu_count()} cores, load average {load_before:.1f} before and {os.getloadavg()[0]:.1f} after;"
        f" picks {options.interval} s apart; the watchers spread over {options.clients} client process(es)"
        " on the same machine.",
        "",
    ]
    lines.append(
        "| web processes | watchers | all connected in | POST p50 / p99 | delivery p50 / p99 / max"
        " | deliveries | lost | resyncs | CPU web / watchers | web CPU per delivery |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        lines.append(
            f"| {row['web']} | {row['watchers']} ({row['connected']} connected) | {row['connect_s']:.1f} s"
            f" | {row['post_p50_ms']:.0f} / {row['post_p99_ms']:.0f} ms"
            f" | {row['p50_ms']:.0f} / {row['p99_ms']:.0f} / {row['max_ms']:.0f} ms"
            f" | {row['deliveries']} | {row['lost']} | {row['resyncs']}"
            f" | {row['web_cpu_pct']:.0f}% / {row['client_cpu_pct']:.0f}%"
            f" | {row['web_cpu_us_per_delivery']:.0f} us |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "draft_fanout.md").write_text(text)


if __name__ == "__main__":
    main()
