"""`python -m asgi.serve`, the Procfile's `web`: HTTP and WebSockets on one port, and a clean SIGTERM."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.factories import UserFactory
from tests.processes import BIN, Process, free_port, http_ready, process_env, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (the server's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited; its parent just has not reaped it yet
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


@pytest.fixture
def web():
    port = free_port()
    env = process_env(
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_CONCURRENCY="2",
        DEBUG="0",  # the origin check lets every local origin through when debugging
        SECRET_KEY="test-serve-secret-key-0123456789abcdef0123456789abcdef",
        TEST_LOGIN_ENABLED="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    server = Process("web", [str(BIN / "python"), "-m", "asgi.serve"], env).start()
    server.port = port  # type: ignore[attr-defined]
    try:
        wait_until(http_ready(f"http://127.0.0.1:{port}/healthz"), timeout=60, what="python -m asgi.serve")
    except TimeoutError:
        server.stop()
        pytest.fail(f"python -m asgi.serve did not answer:\n{server.log}")
    yield server
    server.stop(signal.SIGKILL)


def test_one_port_answers_drf_and_websockets(web):
    user = UserFactory(username="served")
    base = f"127.0.0.1:{web.port}"

    assert f"WebSockets (Channels) on http://{base} with 2 uvicorn worker processes" in web.log
    response = requests.get(f"http://{base}/api/users/{user.pk}/", timeout=10)
    assert response.status_code == 200, web.log
    assert response.json()["username"] == "served"
    missing = requests.get(f"http://{base}/api/nothing-here/", timeout=10)
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/json")

    with connect(f"ws://{base}/ws/ping/", origin=f"http://{base}", open_timeout=10) as ws:  # type: ignore[arg-type]
        for n in range(3):
            ws.send(json.dumps({"n": n}))
            assert json.loads(ws.recv(timeout=10)) == {"type": "pong", "seq": n + 1, "data": {"n": n}}

    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://{base}/ws/ping/", origin="http://evil.example", open_timeout=10)  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403


def test_sigterm_stops_server_and_workers_within_seconds(web):
    assert web.popen is not None
    workers = wait_until(lambda: descendants(web.popen.pid), timeout=10, what="worker processes")
    # An open WebSocket must not hold the shutdown up.
    with connect(f"ws://127.0.0.1:{web.port}/ws/ping/", origin=f"http://127.0.0.1:{web.port}", open_timeout=10) as ws:  # type: ignore[arg-type]
        ws.send(json.dumps({"n": 1}))
        ws.recv(timeout=10)
        started = time.monotonic()
        web.popen.send_signal(signal.SIGTERM)  # the main process only, as a process manager does
        try:
            code = web.popen.wait(timeout=8)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 8 s after SIGTERM:\n{web.log}")
    elapsed = time.monotonic() - started
    assert code == 0, web.log
    assert elapsed < 8
    wait_until(lambda: not any(alive(pid) for pid in workers), timeout=5, what="workers to exit")
    assert "Traceback" not in web.log, web.log
