"""Developer tasks (invoke). `uv run invoke --list` shows them; the README's two commands wrap the main ones.

invoke dev                 the whole stack from the Procfile (web, worker, beat) with demo data
invoke web|worker|beat     one Procfile process
invoke db.migrate          apply migrations
invoke db.populate         demo data (idempotent)
invoke test.run [-c] [-a "pytest args"]   scripts/test: set up, pick the database, run the suite
invoke lint | format       ruff, mypy, import rules | ruff format and fixes
"""

import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from invoke.collection import Collection
from invoke.context import Context
from invoke.tasks import task

ROOT = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PROCFILE = ROOT / "Procfile"
HEALTH_TIMEOUT_SECONDS = 120


def development_defaults() -> None:
    """Without a SECRET_KEY only DEBUG=1 can start Django (it generates a local key), so default to it."""
    if not os.environ.get("SECRET_KEY"):
        os.environ.setdefault("DEBUG", "1")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    (ROOT / ".run").mkdir(exist_ok=True)


def procfile_commands() -> dict[str, str]:
    from honcho.environ import parse_procfile

    return dict(parse_procfile(PROCFILE.read_text()).processes)


def dev_procfile() -> Path:
    """The Procfile, plus the demo's fake Steam when no Steam key is set, so live stats move without one."""
    if os.environ.get("STEAM_API_KEY"):
        return PROCFILE
    steam_port = os.environ.get("STEAM_DEMO_PORT", "8765")
    os.environ["STEAM_API_KEY"] = "demo"
    os.environ["STEAM_API_BASE_URL"] = f"http://127.0.0.1:{steam_port}"
    procfile = ROOT / ".run" / "Procfile.dev"
    procfile.write_text(f"{PROCFILE.read_text().rstrip()}\nsteam: python manage.py fake_steam --port {steam_port}\n")
    return procfile


def manage(c: Context, command: str) -> None:
    c.run(f"{shlex.quote(sys.executable)} manage.py {command}", pty=False)


# --- db -------------------------------------------------------------------------------------------------------------


@task
def migrate(c: Context) -> None:
    """Apply the database migrations."""
    development_defaults()
    with c.cd(str(ROOT)):
        manage(c, "migrate --no-input")


@task
def populate(c: Context) -> None:
    """Create the demo data (40 players, teststaff, testadmin, and every app's demo.py); safe to run again."""
    development_defaults()
    with c.cd(str(ROOT)):
        manage(c, "populate")


# --- test, lint, format ---------------------------------------------------------------------------------------------


@task(help={"ci": "also run ruff, mypy and lint-imports", "args": "arguments for pytest, e.g. '-k draft -x'"})
def run(c: Context, ci: bool = False, args: str = "") -> None:
    """Set up and run the test suite (scripts/test): PostgreSQL when reachable, else SQLite."""
    c.run(f"bash {shlex.quote(str(ROOT / 'scripts' / 'test'))} {'--ci ' if ci else ''}{args}", pty=False)


@task
def lint(c: Context) -> None:
    """ruff check, ruff format --check, mypy and the import rules, as CI runs them."""
    with c.cd(str(ROOT)):
        for command in ("ruff check .", "ruff format --check .", "mypy .", "lint-imports"):
            c.run(f"{BIN}/{command}", pty=False)


@task(name="format")
def format_code(c: Context) -> None:
    """ruff format and ruff's safe fixes."""
    with c.cd(str(ROOT)):
        c.run(f"{BIN}/ruff format .", pty=False)
        c.run(f"{BIN}/ruff check --fix .", pty=False)


# --- processes ------------------------------------------------------------------------------------------------------


def run_procfile_entry(name: str) -> None:
    """Replace this process with one Procfile line, run as the Procfile says: project root, venv on PATH."""
    development_defaults()
    os.chdir(ROOT)
    os.execvp("sh", ["sh", "-c", f"exec {procfile_commands()[name]}"])  # noqa: S606, S607


@task
def web(c: Context) -> None:
    """Only the web process (HTTP and WebSockets on $PORT, default 8000)."""
    run_procfile_entry("web")


@task
def worker(c: Context) -> None:
    """Only the Celery worker."""
    run_procfile_entry("worker")


@task
def beat(c: Context) -> None:
    """Only Celery beat (exactly one may run)."""
    run_procfile_entry("beat")


def announce_when_healthy(port: int, honcho: subprocess.Popen[bytes]) -> None:
    """Print the site's address once /healthz says every process is up.

    Health is read in this process (no HTTP) until it is good, then /healthz is asked once: polling it over
    HTTP would fill the log with 503 lines while the worker and beat start.
    """
    import django
    import requests

    def say(message: str) -> None:
        sys.stdout.write(f"\n==> {message}\n\n")
        sys.stdout.flush()

    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    while honcho.poll() is None and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.base")
    django.setup()
    from backend.core.health import health_report

    report: dict[str, str] = {}
    while honcho.poll() is None and time.monotonic() < deadline:
        healthy, report = health_report()
        if healthy:
            break
        time.sleep(0.5)
    if honcho.poll() is not None:
        return
    url = f"http://127.0.0.1:{port}"
    try:
        status = requests.get(f"{url}/healthz", timeout=5).status_code
    except requests.RequestException as error:
        say(f"The web process on port {port} does not answer: {error}")
        return
    if status == 200:
        say(f"DTX is up at {url}/  (admin: {url}/admin/, API docs: {url}/api/docs/, health: {url}/healthz)")
    else:
        say(f"Not healthy after {HEALTH_TIMEOUT_SECONDS} s: {report}; {url}/healthz says which part is down.")


@task(
    help={
        "port": "port of the web process (default: $PORT or 8000)",
        "migrate": "apply migrations first (scripts/dev has just done it and passes --no-migrate)",
    }
)
def dev(c: Context, port: int = 0, migrate: bool = True) -> None:
    """The whole stack from the Procfile (web, worker, beat) through honcho, with migrations and demo data."""
    os.environ.setdefault("DEBUG", "1")
    development_defaults()
    port = port or int(os.environ.get("PORT", "8000"))
    with c.cd(str(ROOT)):
        if migrate:
            manage(c, "migrate --no-input -v 0")
        manage(c, "populate")
    honcho = subprocess.Popen(  # noqa: S603
        [str(BIN / "honcho"), "--procfile", str(dev_procfile()), "--app-root", str(ROOT), "start", "--port", str(port)],
        cwd=ROOT,
    )

    def forward(signum: int, frame: FrameType | None) -> None:
        # honcho stops every process on SIGTERM and then exits; this process waits for that.
        if honcho.poll() is None:
            honcho.send_signal(signal.SIGTERM)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    threading.Thread(target=announce_when_healthy, args=(port, honcho), daemon=True).start()
    sys.exit(honcho.wait())


test = Collection("test")
test.add_task(run, default=True)
namespace = Collection(
    Collection("db", migrate, populate),
    test,
    dev,
    web,
    worker,
    beat,
    lint,
    format_code,
)
