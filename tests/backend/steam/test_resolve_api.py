"""GET /api/steam/resolve/?query= per the contract."""

import pytest

from tests.conftest import client_for
from tests.fakes.steam import Fault

pytestmark = pytest.mark.django_db

URL = "/api/steam/resolve/"
CHERNO = {
    "steam_id": "76561198080534862",
    "account_id": 120269134,
    "persona_name": "Cherno Billy",
    "avatar": "https://steamcdn-a.akamaihd.net/steamcommunity/public/images/avatars/2c/"
    "2c3de10a19eec58c2ddb3f41bd2bbb0faf3d2867_full.jpg",
    "profile_url": "http://steamcommunity.com/profiles/76561198080534862/",
}


@pytest.mark.parametrize(
    "query",
    [
        "chernobilly",
        "https://steamcommunity.com/id/chernobilly/",
        "https://steamcommunity.com/profiles/76561198080534862/",
        "76561198080534862",
        "120269134",
    ],
)
def test_every_form_resolves_to_the_account(fake_steam, player, query):
    response = client_for(player).get(URL, {"query": query})
    assert response.status_code == 200, response.json()
    assert response.json() == CHERNO


def test_ids_skip_the_vanity_lookup(fake_steam, player):
    client_for(player).get(URL, {"query": "120269134"})
    assert [call.method for call in fake_steam.calls] == ["GetPlayerSummaries"]


def test_anonymous_gets_401_and_steam_is_not_called(fake_steam, anonymous):
    response = client_for(anonymous).get(URL, {"query": "chernobilly"})
    assert response.status_code == 401
    assert fake_steam.calls == []


@pytest.mark.parametrize("params", [{}, {"query": ""}, {"query": "no spaces allowed"}, {"query": "4294967295"}])
def test_garbage_is_400_without_calling_steam(fake_steam, player, params):
    response = client_for(player).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "query" in body["errors"]
    assert fake_steam.calls == []


def test_unknown_vanity_name_is_404(fake_steam, player):
    response = client_for(player).get(URL, {"query": "nobody-has-this"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_steam_id_is_404(fake_steam, player):
    response = client_for(player).get(URL, {"query": "76561197960265729"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_group_vanity_is_404(fake_steam, player):
    fake_steam.vanity_names["valve"] = 103582791429521412  # as recorded: url_type=2 resolved a group
    response = client_for(player).get(URL, {"query": "valve"})
    assert response.status_code == 404


def test_transient_faults_are_retried_within_the_request(fake_steam, player):
    fake_steam.fail("ResolveVanityURL", 500, Fault(429))
    fake_steam.fail("GetPlayerSummaries", Fault("timeout", seconds=1), 503)
    response = client_for(player).get(URL, {"query": "chernobilly"})
    assert response.status_code == 200
    assert len(fake_steam.calls) == 6


def test_steam_down_is_503_with_retry_after(fake_steam, player, settings):
    settings.STEAM_BACKOFF_INITIAL_SECONDS = 0.5
    settings.STEAM_BACKOFF_MAX_SECONDS = 2
    fake_steam.fail("*", *[503] * 50)
    response = client_for(player).get(URL, {"query": "chernobilly"})
    assert response.status_code == 503
    assert response.json()["code"] == "steam_unavailable"
    assert int(response["Retry-After"]) >= 1
    # it tried for a while (about 10 s at most), not once
    assert 2 <= len(fake_steam.calls) <= 5


def test_steam_down_answers_from_the_cache_when_it_can(fake_steam, player, monkeypatch):
    assert client_for(player).get(URL, {"query": "chernobilly"}).status_code == 200
    from backend.steam import client as steam_client

    real_time = steam_client.time.time
    monkeypatch.setattr(steam_client.time, "time", lambda: real_time() + 24 * 3600)  # cached copies are stale now
    fake_steam.fail("*", *[503] * 50)
    response = client_for(player).get(URL, {"query": "chernobilly"})
    assert response.status_code == 200
    assert response.json() == CHERNO


@pytest.mark.parametrize(("fault", "code"), [(Fault(403), "steam_bad_key"), (Fault("garbage"), "steam_malformed")])
def test_final_steam_faults_are_503_at_once(fake_steam, player, fault, code):
    fake_steam.fail("ResolveVanityURL", fault)
    response = client_for(player).get(URL, {"query": "chernobilly"})
    assert response.status_code == 503
    assert response.json()["code"] == code
    assert "Retry-After" in response
    assert len(fake_steam.calls) == 1


def test_without_a_key_is_503(fake_steam, player, settings):
    settings.STEAM_API_KEY = ""
    response = client_for(player).get(URL, {"query": "chernobilly"})
    assert response.status_code == 503
    assert response.json()["code"] == "steam_not_configured"
    assert fake_steam.calls == []
