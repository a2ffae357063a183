"""Test-login endpoints: mounted only with TEST_LOGIN_ENABLED=1; no CSRF token needed; session + csrftoken cookie."""

import importlib
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.test import override_settings
from django.urls import clear_url_caches
from rest_framework.test import APIClient

from backend.accounts.models import User
from tests.factories import UserFactory
from tests.processes import AsgiServer, process_env, running

ENDPOINTS = ["/api/tests/login-user/", "/api/tests/login-staff/", "/api/tests/login-admin/", "/api/tests/login-as/"]
PRIVATE = {"email", "discord_id", "is_staff", "steam_tracking"}
STEAM_ID = "76561197960287930"


def reload_urls() -> None:
    """backend.urls mounts the endpoints at import time, from settings; import it again under the current ones."""
    import backend.urls

    importlib.reload(backend.urls)
    clear_url_caches()


@pytest.fixture
def test_login_disabled() -> Iterator[None]:
    with override_settings(TEST_LOGIN_ENABLED=False):
        reload_urls()
        yield
    reload_urls()


@pytest.fixture
def browser() -> APIClient:
    """A client that enforces CSRF the way a browser session meets it."""
    return APIClient(enforce_csrf_checks=True)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ENDPOINTS)
def test_endpoints_are_404_json_when_disabled(test_login_disabled, browser, path):
    response = browser.post(path, {"username": "someone"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert not User.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.slow
def test_real_server_started_without_test_login_answers_404(transactional_db):
    server = AsgiServer(process_env(TEST_LOGIN_ENABLED="0"))
    with running(server):
        for path in ENDPOINTS:
            response = requests.post(f"{server.url}{path}", json={"username": "someone"}, timeout=10)
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "username", "is_staff", "is_superuser"),
    [
        ("/api/tests/login-user/", "testuser", False, False),
        ("/api/tests/login-staff/", "teststaff", True, False),
        ("/api/tests/login-admin/", "testadmin", True, True),
    ],
)
def test_fixed_logins_create_the_user_and_start_a_session_without_csrf(browser, path, username, is_staff, is_superuser):
    response = browser.post(path)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == username
    assert body["is_staff"] is is_staff
    assert body.keys() >= PRIVATE  # the self view
    user = User.objects.get(username=username)
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
    assert response.cookies[settings.SESSION_COOKIE_NAME].value
    assert response.cookies[settings.CSRF_COOKIE_NAME].value
    assert browser.get("/api/users/me/").json() == body
    # A second call finds the same user.
    assert browser.post(path).json()["id"] == user.pk
    assert User.objects.filter(username=username).count() == 1


@pytest.mark.django_db
def test_fixed_login_restores_the_role_of_an_existing_user(browser):
    UserFactory(username="teststaff", is_staff=False)
    assert browser.post("/api/tests/login-staff/").json()["is_staff"] is True
    assert User.objects.get(username="teststaff").is_staff


@pytest.mark.django_db
def test_a_write_right_after_login_works_with_the_csrf_cookie(browser):
    browser.post("/api/tests/login-user/")
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value

    refused = browser.patch("/api/users/me/", {"nickname": "No token"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    response = browser.patch("/api/users/me/", {"nickname": "Scripted"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.json()
    assert User.objects.get(username="testuser").nickname == "Scripted"


@pytest.mark.django_db
def test_login_as_username_creates_the_player_with_the_given_fields(browser):
    response = browser.post(
        "/api/tests/login-as/",
        {"username": "newplayer", "mmr": 4200, "steam_id": STEAM_ID, "steam_tracking": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    user = User.objects.get(username="newplayer")
    assert (user.mmr, user.steam_id, user.steam_tracking) == (4200, int(STEAM_ID), False)
    assert (body["id"], body["mmr"], body["steam_id"], body["steam_tracking"]) == (user.pk, 4200, STEAM_ID, False)
    assert browser.get("/api/users/me/").json()["id"] == user.pk


@pytest.mark.django_db
def test_login_as_username_finds_an_existing_player_and_updates_only_given_fields(browser):
    existing = UserFactory(username="veteran", mmr=3000, steam_tracking=True)
    response = browser.post("/api/tests/login-as/", {"username": "veteran", "mmr": 3500}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == existing.pk
    existing.refresh_from_db()
    assert (existing.mmr, existing.steam_tracking) == (3500, True)
    assert User.objects.filter(username="veteran").count() == 1


@pytest.mark.django_db
def test_login_as_user_pk_signs_in_as_that_user(browser):
    existing = UserFactory(username="bypk")
    response = browser.post("/api/tests/login-as/", {"user_pk": existing.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["username"] == "bypk"
    assert browser.get("/api/users/me/").json()["id"] == existing.pk
    assert response.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.mark.django_db
def test_login_as_unknown_user_pk_is_404_json(browser):
    response = browser.post("/api/tests/login-as/", {"user_pk": 987654}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "non_field_errors"),
        ({"user_pk": 1, "username": "both"}, "non_field_errors"),
        ({"username": "has space"}, "username"),
        ({"username": "x", "mmr": -5}, "mmr"),
        ({"username": "x", "mmr": "lots"}, "mmr"),
        ({"username": "x", "steam_id": "123"}, "steam_id"),
        ({"username": "x", "steam_tracking": "maybe"}, "steam_tracking"),
        ({"user_pk": "one"}, "user_pk"),
    ],
)
def test_login_as_bad_input_is_400_json_and_creates_no_one(browser, payload, field):
    response = browser.post("/api/tests/login-as/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]
    assert not User.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_login_as_with_a_steam_id_another_player_has_is_400_and_changes_nothing(browser):
    UserFactory(username="owner", steam_id=int(STEAM_ID))
    target = UserFactory(username="target")
    before = target.steam_id
    response = browser.post("/api/tests/login-as/", {"username": "target", "steam_id": STEAM_ID}, format="json")
    assert response.status_code == 400
    assert "steam_id" in response.json()["errors"]
    target.refresh_from_db()
    assert target.steam_id == before


@pytest.mark.django_db
def test_login_as_malformed_json_is_400_json(browser):
    response = browser.post("/api/tests/login-as/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.slow
def test_real_server_login_then_write_with_the_csrf_cookie(transactional_db):
    server = AsgiServer(process_env())
    with running(server):
        session = requests.Session()
        response = session.post(
            f"{server.url}/api/tests/login-as/", json={"username": "scripted", "mmr": 4000}, timeout=10
        )
        assert response.status_code == 200, response.text
        assert response.json()["mmr"] == 4000
        assert session.cookies.get(settings.SESSION_COOKIE_NAME)
        token = session.cookies.get(settings.CSRF_COOKIE_NAME)
        assert token

        assert session.get(f"{server.url}/api/users/me/", timeout=10).json() == response.json()
        refused = session.patch(f"{server.url}/api/users/me/", json={"nickname": "Nope"}, timeout=10)
        assert refused.status_code == 403
        written = session.patch(
            f"{server.url}/api/users/me/", json={"nickname": "Scripted"}, headers={"X-CSRFToken": token}, timeout=10
        )
        assert written.status_code == 200, written.text
    assert User.objects.get(username="scripted").nickname == "Scripted"
