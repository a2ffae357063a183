"""API benchmark: tournament list and detail, cached and with DISABLE_CACHE=1, against a bare DRF endpoint.

Everything runs on loopback and stops by itself (a hard limit of 10 minutes):

1. a private redis-server on a free port, and a database filled with 20 tournaments of 40 players, each with
   8 teams of 5 and 4 games (a SQLite file in a temporary directory unless --database-url names another
   database, which the benchmark then empties: give it one of its own);
2. two `web` processes (`python -m asgi.serve` with WEB_CONCURRENCY=1, DEBUG=0, throttling off) pinned to
   CPU 0, one with the cache on and one with DISABLE_CACHE=1, on the same database and Redis;
3. `wrk` pinned to CPU 1 (with Redis), in alternating rounds (rows are medians), against GET /api/ping/
   (DRF, no database: the ceiling), /api/tournaments/ and /api/tournaments/{id}/, after a warm-up of each.

Results go to bench/results/api.json and bench/results/api.md, and are printed.

    uv run python bench/api.py [--duration 3] [--rounds 3] [--connections 8] [--database-url postgres://.../dtx_bench]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
TOURNAMENTS, PLAYERS_PER_TOURNAMENT, TEAMS_PER_TOURNAMENT, TEAM_SIZE, GAMES_PER_TOURNAMENT = 20, 40, 8, 5, 4
USERS = 400
HARD_LIMIT_SECONDS = 600


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout} s")


def cpu_pin(cpu: int) -> list[str]:
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu)] if taskset and (os.cpu_count() or 1) > 1 else []


def populate(env: dict[str, str]) -> int:
    """Migrate, empty and fill the database; return the id of a tournament for the detail URL."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from backend.accounts.models import STEAM_ID64_BASE, User
    from backend.organizations.models import Organization
    from backend.tournaments.models import Game, GameStatus, Team, TeamMember, Tournament, TournamentType

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench{i}",
                nickname=f"Bench {i}",
                email=f"bench{i}@example.com",
                steam_id=STEAM_ID64_BASE + 10_000 + i,
                mmr=1000 + (i * 137) % 5000,
                positions=[(i + k) % 5 + 1 for k in range(5)],
            )
            for i in range(USERS)
        ]
    )
    organization = Organization.objects.create(name="DTX", slug="dtx")
    organization.admins.add(users[0])
    organization.staff.add(*users[1:4])
    tournaments = Tournament.objects.bulk_create(
        [
            Tournament(
                organization=organization,
                name=f"DTX Cup {n}",
                tournament_type=TournamentType.SINGLE_ELIMINATION,
                state="in_progress",
            )
            for n in range(TOURNAMENTS)
        ]
    )
    registrations = []
    teams: list[Team] = []
    rosters: list[list[User]] = []
    for n, tournament in enumerate(tournaments):
        players = [users[(n * 17 + k) % USERS] for k in range(PLAYERS_PER_TOURNAMENT)]
        registrations += [Tournament.players.through(tournament_id=tournament.pk, user_id=u.pk) for u in players]
        for t in range(TEAMS_PER_TOURNAMENT):
            roster = players[t * TEAM_SIZE : (t + 1) * TEAM_SIZE]
            teams.append(Team(tournament=tournament, name=f"Team {t + 1}", captain=roster[0], draft_order=t + 1))
            rosters.append(roster)
    Tournament.players.through.objects.bulk_create(registrations)
    teams = Team.objects.bulk_create(teams)
    TeamMember.objects.bulk_create(
        [
            TeamMember(team=team, tournament_id=team.tournament_id, user=user)
            for team, roster in zip(teams, rosters, strict=True)
            for user in roster
        ]
    )
    games = []
    for n, tournament in enumerate(tournaments):
        own = teams[n * TEAMS_PER_TOURNAMENT : (n + 1) * TEAMS_PER_TOURNAMENT]
        for g in range(GAMES_PER_TOURNAMENT):
            radiant, dire = own[2 * g], own[2 * g + 1]
            games.append(
                Game(
                    tournament=tournament,
                    radiant_team=radiant,
                    dire_team=dire,
                    winning_team=radiant,
                    status=GameStatus.FINISHED,
                    steam_match_id=7_000_000_000 + n * 10 + g,
                )
            )
    Game.objects.bulk_create(games)
    from django.db import connections

    connections.close_all()
    return tournaments[TOURNAMENTS // 2].pk


LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def with_descendants(pids: list[int]) -> list[int]:
    found, pending = [], list(pids)
    while pending:
        pid = pending.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            pending.extend(int(child) for child in task.read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes and their children have used so far (Linux /proc)."""
    total = 0
    for pid in with_descendants(pids):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)
    return total / os.sysconf("SC_CLK_TCK")


def wrk(url: str, *, duration: int, connections: int, pids: list[int] | None = None) -> dict[str, Any]:
    """One wrk run; with `pids`, also the requests served per CPU-second those processes used meanwhile."""
    args = [*cpu_pin(1), "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    cpu_before = cpu_seconds(pids or [])
    output = subprocess.run(args, capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    cpu = cpu_seconds(pids or []) - cpu_before
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    latency = {f"p{pct}_ms": round(float(value) * UNITS[unit], 3) for pct, value, unit in LATENCY.findall(output)}
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    return {
        "requests_per_second": round(rate, 1),
        **latency,
        "requests_per_cpu_second": round(requests / cpu, 1) if cpu > 0 else None,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else "",
    }


class Server:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log = log
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid  # taskset execs the server: same process

    def __enter__(self) -> Server:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                [*cpu_pin(0), sys.executable, "-m", "asgi.serve"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_http(f"{self.url}/api/ping/")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# API benchmark",
        "",
        f"`{result['command']}` on {result['machine']}; database {result['database']}; "
        f"{result['data']}; wrk {result['connections']} connections, {result['duration_seconds']} s per run, "
        f"median of {result['rounds']} alternating rounds after a warm-up; "
        "servers `python -m asgi.serve` (WEB_CONCURRENCY=1: one process each, DEBUG=0, throttling off) "
        "pinned to CPU 0, wrk and Redis to CPU 1. "
        f"Load average of the machine before and after: {result['load_average']}.",
        "",
        "requests/s is what wrk saw; req/CPU-s divides the requests by the CPU time the server and Redis used "
        "meanwhile, which other processes on a shared machine do not distort (SQLite runs inside the server).",
        "",
        "| endpoint | cache | requests/s | p50 ms | p99 ms | req/CPU-s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['endpoint']} | {row['cache']} | {row['requests_per_second']} | {row['p50_ms']} "
            f"| {row['p99_ms']} | {row['requests_per_cpu_second']} |"
        )
    lines.append("")
    for metric, label in (("requests_per_second", "requests/s"), ("requests_per_cpu_second", "req/CPU-s")):
        targets = result["targets"][metric]
        lines += [
            f"By {label}: cached detail / bare endpoint {targets['detail_vs_bare']:.2f} (target >= 0.80: "
            f"{'met' if targets['detail_vs_bare'] >= 0.8 else 'NOT met'}); cached / uncached detail "
            f"{targets['detail_cached_vs_uncached']:.2f} (target >= 1.5: "
            f"{'met' if targets['detail_cached_vs_uncached'] >= 1.5 else 'NOT met'}); cached / uncached list "
            f"{targets['list_cached_vs_uncached']:.2f}.",
        ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement (default 3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; rows are medians (default 3)")
    parser.add_argument("--database-url", default="", help="a database the benchmark may empty (default: SQLite)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `bash scripts/setup --bench` (or apt-get install wrk).")
    signal.alarm(HARD_LIMIT_SECONDS)

    workdir = Path(tempfile.mkdtemp(prefix="dtx-bench-"))
    redis_port = free_port()
    redis = subprocess.Popen(
        [
            *cpu_pin(1),
            "redis-server",
            "--port",
            str(redis_port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        env = {
            **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_"))},
            "DJANGO_SETTINGS_MODULE": "backend.settings.base",
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "0",
            "API_THROTTLE_ANON": "",
            "API_THROTTLE_USER": "",
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "1",  # one process per server: pinned to one CPU, compared like for like
            "PYTHONUNBUFFERED": "1",
        }
        tournament_id = populate({**env, "DISABLE_CACHE": "1"})
        load_before = os.getloadavg()[0]
        endpoints = [
            ("GET /api/ping/ (bare DRF, no database)", "/api/ping/"),
            ("GET /api/tournaments/ (list)", "/api/tournaments/"),
            (f"GET /api/tournaments/{tournament_id}/ (detail)", f"/api/tournaments/{tournament_id}/"),
        ]
        # Both servers run side by side (only one is loaded at a time) and the measurements alternate in rounds,
        # so a change in the machine's load hits every row alike; each row is the median of its rounds.
        with contextlib.ExitStack() as stack:
            servers = {
                cache: stack.enter_context(Server({**env, "DISABLE_CACHE": disable}, workdir / f"server-{disable}.log"))
                for cache, disable in (("on", "0"), ("off (DISABLE_CACHE=1)", "1"))
            }
            for server in servers.values():
                for _, path in endpoints:
                    wrk(server.url + path, duration=1, connections=args.connections)  # warm-up (and cache fill)
            samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for round_number in range(args.rounds):
                for cache, server in servers.items():
                    for name, path in endpoints:
                        measured = wrk(
                            server.url + path,
                            duration=args.duration,
                            connections=args.connections,
                            pids=[server.pid, redis.pid],
                        )
                        samples.setdefault((name, cache), []).append(measured)
                        print(f"round {round_number + 1} {name:50} cache {cache:22} {measured}", flush=True)
        rows = []
        for (name, cache), runs in samples.items():
            rows.append(
                {
                    "endpoint": name,
                    "cache": cache,
                    **{
                        metric: statistics.median(run[metric] for run in runs)
                        for metric in ("requests_per_second", "p50_ms", "p99_ms", "requests_per_cpu_second")
                    },
                    "non_2xx": sum(run["non_2xx"] for run in runs),
                    "rounds": runs,
                }
            )

        def rate(metric: str, endpoint_prefix: str, cache: str) -> float:
            return float(
                next(
                    row[metric]
                    for row in rows
                    if row["endpoint"].startswith(endpoint_prefix) and row["cache"].startswith(cache)
                )
            )

        detail = f"GET /api/tournaments/{tournament_id}/"
        result = {
            "command": "uv run python bench/api.py" + (" --database-url ..." if args.database_url else ""),
            "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
            "database": database_url.split("://", 1)[0].replace("postgres", "PostgreSQL").replace("sqlite", "SQLite"),
            "data": f"{TOURNAMENTS} tournaments x {PLAYERS_PER_TOURNAMENT} players, {TEAMS_PER_TOURNAMENT} teams of "
            f"{TEAM_SIZE} and {GAMES_PER_TOURNAMENT} games each, {USERS} users",
            "connections": args.connections,
            "duration_seconds": args.duration,
            "rounds": args.rounds,
            "rows": rows,
            "load_average": f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
            "targets": {
                metric: {
                    "detail_vs_bare": round(rate(metric, detail, "on") / rate(metric, "GET /api/ping/", "on"), 3),
                    "detail_cached_vs_uncached": round(rate(metric, detail, "on") / rate(metric, detail, "off"), 3),
                    "list_cached_vs_uncached": round(
                        rate(metric, "GET /api/tournaments/ ", "on") / rate(metric, "GET /api/tournaments/ ", "off"), 3
                    ),
                }
                for metric in ("requests_per_second", "requests_per_cpu_second")
            },
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "api.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "api.md").write_text(markdown(result))
        print(markdown(result))
    finally:
        redis.terminate()
        redis.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
