"""How should the `web` process serve HTTP and WebSockets? Measure the arrangements side by side.

    uv run python -m bench.serve                       # 3 interleaved rounds, about 8 minutes
    uv run python -m bench.serve --rounds 1 --seconds 3 --only uvicorn-asgi,uvicorn-a2wsgi

Every arrangement runs as real server processes on free loopback ports, against a small seeded
database (a temporary SQLite file unless `--database-url` is given). In each round every arrangement
is started, warmed up, measured and stopped, in a rotated order, so that load from other users of
the machine spreads over all of them; the report gives the median over rounds and the spread.

- HTTP: `wrk` (one thread, `--connections` keep-alive connections) on `GET /api/users/{id}/`, a DRF
  detail view, anonymous, ids cycling over the seeded users: requests/s, p50 and p99 latency.
- WebSocket: `--sockets` concurrent sockets on `/ws/ping/`, each sending a JSON message and waiting
  for its echo, again and again: round trips/s, p50 and p99 of a round trip.

With `--database-url postgres://...`, mind that every server thread keeps its own connection
(CONN_MAX_AGE): granian's WSGI mode defaults to backpressure/2 = 256 threads per worker, enough to
exhaust a shared PostgreSQL's 100 connections; leave it out (`--only`) there.

On a machine with 2 or more cores the server processes are pinned to core 0 and the load generators
(wrk, and this script for the WebSocket clients) to core 1, so every arrangement gets the same single
core however many processes it runs: the figures are per core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVER_CORE, LOAD_CORE = 0, 1

WRK_SCRIPT = """
local ids = {%(ids)s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/users/" .. ids[(n %% #ids) + 1] .. "/")
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%%d,"duration_us":%%d,"errors":%%d,"status_errors":%%d,"p50_us":%%d,"p99_us":%%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One command of an arrangement; `port` is where it listens."""

    args: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Arrangement:
    name: str
    description: str
    processes: int  # worker processes that serve requests (masters and supervisors not counted)
    build: Callable[[int, int], list[Server]]  # (public port, workers) -> servers; the first one is public

    def direct_port(self, servers: list[Server]) -> int | None:
        """For a split arrangement, the HTTP server behind the front (measured too, to price the hop)."""
        return servers[1].port if len(servers) > 1 else None


def uvicorn(app: str, port: int, workers: int, lifespan: str = "off") -> list[str]:
    return [
        str(BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--lifespan",
        lifespan,
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def granian(app: str, port: int, workers: int, interface: str = "asgi") -> list[str]:
    return [
        str(BIN / "granian"),
        "--interface",
        interface,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]


def gunicorn(port: int, workers: int) -> list[str]:
    return [
        str(BIN / "gunicorn"),
        "backend.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]


def with_front(backend: Callable[[int, int], list[str]]) -> Callable[[int, int], list[Server]]:
    def build(port: int, workers: int) -> list[Server]:
        upstream = free_port()
        return [
            Server(
                uvicorn("bench.apps:front", port, 1, lifespan="on"),
                port,
                {"UPSTREAM_URL": f"http://127.0.0.1:{upstream}"},
            ),
            Server(backend(upstream, workers), upstream),
        ]

    return build


ARRANGEMENTS = [
    Arrangement(
        "uvicorn-asgi",
        "uvicorn, Django's ASGI handler for HTTP, Channels for WebSockets",
        2,
        lambda port, workers: [Server(uvicorn("bench.apps:django_asgi", port, workers), port)],
    ),
    Arrangement(
        "granian-asgi",
        "granian (ASGI), Django's ASGI handler for HTTP, Channels for WebSockets",
        2,
        lambda port, workers: [Server(granian("bench.apps:django_asgi", port, workers), port)],
    ),
    Arrangement(
        "uvicorn-a2wsgi",
        "uvicorn; HTTP through Django's WSGI handler in an a2wsgi thread pool in the same process; Channels",
        2,
        lambda port, workers: [Server(uvicorn("asgi.application:application", port, workers, lifespan="on"), port)],
    ),
    Arrangement(
        "granian-a2wsgi",
        "granian (ASGI); HTTP through Django's WSGI handler in an a2wsgi thread pool; Channels",
        2,
        lambda port, workers: [Server(granian("asgi.application:application", port, workers), port)],
    ),
    Arrangement(
        "gunicorn-sync+front",
        "gunicorn sync workers for HTTP behind a 1-process uvicorn front that proxies HTTP and serves WebSockets",
        3,
        with_front(gunicorn),
    ),
    Arrangement(
        "granian-wsgi+front",
        "granian WSGI workers for HTTP behind a 1-process uvicorn front that proxies HTTP and serves WebSockets",
        3,
        with_front(lambda port, workers: granian("backend.wsgi:application", port, workers, "wsgi")),
    ),
]


def thread_variant(threads: int) -> Arrangement:
    def build(port: int, workers: int) -> list[Server]:
        args = uvicorn("asgi.application:application", port, workers, lifespan="on")
        return [Server(args, port, {"WEB_THREADS": str(threads)})]

    return Arrangement(f"uvicorn-a2wsgi-threads{threads}", f"uvicorn-a2wsgi with WEB_THREADS={threads}", 2, build)


def server_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GRANIAN_", "UVICORN_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings.base",
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "TEST_LOGIN_ENABLED": "0",
            # Throttling would answer 429 within a second: measure the serving path, not the limiter.
            "API_THROTTLE_ANON": "",
            "API_THROTTLE_USER": "",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    return env


def seed(env: dict[str, str], users: int) -> list[int]:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    code = (
        "import json\n"
        "from backend.accounts.models import User\n"
        f"for i in range({users}):\n"
        "    User.objects.get_or_create(username=f'bench{i}', defaults={'nickname': f'Bench {i}', 'mmr': 2000 + i})\n"
        "print(json.dumps(list(User.objects.filter(username__startswith='bench').values_list('id', flat=True))))\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return [int(i) for i in json.loads(out.stdout.strip().splitlines()[-1])]


def pinned(args: list[str], core: int) -> list[str]:
    return ["taskset", "-c", str(core), *args] if PIN else args


class Running:
    """An arrangement's processes, each in its own process group, with their output in a log file."""

    def __init__(self, servers: list[Server], env: dict[str, str], log_dir: Path, name: str) -> None:
        self.servers = servers
        self.log_path = log_dir / f"{name}.log"
        self.popens: list[subprocess.Popen[bytes]] = []
        with self.log_path.open("ab") as log:
            for server in reversed(servers):  # back ends first, the public front last
                self.popens.append(
                    subprocess.Popen(
                        pinned(server.args, SERVER_CORE),
                        cwd=ROOT,
                        env={**env, **server.env},
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

    def _stats(self) -> list[list[str]]:
        """/proc/PID/stat fields (after the command name) of every process in the arrangement's groups."""
        groups = {p.pid for p in self.popens}
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) in groups:  # pgrp
                found.append(fields)
        return found

    def rss_mib(self) -> float:
        return round(sum(int(f[21]) for f in self._stats()) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)

    def cpu_seconds(self) -> float:
        """User + system CPU time the server processes used so far: what a request costs, whoever else
        is using the machine."""
        return sum(int(f[11]) + int(f[12]) for f in self._stats()) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> float:
        """SIGTERM every group, as a process manager would; returns the seconds until all exited."""
        started = time.monotonic()
        for popen in self.popens:
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
        for popen in self.popens:
            try:
                popen.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(5)
        return round(time.monotonic() - started, 2)


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer 200 within {timeout} s")
        time.sleep(0.2)


def run_wrk(
    port: int, seconds: float, connections: int, script: Path, cpu_seconds: Callable[[], float] | None = None
) -> dict[str, Any]:
    cpu_before = cpu_seconds() if cpu_seconds else 0.0
    out = subprocess.run(
        pinned(
            [
                "wrk",
                "--threads",
                "1",
                "--connections",
                str(connections),
                "--duration",
                f"{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "--script",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            LOAD_CORE,
        ),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    result = {
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "requests": raw["requests"],
        "errors": raw["errors"] + raw["status_errors"],
    }
    if cpu_seconds:
        result["cpu_ms_per_request"] = round((cpu_seconds() - cpu_before) * 1000 / max(1, raw["requests"]), 3)
    return result


async def websocket_round_trips(
    url: str, sockets: int, seconds: float, warmup: float, cpu_seconds: Callable[[], float] | None = None
) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    origin = "http://127.0.0.1"
    connected_at = time.perf_counter()
    connections = [await connect(url, origin=origin, open_timeout=20) for _ in range(sockets)]  # type: ignore[arg-type]
    connect_s = time.perf_counter() - connected_at
    first = json.loads(await _echo(connections[0], 0))
    if first.get("type") != "pong" or first.get("data") != {"n": 0}:
        raise RuntimeError(f"/ws/ping/ did not echo: {first}")
    latencies: list[float] = []
    start = time.perf_counter()
    measure_from, stop_at = start + warmup, start + warmup + seconds

    async def client(ws: Any) -> None:
        n = 0
        while True:
            t0 = time.perf_counter()
            if t0 >= stop_at:
                return
            await _echo(ws, n)
            n += 1
            if t0 >= measure_from:
                latencies.append(time.perf_counter() - t0)

    cpu_used: list[float] = []

    async def cpu_meter() -> None:
        if cpu_seconds is None:
            return
        await asyncio.sleep(measure_from - time.perf_counter())
        before = cpu_seconds()
        await asyncio.sleep(stop_at - time.perf_counter())
        cpu_used.append(cpu_seconds() - before)

    await asyncio.gather(cpu_meter(), *(client(ws) for ws in connections))
    await asyncio.gather(*(ws.close() for ws in connections))
    latencies.sort()
    return {
        "round_trips_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "round_trips": len(latencies),
        "connect_all_s": round(connect_s, 2),
    } | ({"cpu_us_per_round_trip": round(cpu_used[0] * 1e6 / max(1, len(latencies)), 1)} if cpu_used else {})


async def _echo(ws: Any, n: int) -> str:
    await ws.send(json.dumps({"n": n}))
    return str(await ws.recv())


def measure(
    arrangement: Arrangement, env: dict[str, str], args: argparse.Namespace, ids: list[int], log_dir: Path, script: Path
) -> dict[str, Any]:
    port = free_port()
    servers = arrangement.build(port, args.workers)
    running = Running(servers, env, log_dir, arrangement.name)
    try:
        started = time.monotonic()
        wait_ready(f"http://127.0.0.1:{port}/api/users/{ids[0]}/")
        startup_s = round(time.monotonic() - started, 2)
        run_wrk(port, args.warmup, args.connections, script)  # every worker imported and connected
        result: dict[str, Any] = {"startup_s": startup_s}
        result["http"] = run_wrk(port, args.seconds, args.connections, script, running.cpu_seconds)
        direct = arrangement.direct_port(servers)
        if direct is not None:
            result["http_direct"] = run_wrk(direct, args.seconds, args.connections, script, running.cpu_seconds)
        result["ws"] = asyncio.run(
            websocket_round_trips(
                f"ws://127.0.0.1:{port}/ws/ping/", args.sockets, args.seconds, args.warmup, running.cpu_seconds
            )
        )
        result["rss_mib"] = running.rss_mib()
    except Exception as error:
        result = {"error": f"{type(error).__name__}: {error}"}
    finally:
        stop_s = running.stop()
    result["stop_s"] = stop_s
    return result


def summarize(rounds: list[dict[str, Any]], path: tuple[str, str]) -> dict[str, float] | None:
    values = [r[path[0]][path[1]] for r in rounds if path[0] in r]
    if not values:
        return None
    return {"median": round(statistics.median(values), 2), "min": min(values), "max": max(values)}


METRICS = {
    "http_rps": ("http", "rps"),
    "http_p50_ms": ("http", "p50_ms"),
    "http_p99_ms": ("http", "p99_ms"),
    "http_cpu_ms_per_request": ("http", "cpu_ms_per_request"),
    "http_direct_rps": ("http_direct", "rps"),
    "http_direct_cpu_ms_per_request": ("http_direct", "cpu_ms_per_request"),
    "ws_round_trips_per_s": ("ws", "round_trips_per_s"),
    "ws_p50_ms": ("ws", "p50_ms"),
    "ws_p99_ms": ("ws", "p99_ms"),
    "ws_cpu_us_per_round_trip": ("ws", "cpu_us_per_round_trip"),
}


def markdown(report: dict[str, Any]) -> str:
    p = report["parameters"]
    lines = [
        "# Serving HTTP and WebSockets: measured arrangements",
        "",
        f"`{report['command']}` on {report['machine']['cpus']} cores, {report['started_at']} "
        f"(load average before: {report['machine']['loadavg_before']}, after: {report['machine']['loadavg_after']}).",
        f"Medians of {p['rounds']} interleaved rounds [min-max]; servers pinned to one core, load generators "
        f"to the other; {p['workers']} worker processes per arrangement (+1 front process where it says so). "
        "Other people were using the machine at the same time, hence the spread.",
        "",
        f"HTTP: wrk, {p['connections']} connections, {p['seconds']} s, `GET /api/users/{{id}}/` (DRF, anonymous). "
        f"WebSocket: {p['sockets']} sockets echoing JSON on `/ws/ping/` for {p['seconds']} s.",
        "",
        "Server CPU per request / round trip is the CPU time the server processes used (from /proc) divided by "
        "the requests answered: the cost of the arrangement, mostly independent of other load on the machine.",
        "",
        "| arrangement | processes | HTTP req/s | HTTP p50 ms | HTTP p99 ms | server CPU ms/request "
        "| WS round trips/s | WS p50 ms | WS p99 ms | server CPU us/round trip | RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(summary: dict[str, float] | None, spread: bool = True) -> str:
        if summary is None:
            return "-"
        return f"{summary['median']:g} [{summary['min']:g}-{summary['max']:g}]" if spread else f"{summary['median']:g}"

    for name, entry in report["arrangements"].items():
        s = entry["summary"]
        rss_values = [r["rss_mib"] for r in entry["rounds"] if "rss_mib" in r]
        rss = f"{statistics.median(rss_values):g}" if rss_values else "-"
        lines.append(
            f"| {name} | {entry['processes']} | {cell(s['http_rps'])} | {cell(s['http_p50_ms'], False)} "
            f"| {cell(s['http_p99_ms'], False)} | {cell(s['http_cpu_ms_per_request'])} "
            f"| {cell(s['ws_round_trips_per_s'])} | {cell(s['ws_p50_ms'], False)} "
            f"| {cell(s['ws_p99_ms'], False)} | {cell(s['ws_cpu_us_per_round_trip'])} | {rss} |"
        )
    direct = [
        f"- {name}: {entry['summary']['http_direct_rps']['median']:g} req/s "
        f"({entry['summary']['http_direct_cpu_ms_per_request']['median']:g} CPU ms/request) straight to the WSGI "
        f"server, {entry['summary']['http_rps']['median']:g} req/s "
        f"({entry['summary']['http_cpu_ms_per_request']['median']:g} CPU ms/request) through the front"
        for name, entry in report["arrangements"].items()
        if entry["summary"].get("http_direct_rps")
    ]
    if direct:
        lines += ["", "What the front's hop costs (same run, HTTP only):", "", *direct]
    errors = [
        f"- {name}, round {i + 1}: {r['error']}"
        for name, entry in report["arrangements"].items()
        for i, r in enumerate(entry["rounds"])
        if "error" in r
    ]
    if errors:
        lines += ["", "Failed measurements:", "", *errors]
    return "\n".join(lines) + "\n"


PIN = False


def main() -> None:
    global PIN
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8, help="measured seconds per test")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--sockets", type=int, default=50, help="concurrent WebSockets")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per arrangement")
    parser.add_argument("--users", type=int, default=50, help="users seeded (ids the HTTP test cycles over)")
    parser.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    parser.add_argument("--only", default="", help="comma-separated arrangement names")
    parser.add_argument(
        "--threads",
        default="",
        help="comma-separated WEB_THREADS values: adds uvicorn-a2wsgi-threadsN arrangements to compare pool sizes",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "serve.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `bash scripts/setup --bench` (or apt-get install wrk)")
    cpus = os.cpu_count() or 1
    PIN = cpus >= 2 and shutil.which("taskset") is not None
    if PIN:
        os.sched_setaffinity(0, {LOAD_CORE})  # the WebSocket clients run in this process
    arrangements = ARRANGEMENTS + [thread_variant(int(n)) for n in args.threads.split(",") if n]
    chosen = [a for a in arrangements if not args.only or a.name in args.only.split(",")]

    work_dir = Path(tempfile.mkdtemp(prefix="dtx-bench-serve-"))
    database_url = args.database_url or f"sqlite:///{work_dir / 'bench.sqlite3'}"
    env = server_env(database_url)
    print(f"seeding {database_url} ...", flush=True)
    ids = seed(env, args.users)
    script = work_dir / "users.lua"
    script.write_text(WRK_SCRIPT % {"ids": ",".join(map(str, ids))})

    report: dict[str, Any] = {
        "command": "uv run python -m bench.serve " + " ".join(sys.argv[1:]),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": cpus,
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in os.getloadavg()],
            "pinned": PIN,
        },
        "parameters": {k: v for k, v in vars(args).items() if k not in ("out", "only")}
        | {"database": database_url.split(":")[0]},
        "arrangements": {
            a.name: {"description": a.description, "processes": a.processes, "rounds": []} for a in chosen
        },
    }
    for round_index in range(args.rounds):
        shift = round_index % len(chosen)
        for arrangement in chosen[shift:] + chosen[:shift]:
            result = measure(arrangement, env, args, ids, work_dir, script)
            report["arrangements"][arrangement.name]["rounds"].append(result)
            print(f"round {round_index + 1} {arrangement.name}: {json.dumps(result)}", flush=True)
    for entry in report["arrangements"].values():
        entry["summary"] = {metric: summarize(entry["rounds"], path) for metric, path in METRICS.items()}
    report["machine"]["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]

    out = Path(args.out)
    out.write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    out.with_suffix(".md").write_text(table)
    print(table)
    print(f"written: {out} and {out.with_suffix('.md')}; server logs in {work_dir}")


if __name__ == "__main__":
    main()
