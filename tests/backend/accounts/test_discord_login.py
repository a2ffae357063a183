"""Discord sign-in end to end: Django's test client follows every redirect, the Discord hops go over real HTTP
to a local fake Discord (tests/fakes/discord.py)."""

import json
import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.http import HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings
from social_django.models import UserSocialAuth

from backend.accounts.models import User
from tests.factories import UserFactory
from tests.fakes.discord import FakeDiscord, avatar_hash
from tests.processes import AsgiServer, free_port, process_env, running

GUILD_ID = "111122223333444455"
ME = "/api/users/me/"
CDN = "https://cdn.discordapp.com"


@pytest.fixture(scope="module")
def discord_server() -> Iterator[FakeDiscord]:
    with FakeDiscord() as fake:
        yield fake


@pytest.fixture
def discord(discord_server: FakeDiscord, settings: Settings) -> FakeDiscord:
    discord_server.reset()
    discord_server.timeout_seconds = 1.5
    settings.DISCORD_API_BASE_URL = discord_server.base_url
    settings.SOCIAL_AUTH_DISCORD_KEY = discord_server.client_id
    settings.SOCIAL_AUTH_DISCORD_SECRET = discord_server.client_secret
    settings.DISCORD_GUILD_ID = GUILD_ID
    settings.SOCIAL_AUTH_REQUESTS_TIMEOUT = 0.5
    return discord_server


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def follow(browser: Client, discord: FakeDiscord, url: str, **headers: str) -> tuple[HttpResponse, list[str]]:
    """Follow redirects like a browser: Discord's hops over HTTP to the fake, ours through the test client."""
    visited: list[str] = []
    for _ in range(10):
        visited.append(url)
        parts = urlsplit(url)
        if parts.netloc == discord.netloc:
            answer = requests.get(url, allow_redirects=False, timeout=5)
            assert answer.status_code == 302, f"fake Discord answered {answer.status_code}: {answer.text}"
            url = answer.headers["Location"]
            continue
        response = browser.get(parts.path, query_params=parse_qs(parts.query), headers=headers)
        if response.status_code in (301, 302, 303, 307, 308):
            url = response["Location"]
            continue
        return response, visited
    raise AssertionError(f"redirect loop: {visited}")


def sign_in(browser: Client, discord: FakeDiscord, **headers: str) -> tuple[HttpResponse, list[str]]:
    """Start at the login link, asking to land on the current-user endpoint so the page shows who is signed in."""
    return follow(browser, discord, f"/auth/login/discord/?next={ME}", **headers)


def assert_login_error(response: HttpResponse, visited: list[str], code: str, words: str) -> None:
    assert urlsplit(visited[-1]).path == "/auth/error/", visited
    assert parse_qs(urlsplit(visited[-1]).query)["code"] == [code]
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-login-error="{code}"' in page
    assert words in page
    assert 'href="/auth/login/discord/"' in page


def signed_in_user(browser: Client) -> int | None:
    response = browser.get(ME)
    return response.json()["id"] if response.status_code == 200 else None


# --- the way in ----------------------------------------------------------------------------------------------------


