"""Start-up rules of backend.settings.base, checked in fresh processes with a clean environment."""

import json
import os
import re
import secrets
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from backend.settings.base import _redis_url
from tests.processes import ROOT

PRODUCTION = {"DEBUG": "0", "HTTPS": "1", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "dtx.example.org"}

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from backend.settings.base import _redis_url
names = ["SECRET_KEY", "DEBUG", "TEST_LOGIN_ENABLED", "REDIS_URL", "CACHE_REDIS_URL", "CHANNELS_REDIS_URL",
         "CELERY_BROKER_URL"]
print(json.dumps({name: getattr(settings, name) for name in names}))
"""


def clean_env(**variables: str) -> dict[str, str]:
    """Only what a process needs to run, plus `variables`: nothing leaks in from the test's own environment."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "DATABASE_URL": "sqlite:///.run/settings-test-unused.sqlite3",
        **variables,
    }


def run(args: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, env=clean_env(**variables), capture_output=True, text=True, timeout=60, check=False
    )


def settings_of(**variables: str) -> dict[str, object]:
    result = run([sys.executable, "-c", PRINT_SETTINGS], **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_missing_secret_key_in_production_stops_start_up_with_a_clear_message():
    result = run([sys.executable, "-c", "import django; django.setup()"], DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_manage_py_refuses_to_start_without_secret_key_in_production():
    result = run([sys.executable, "manage.py", "check"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_test_login_is_refused_in_production():
    result = run(
        [sys.executable, "-c", "import django; django.setup()"],
        DEBUG="0",
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
        TEST_LOGIN_ENABLED="1",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: TEST_LOGIN_ENABLED=1" in result.stderr
    assert "ALLOW_TEST_LOGIN_IN_PRODUCTION=1" in result.stderr


def test_test_login_in_production_starts_when_explicitly_allowed():
    loaded = settings_of(
        DEBUG="0", SECRET_KEY=PRODUCTION["SECRET_KEY"], TEST_LOGIN_ENABLED="1", ALLOW_TEST_LOGIN_IN_PRODUCTION="1"
    )
    assert loaded["TEST_LOGIN_ENABLED"] is True
    assert loaded["DEBUG"] is False


def test_deploy_check_is_clean_with_production_environment():
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_warnings_without_https():
    """The check above can fail: without HTTPS=1 the deploy warnings (no HSTS, insecure cookies) are reported."""
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **{**PRODUCTION, "HTTPS": "0"}
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_processes_started_together_with_debug_share_one_generated_secret_key(tmp_path):
    key_file = tmp_path / "keys" / "secret_key"
    go = tmp_path / "go"
    # Each process waits for the same signal before it loads the settings, so they race for the key file.
    code = f"import os, time\nwhile not os.path.exists({str(go)!r}): time.sleep(0.005)\n" + PRINT_SETTINGS
    env = clean_env(DEBUG="1", SECRET_KEY_FILE=str(key_file))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    time.sleep(0.5)  # let the interpreters reach the wait loop; not an assertion
    go.touch()
    keys = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        keys.append(json.loads(stdout)["SECRET_KEY"])
    assert len(set(keys)) == 1
    assert keys[0] == key_file.read_text().strip()
    assert len(keys[0]) >= 50
    assert [path.name for path in key_file.parent.iterdir()] == ["secret_key"]  # no temporary files left behind
    # A process started later reads the same key.
    assert settings_of(DEBUG="1", SECRET_KEY_FILE=str(key_file))["SECRET_KEY"] == keys[0]


def test_an_empty_key_file_stops_start_up_with_a_clear_message(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("")
    result = run([sys.executable, "-c", "import django; django.setup()"], DEBUG="1", SECRET_KEY_FILE=str(key_file))
    assert result.returncode != 0
    assert f"{key_file} is empty" in result.stderr


def test_redis_databases_are_derived_from_redis_url():
    loaded = settings_of(SECRET_KEY="x", REDIS_URL="redis://:secret@redis.example.org:6380/4")
    assert loaded["CACHE_REDIS_URL"] == "redis://:secret@redis.example.org:6380/4"
    assert loaded["CHANNELS_REDIS_URL"] == "redis://:secret@redis.example.org:6380/5"
    assert loaded["CELERY_BROKER_URL"] == "redis://:secret@redis.example.org:6380/6"


def test_redis_default_is_local_databases_0_1_2():
    loaded = settings_of(SECRET_KEY="x")
    assert (loaded["CACHE_REDIS_URL"], loaded["CHANNELS_REDIS_URL"], loaded["CELERY_BROKER_URL"]) == (
        "redis://127.0.0.1:6379/0",
        "redis://127.0.0.1:6379/1",
        "redis://127.0.0.1:6379/2",
    )


def test_each_redis_url_can_be_overridden():
    loaded = settings_of(
        SECRET_KEY="x",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CHANNELS_REDIS_URL="redis://channels.example.org:6379/0",
        CELERY_BROKER_URL="rediss://broker.example.org:6379/3",
    )
    assert loaded["CACHE_REDIS_URL"] == "redis://127.0.0.1:6379/0"
    assert loaded["CHANNELS_REDIS_URL"] == "redis://channels.example.org:6379/0"
    assert loaded["CELERY_BROKER_URL"] == "rediss://broker.example.org:6379/3"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("localhost:6379", "the scheme must be redis:// or rediss://"),
        ("http://localhost:6379/2", "the scheme must be redis:// or rediss://"),
        ("redis://localhost:6379/cache", "the path must be a database number, not 'cache'"),
        ("redis://localhost:sixty/0", "the port is not a number"),
        ("redis:///0", "it names no host"),
    ],
)
def test_a_bad_redis_url_is_refused_with_a_clear_message(url, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(f"REDIS_URL={url!r} is not a Redis URL: {message}.")):
        _redis_url("REDIS_URL", url)


def test_a_bad_redis_url_message_hides_the_password():
    with pytest.raises(ImproperlyConfigured) as refused:
        _redis_url("REDIS_URL", "redis://:hunter2@localhost/x")
    assert "hunter2" not in str(refused.value)
    assert "redis://:***@localhost/x" in str(refused.value)


@pytest.mark.parametrize("variable", ["REDIS_URL", "CELERY_BROKER_URL"])
def test_a_bad_redis_url_stops_start_up_naming_the_variable(variable):
    result = run([sys.executable, "-c", "import django; django.setup()"], SECRET_KEY="x", **{variable: "redis:6379"})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {variable}='redis:6379' is not a Redis URL" in result.stderr


def test_starting_processes_never_flushes_redis():
    """Queued tasks, cached data and channel messages survive a restart of web, worker and beat code."""
    urls = (settings.CACHE_REDIS_URL, settings.CHANNELS_REDIS_URL, settings.CELERY_BROKER_URL)
    clients = [redis.Redis.from_url(url) for url in urls]
    for client in clients:
        client.set("dtx:test:survives-start-up", "1")
    code = "import django; django.setup(); import asgi.application; import workers.celery; import backend.urls"
    env = {"SECRET_KEY": "x", "REDIS_URL": settings.REDIS_URL}
    result = run([sys.executable, "-c", code], **env)
    assert result.returncode == 0, result.stderr
    result = run([sys.executable, "manage.py", "check"], **env)
    assert result.returncode == 0, result.stderr
    try:
        assert [client.get("dtx:test:survives-start-up") for client in clients] == [b"1", b"1", b"1"]
    finally:
        for client in clients:
            client.delete("dtx:test:survives-start-up")
