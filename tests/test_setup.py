"""The files that start the project: Procfile, docker-compose.yml, and the test runner's closing summary."""

import importlib.util
import os
import shlex
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import requests
import yaml
from honcho.environ import parse_procfile

from tests.processes import BIN, ROOT, Process, free_port, process_env, wait_until


def load_pytest_summary():
    spec = importlib.util.spec_from_file_location("pytest_summary", ROOT / "scripts" / "pytest_summary.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def procfile() -> dict[str, str]:
    return dict(parse_procfile((ROOT / "Procfile").read_text()).processes)


def procfile_env(**overrides: str) -> dict[str, str]:
    """As the contract runs Procfile lines: the project's virtual environment first on PATH."""
    return process_env(PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **overrides)


def test_procfile_declares_web_worker_and_beat() -> None:
    commands = procfile()
    assert set(commands) == {"web", "worker", "beat"}
    assert shlex.split(commands["worker"])[:4] == ["celery", "-A", "workers", "worker"]
    assert shlex.split(commands["beat"])[:4] == ["celery", "-A", "workers", "beat"]


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_procfile_celery_entries_are_accepted_by_celery(name: str) -> None:
    # Click rejects an unknown option before it honours --help, so this checks every option of the line.
    result = subprocess.run(
        ["sh", "-c", f"{procfile()[name]} --help"],
        cwd=ROOT,
        env=procfile_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_procfile_web_entry_answers_http_on_port(transactional_db) -> None:
    port = free_port()
    web = Process("procfile-web", ["sh", "-c", f"exec {procfile()['web']}"], procfile_env(PORT=str(port)))
    web.start()
    try:

        def health() -> list[requests.Response]:
            # A list, because a 503 response is falsy.
            try:
                return [requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)]
            except requests.RequestException:
                return [] if web.alive() else pytest.fail(f"web exited:\n{web.log}")

        [response] = wait_until(health, timeout=30, interval=0.2, what=f"web on port {port}")
    finally:
        web.stop()
    # No worker or beat runs here, so /healthz may say 503; the database and Redis answer all the same.
    assert response.status_code in (200, 503)
    assert response.json()["database"] == "ok"
    assert response.json()["redis"] == "ok"


def docker_compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("docker-compose")
    if executable is None:
        pytest.skip("docker-compose is not installed (scripts/setup --test installs it with apt-get)")
    return subprocess.run(
        [executable, "--file", str(ROOT / "docker-compose.yml"), "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def compose_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DEBUG", "PORT")}
    return {**env, **overrides}


def test_docker_compose_config_is_accepted_and_runs_the_procfile_commands() -> None:
    result = docker_compose_config(compose_env(SECRET_KEY="compose-check"))
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert {"web", "worker", "beat", "redis", "postgres"} <= set(services)
    for name, command in procfile().items():
        configured = services[name]["command"]
        assert (shlex.split(configured) if isinstance(configured, str) else configured) == shlex.split(command)
    for name in ("web", "worker", "beat", "redis", "postgres"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")


def test_docker_compose_refuses_to_start_without_secret_key() -> None:
    result = docker_compose_config(compose_env())
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_test_summary_lists_skipped_tests_by_reason_and_ends_with_counts(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    junit.write_text(
        textwrap.dedent(
            """\
            <?xml version="1.0" encoding="utf-8"?>
            <testsuites><testsuite name="pytest" errors="1" failures="1" skipped="3" tests="9">
              <testcase classname="tests.test_a" name="test_one" />
              <testcase classname="tests.test_a" name="test_pick"><skipped message="needs PostgreSQL" /></testcase>
              <testcase classname="tests.test_a" name="test_lock"><skipped message="needs PostgreSQL" /></testcase>
              <testcase classname="tests.test_b" name="test_page"><skipped message="no chromium" /></testcase>
            </testsuite></testsuites>
            """
        )
    )
    lines = load_pytest_summary().summarize(str(junit))
    assert lines[0] == "Skipped 3 test(s):"
    assert lines[1] == "  2 x needs PostgreSQL"
    assert "      tests.test_a::test_pick" in lines
    assert "  1 x no chromium" in lines
    assert lines[-1] == "tests: 4 passed, 2 failed, 3 skipped"


def load_tasks():
    spec = importlib.util.spec_from_file_location("dtx_tasks", ROOT / "tasks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_stack_runs_the_demo_fake_steam_when_no_steam_key_is_set(monkeypatch) -> None:
    monkeypatch.delenv("STEAM_API_KEY", raising=False)
    monkeypatch.setenv("STEAM_DEMO_PORT", "8799")
    monkeypatch.setenv("STEAM_API_BASE_URL", "https://api.steampowered.com")

    processes = dict(parse_procfile(load_tasks().dev_procfile().read_text()).processes)

    assert processes == procfile() | {"steam": "python manage.py fake_steam --port 8799"}
    assert os.environ["STEAM_API_BASE_URL"] == "http://127.0.0.1:8799"
    assert os.environ["STEAM_API_KEY"] == "demo"


def test_dev_stack_with_a_steam_key_runs_the_procfile_as_it_is(monkeypatch) -> None:
    monkeypatch.setenv("STEAM_API_KEY", "a-real-key")

    assert load_tasks().dev_procfile() == ROOT / "Procfile"
