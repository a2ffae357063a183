import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.core.health import heartbeat_write


def health(*parts: str) -> dict[str, str]:
    out = StringIO()
    call_command("health", *parts, stdout=out)
    return json.loads(out.getvalue())


def test_health_command_passes_for_parts_that_are_up(db) -> None:
    heartbeat_write("worker")
    report = health("database", "redis", "worker")
    assert report["worker"] == "ok"


def test_health_command_fails_naming_the_part_without_heartbeat(db) -> None:
    heartbeat_write("worker")
    with pytest.raises(CommandError, match="not ok: beat"):
        health("worker", "beat")