def test_login_get_redirects_to_discord_with_state_scope_and_our_callback(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    response = browser.get("/auth/login/discord/")

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{discord.base_url}/oauth2/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == [discord.client_id]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/auth/complete/discord/"]
    assert query["scope"][0].split() == ["identify", "email", "guilds.members.read"]
    state = query["state"][0]
    assert len(state) >= 32
    assert f"discord_oauth2_state_{state}" in browser.session  # bound to this browser's session


def test_login_asks_for_guild_scope_only_when_a_guild_is_configured(
    db: None, discord: FakeDiscord, browser: Client, settings: Settings
) -> None:
    settings.DISCORD_GUILD_ID = ""

    response = browser.get("/auth/login/discord/")

    assert parse_qs(urlsplit(response["Location"]).query)["scope"][0].split() == ["identify", "email"]


def test_login_without_discord_keys_explains_it_is_not_configured(
    db: None, discord: FakeDiscord, browser: Client, settings: Settings
) -> None:
    settings.SOCIAL_AUTH_DISCORD_KEY = ""

    response, visited = sign_in(browser, discord)

    assert_login_error(response, visited, "login_not_configured", "not configured")
    assert discord.calls == []


# --- successful sign-ins -------------------------------------------------------------------------------------------


def test_new_member_is_created_from_the_discord_profile_and_signed_in(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    discord.join_guild(GUILD_ID, nick="Nelly the Carry")

    response, visited = sign_in(browser, discord)

    assert visited[-1] == ME
    assert response.status_code == 200
    me = response.json()
    profile = discord.profile
    assert me["discord_id"] == profile["id"]
    assert me["username"] == "nelly"
    assert me["discord_nickname"] == "Nelly"
    assert me["avatar"] == f"{CDN}/avatars/{profile['id']}/{profile['avatar']}.png"
    assert me["guild_nickname"] == "Nelly the Carry"
    assert me["is_guild_member"] is True
    assert me["email"] == "nelly@example.com"
    assert discord.calls == ["authorize", "token", "me", "member"]
    assert User.objects.count() == 1


def test_oauth_tokens_are_not_kept_after_sign_in(db: None, discord: FakeDiscord, browser: Client) -> None:
    sign_in(browser, discord)

    [token] = discord.issued_tokens
    social = UserSocialAuth.objects.get(provider="discord", uid=discord.profile["id"])
    assert social.extra_data == {}
    assert token not in json.dumps(dict(browser.session.items()))


def test_returning_member_whose_avatar_changed_keeps_their_row_with_the_new_avatar(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    first, _ = sign_in(browser, discord)
    discord.profile.update(avatar=f"a_{avatar_hash(2)}", global_name="Nelly Renamed")

    again, _ = sign_in(Client(enforce_csrf_checks=True), discord)

    assert again.json()["id"] == first.json()["id"]
    assert again.json()["avatar"] == f"{CDN}/avatars/{discord.profile['id']}/a_{avatar_hash(2)}.gif"
    assert again.json()["discord_nickname"] == "Nelly Renamed"
    assert User.objects.count() == 1
    assert UserSocialAuth.objects.count() == 1


def test_next_outside_the_site_is_ignored(db: None, discord: FakeDiscord, browser: Client) -> None:
    _, visited = follow(browser, discord, "/auth/login/discord/?next=https://evil.example/steal")

    assert all("evil.example" not in urlsplit(url).netloc for url in visited), visited
    assert signed_in_user(browser) is not None


def test_member_without_avatar_gets_discords_default_avatar(db: None, discord: FakeDiscord, browser: Client) -> None:
    discord.profile["avatar"] = None

    response, _ = sign_in(browser, discord)

    assert response.json()["avatar"] == f"{CDN}/embed/avatars/{(int(discord.profile['id']) >> 22) % 6}.png"


def test_member_not_in_the_guild_is_signed_in_and_marked_not_a_member(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    # Discord answers 404 "Unknown Guild" for the member record: no entry in discord.members.
    response, visited = sign_in(browser, discord)

    assert visited[-1] == ME
    assert response.status_code == 200
    assert response.json()["is_guild_member"] is False
    assert response.json()["guild_nickname"] == ""
    assert discord.calls[-1] == "member"


def test_member_who_left_the_guild_is_marked_not_a_member_at_next_sign_in(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    discord.join_guild(GUILD_ID, nick="Old Nick")
    sign_in(browser, discord)
    del discord.members[GUILD_ID]

    response, _ = sign_in(Client(enforce_csrf_checks=True), discord)

    assert response.json()["is_guild_member"] is False
    assert response.json()["guild_nickname"] == ""


def test_without_a_configured_guild_membership_is_not_asked_and_left_alone(
    db: None, discord: FakeDiscord, browser: Client, settings: Settings
) -> None:
    settings.DISCORD_GUILD_ID = ""
    UserFactory(username="someone", discord_id=discord.profile["id"], is_guild_member=True)

    response, _ = sign_in(browser, discord)

    assert response.json()["is_guild_member"] is True
    assert "member" not in discord.calls


def test_unverified_email_is_not_stored(db: None, discord: FakeDiscord, browser: Client) -> None:
    discord.profile["verified"] = False

    response, _ = sign_in(browser, discord)

    assert response.json()["email"] == ""


# --- matching by Discord id only -----------------------------------------------------------------------------------


def test_existing_user_with_the_same_username_and_email_but_another_discord_id_is_not_taken_over(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    owner = UserFactory(username="nelly", email="nelly@example.com", discord_id="999", avatar="")

    response, _ = sign_in(browser, discord)

    me = response.json()
    assert me["id"] != owner.pk
    assert me["username"] == "nelly2"
    assert me["discord_id"] == discord.profile["id"]
    owner.refresh_from_db()
    assert (owner.username, owner.discord_id, owner.avatar) == ("nelly", "999", "")
    assert not UserSocialAuth.objects.filter(user=owner).exists()


def test_signing_in_with_discord_replaces_the_session_of_another_user_without_linking_them(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    other = UserFactory(username="other", discord_id="999")
    browser.force_login(other)

    response, _ = sign_in(browser, discord)

    assert response.json()["discord_id"] == discord.profile["id"]
    other.refresh_from_db()
    assert other.discord_id == "999"


def test_disabled_account_is_refused_with_a_clear_message(db: None, discord: FakeDiscord, browser: Client) -> None:
    disabled = UserFactory(username="nelly", discord_id=discord.profile["id"], avatar="", is_active=False)

    response, visited = sign_in(browser, discord)

    assert_login_error(response, visited, "account_disabled", "This account has been disabled")
    assert signed_in_user(browser) is None
    disabled.refresh_from_db()
    assert disabled.avatar == ""


# --- failures: a clear page, no user, no session -------------------------------------------------------------------


def test_denied_consent_shows_a_clear_message_and_creates_no_user(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    discord.consent = False

    response, visited = sign_in(browser, discord)

    assert_login_error(response, visited, "login_cancelled", "You did not allow DTX to use your Discord account")
    assert User.objects.count() == 0
    assert discord.calls == ["authorize"]
    assert signed_in_user(browser) is None


@pytest.mark.parametrize(
    ("endpoint", "failure"),
    [
        ("token", "500"),
        ("me", "500"),
        ("member", "500"),
        ("token", "timeout"),
        ("me", "timeout"),
        ("token", "not_json"),
        ("me", "not_json"),
        ("token", "garbage"),
        ("me", "garbage"),
        ("member", "garbage"),
    ],
)
def test_discord_failing_shows_a_clear_message_and_creates_no_user(
    db: None, discord: FakeDiscord, browser: Client, endpoint: str, failure: str
) -> None:
    discord.fail(endpoint, failure)  # type: ignore[arg-type]

    response, visited = sign_in(browser, discord)

    assert_login_error(response, visited, "discord_unavailable", "Discord did not answer properly")
    assert User.objects.count() == 0
    assert UserSocialAuth.objects.count() == 0
    assert signed_in_user(browser) is None


def test_discord_unreachable_after_consent_shows_a_clear_message(
    db: None, discord: FakeDiscord, browser: Client, settings: Settings
) -> None:
    start = browser.get("/auth/login/discord/")
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    settings.DISCORD_API_BASE_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    response, visited = follow(browser, discord, callback)

    assert_login_error(response, visited, "discord_unavailable", "Discord did not answer properly")
    assert User.objects.count() == 0


def test_unknown_sign_in_provider_is_not_found(db: None, browser: Client) -> None:
    assert browser.get("/auth/login/github/").status_code == 404


def test_callback_with_a_state_this_browser_never_got_is_refused_before_asking_discord(
    db: None, discord: FakeDiscord, browser: Client
) -> None:
    browser.get("/auth/login/discord/")

    response, visited = follow(browser, discord, "/auth/complete/discord/?code=stolen&state=forged")

    assert_login_error(response, visited, "login_expired", "Start the sign-in again")
    assert "token" not in discord.calls
    assert User.objects.count() == 0


def test_callback_opened_in_another_browser_is_refused(db: None, discord: FakeDiscord, browser: Client) -> None:
    start = browser.get("/auth/login/discord/")
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]

    response, visited = follow(Client(), discord, callback)

    assert_login_error(response, visited, "login_expired", "Start the sign-in again")
    assert User.objects.count() == 0


def test_replayed_callback_is_refused(db: None, discord: FakeDiscord, browser: Client) -> None:
    start = browser.get("/auth/login/discord/")
    callback = requests.get(start["Location"], allow_redirects=False, timeout=5).headers["Location"]
    follow(browser, discord, callback)
    browser.logout()

    response, visited = follow(browser, discord, callback)

    assert_login_error(response, visited, "login_expired", "Start the sign-in again")


def test_api_clients_get_the_failure_as_json(db: None, discord: FakeDiscord, browser: Client) -> None:
    discord.consent = False

    response, _ = sign_in(browser, discord, accept="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "login_cancelled"
    assert "You did not allow DTX" in response.json()["detail"]


def test_error_page_with_an_unknown_code_says_the_sign_in_failed(db: None, browser: Client) -> None:
    response = browser.get("/auth/error/?code=<script>")

    assert response.status_code == 200
    assert b'data-login-error="login_failed"' in response.content
    assert b"<script>" not in response.content


def test_failed_and_successful_sign_ins_log_no_secret(
    db: None, discord: FakeDiscord, browser: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    discord.fail("me", "500")
    sign_in(browser, discord)
    del discord.failures["me"]
    sign_in(browser, discord)

    assert "Discord sign-in failed: discord_unavailable" in caplog.text
    secrets = [discord.client_secret, *discord.issued_codes, *discord.issued_tokens]
    assert len(secrets) == 5
    for secret in secrets:
        assert secret not in caplog.text


# --- the way out ---------------------------------------------------------------------------------------------------


def test_logout_ends_the_discord_session(db: None, discord: FakeDiscord, browser: Client) -> None:
    sign_in(browser, discord)
    assert signed_in_user(browser) is not None
    csrf = browser.cookies["csrftoken"].value

    refused = browser.post("/api/auth/logout/")
    response = browser.post("/api/auth/logout/", headers={"x-csrftoken": csrf})

    assert refused.status_code == 403
    assert response.status_code == 204
    assert signed_in_user(browser) is None


# --- through a real server -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sign_in_and_out_through_a_real_server(transactional_db: None, discord: FakeDiscord) -> None:
    """Real cookies over real HTTP: the session and the OAuth state survive Discord's redirect back."""
    discord.join_guild(GUILD_ID, nick="Nelly the Carry")
    env = process_env(
        DISCORD_API_BASE_URL=discord.base_url,
        SOCIAL_AUTH_DISCORD_KEY=discord.client_id,
        SOCIAL_AUTH_DISCORD_SECRET=discord.client_secret,
        DISCORD_GUILD_ID=GUILD_ID,
    )
    server = AsgiServer(env)
    with running(server), requests.Session() as session:
        me = session.get(f"{server.url}/auth/login/discord/?next={ME}", timeout=10)

        assert me.url == f"{server.url}{ME}", server.log
        assert me.status_code == 200
        assert me.json()["discord_id"] == discord.profile["id"]
        assert me.json()["guild_nickname"] == "Nelly the Carry"
        logout = session.post(
            f"{server.url}/api/auth/logout/",
            headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{server.url}/"},
            timeout=10,
        )
        assert logout.status_code == 204
        assert session.get(f"{server.url}{ME}", timeout=10).status_code == 401
