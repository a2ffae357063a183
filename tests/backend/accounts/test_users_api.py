import pytest

from backend.accounts.models import User
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRIVATE = {"email", "discord_id", "is_staff", "steam_tracking"}


def test_me_is_401_for_anonymous(api):
    response = api.get("/api/users/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_private_fields_only_for_self_and_staff(player, outsider, staff):
    url = f"/api/users/{player.pk}/"
    assert client_for(player).get(url).json().keys() >= PRIVATE
    assert client_for(staff).get(url).json().keys() >= PRIVATE
    assert not PRIVATE & client_for(outsider).get(url).json().keys()
    assert not PRIVATE & client_for(None).get(url).json().keys()
    listed = client_for(outsider).get("/api/users/").json()["results"]
    assert all(not PRIVATE & row.keys() for row in listed)


def test_player_edits_own_profile_but_not_mmr(player):
    response = client_for(player).patch(
        "/api/users/me/",
        {"nickname": "Pudge", "positions": [1, 2, 0, 0, 5], "steam_id": "76561197960287930", "mmr": 9000},
    )
    assert response.status_code == 200, response.json()
    player.refresh_from_db()
    assert (player.nickname, player.positions, player.steam_id) == ("Pudge", [1, 2, 0, 0, 5], 76561197960287930)
    assert player.mmr != 9000
    assert response.json()["steam_id"] == "76561197960287930"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"steam_id": "123"}, "steam_id"),
        ({"steam_id": "not-a-number"}, "steam_id"),
        ({"positions": [1, 2, 3]}, "positions"),
        ({"positions": [1, 2, 3, 4, 9]}, "positions"),
        ({"positions": "12345"}, "positions"),
    ],
)
def test_bad_profile_input_names_the_field_and_changes_nothing(player, payload, field):
    before = User.objects.values().get(pk=player.pk)
    response = client_for(player).patch("/api/users/me/", payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and field in body["errors"]
    assert User.objects.values().get(pk=player.pk) == before


def test_player_cannot_edit_another_user_but_staff_can(player, outsider, staff):
    assert client_for(outsider).patch(f"/api/users/{player.pk}/", {"nickname": "x"}).status_code == 403
    response = client_for(staff).patch(f"/api/users/{player.pk}/", {"mmr": 4200, "is_guild_member": False})
    assert response.status_code == 200
    player.refresh_from_db()
    assert (player.mmr, player.is_guild_member) == (4200, False)


def test_duplicate_steam_id_is_refused(player, outsider):
    response = client_for(outsider).patch("/api/users/me/", {"steam_id": str(player.steam_id)})
    assert response.status_code == 400
    assert "steam_id" in response.json()["errors"]


def test_delete_me_anonymises_but_keeps_the_row(player):
    response = client_for(player).delete("/api/users/me/")
    assert response.status_code == 204
    player.refresh_from_db()
    assert player.username == f"deleted-{player.pk}"
    assert (player.email, player.discord_id, player.steam_id, player.is_active) == ("", None, None, False)


def test_token_rotates_and_authenticates(api, player):
    first = client_for(player).post("/api/users/me/token/").json()["token"]
    second = client_for(player).post("/api/users/me/token/").json()["token"]
    assert first != second
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.get("/api/users/me/").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api.get("/api/users/me/").json()["id"] == player.pk
    assert client_for(player).delete("/api/users/me/token/").status_code == 204
    assert api.get("/api/users/me/").status_code == 401


def test_unknown_api_url_is_json_404(api):
    response = api.post("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_search_finds_by_nickname(api, db):
    UserFactory(username="a1", nickname="Invoker")
    UserFactory(username="a2", nickname="Crystal")
    names = [row["username"] for row in api.get("/api/users/?search=invo").json()["results"]]
    assert names == ["a1"]
