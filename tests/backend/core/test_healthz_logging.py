import logging

import pytest


@pytest.mark.django_db
def test_unhealthy_report_is_logged_once_as_a_warning_not_as_a_server_error(client, caplog, monkeypatch):
    monkeypatch.setattr("backend.core.views._last_down", frozenset())
    # No heartbeat was ever written to the test Redis: worker and beat are down.
    with caplog.at_level(logging.INFO):
        first = client.get("/healthz")
        second = client.get("/healthz")

    assert first.status_code == second.status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "backend.core.views"]
    assert warnings == ["health: beat, worker down"]
