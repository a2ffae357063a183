"""Real processes for tests: an ASGI server, a Celery worker and beat, and private Redis servers.

Servers run in subprocesses against the test database, so tests that use them need committed data
(`transactional_db`). Redis servers a test may stop are its own, on a free port: the machine's shared
Redis is never stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    condition: Callable[[], Any], timeout: float = 15, interval: float = 0.05, what: str = "condition"
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def database_url() -> str:
    """The URL of the database the tests use right now (the test database, not the configured one)."""
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = settings_dict.get("HOST") or "localhost"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{settings_dict['NAME']}"


def process_env(**overrides: str) -> dict[str, str]:
    """The environment of a server process: the test's own, pointed at the test database."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings.base",
            "DATABASE_URL": database_url(),
            "DEBUG": os.environ.get("DEBUG", "1"),
            "TEST_LOGIN_ENABLED": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


class Process:
    """A subprocess whose output goes to a log file the test can read when it fails."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = Path(tempfile.mkstemp(prefix=f"dtx-{name}-", suffix=".log")[1])
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
        if not self.alive():
            return
        assert self.popen is not None
        os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(5)


def http_ready(url: str) -> Callable[[], bool]:
    import requests

    def check() -> bool:
        try:
            requests.get(url, timeout=1)
        except requests.RequestException:
            return False
        return True

    return check


class AsgiServer(Process):
    """The Procfile's `web` (`python -m asgi.serve`) as one process on a free port."""

    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        env = {"LOG_LEVEL": "WARNING", **env, "HOST": "127.0.0.1", "PORT": str(self.port), "WEB_CONCURRENCY": "1"}
        super().__init__("asgi", [str(BIN / "python"), "-m", "asgi.serve"], env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> AsgiServer:
        super().start()
        try:
            wait_until(http_ready(f"{self.url}/healthz"), timeout=30, what=f"ASGI server on {self.port}")
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"ASGI server did not start:\n{self.log}") from None
        return self


class CeleryWorker(Process):
    """A real `celery -A workers worker` with a prefork pool."""

    def __init__(self, env: dict[str, str], concurrency: int = 1, extra: list[str] | None = None) -> None:
        self.hostname = f"test-{free_port()}@%h"
        super().__init__(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "workers",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                str(concurrency),
                "--hostname",
                self.hostname,
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                *(extra or []),
            ],
            env,
        )

    def start(self) -> CeleryWorker:
        super().start()
        try:
            wait_until(lambda: " ready." in self.log or not self.alive(), timeout=60, what="celery worker ready")
        except TimeoutError:
            self.stop()
            raise TimeoutError(f"worker did not start:\n{self.log}") from None
        if not self.alive():
            raise RuntimeError(f"worker exited:\n{self.log}")
        return self


class CeleryBeat(Process):
    def __init__(self, env: dict[str, str]) -> None:
        schedule = Path(tempfile.mkdtemp(prefix="dtx-beat-")) / "schedule"
        super().__init__(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "workers",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(schedule),
                "--max-interval",
                "1",
            ],
            env,
        )


def channel_layers_at(url: str) -> dict[str, Any]:
    """CHANNEL_LAYERS with the project's layer on the Redis at `url` (a private one a test may stop)."""
    from django.conf import settings

    return {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [url]}}}


class RedisServer:
    """A private redis-server on a free port, which a test may stop and start again (same port)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="dtx-redis-")
        self.popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError("redis-server is not installed; run scripts/setup")
        self.popen = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: self._ping(client), timeout=10, what=f"redis on {self.port}")
        return self

    @staticmethod
    def _ping(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGCONT)  # a test may have paused it
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self.popen = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted by the kernel but never answered."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.popen is not None
        self.popen.send_signal(signal.SIGCONT)


@contextmanager
def running(*processes: Any) -> Iterator[None]:
    try:
        for process in processes:
            process.start()
        yield
    finally:
        for process in reversed(processes):
            process.stop()
