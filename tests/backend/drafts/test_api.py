"""The draft endpoints of the contract, from the client's side."""

import pytest

from backend.drafts.models import Draft, DraftStyle
from tests.backend.drafts.world import draft_world
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organization):
    return draft_world(2, 8, organization=organization)


def start(world, actor, style: str = "snake") -> dict:
    response = client_for(actor).post(f"/api/tournaments/{world.tournament.pk}/draft/", {"style": style})
    assert response.status_code == 201, response.json()
    return response.json()


def test_staff_start_a_draft_and_everyone_reads_it(world, org_staff) -> None:
    body = start(world, org_staff)
    assert body["state"] == "active" and body["style"] == "snake" and body["seq"] == 1
    assert body["tournament"] == world.tournament.pk
    assert len(body["rounds"]) == 8
    assert body["current_round"] == body["rounds"][0]
    assert body["current_round"]["captain"] == world.teams[0].captain_id
    assert {player["id"] for player in body["available_players"]} == {player.pk for player in world.players}
    assert all(isinstance(player["steam_id"], str) for player in body["available_players"])
    assert [team["id"] for team in body["teams"]] == [team.pk for team in world.teams]
    assert body["teams"][0]["members"] == [world.teams[0].captain_id]
    assert client_for(None).get(f"/api/drafts/{body['id']}/").json() == body


def test_a_second_draft_is_409(world, org_staff) -> None:
    start(world, org_staff)
    response = client_for(org_staff).post(f"/api/tournaments/{world.tournament.pk}/draft/", {"style": "normal"})
    assert response.status_code == 409
    assert response.json()["code"] == "draft_exists"


def test_a_bad_style_is_400_naming_the_field(world, org_staff) -> None:
    response = client_for(org_staff).post(f"/api/tournaments/{world.tournament.pk}/draft/", {"style": "random"})
    assert response.status_code == 400
    assert "style" in response.json()["errors"]
    assert not Draft.objects.exists()


def test_the_captain_picks_and_gets_the_draft_with_its_new_seq(world, org_staff) -> None:
    draft = start(world, org_staff)
    captain = world.teams[0].captain
    player = world.players[3]
    response = client_for(captain).post(
        f"/api/drafts/{draft['id']}/pick/", {"player_id": player.pk, "round": draft["current_round"]["id"]}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["seq"] == 2
    assert body["rounds"][0]["choice"] == player.pk and body["rounds"][0]["picked_at"]
    assert body["current_round"]["id"] == body["rounds"][1]["id"]
    assert player.pk in body["teams"][0]["members"]
    assert player.pk not in {user["id"] for user in body["available_players"]}
    assert body["teams"][0]["total_mmr"] == world.teams[0].captain.mmr + player.mmr


def test_a_double_click_cannot_pick_twice(world, org_staff) -> None:
    draft = start(world, org_staff)
    captain = world.teams[0].captain
    first_round = draft["current_round"]["id"]
    url = f"/api/drafts/{draft['id']}/pick/"
    assert client_for(captain).post(url, {"player_id": world.players[0].pk, "round": first_round}).status_code == 200
    response = client_for(captain).post(url, {"player_id": world.players[1].pk, "round": first_round})
    assert response.status_code == 409
    assert response.json()["code"] == "not_current_round"


def test_the_last_pick_answers_the_completed_draft(world, org_staff) -> None:
    draft = start(world, org_staff)
    for player in world.players:
        response = client_for(org_staff).post(f"/api/drafts/{draft['id']}/pick/", {"player_id": player.pk})
        assert response.status_code == 200
    body = response.json()
    assert body["state"] == "completed" and body["current_round"] is None
    assert body["seq"] == 1 + 8 + 1
    assert body == client_for(None).get(f"/api/drafts/{draft['id']}/").json()


def test_staff_undo_and_patch_style(world, org_staff) -> None:
    draft = start(world, org_staff, "normal")
    url = f"/api/drafts/{draft['id']}/"
    response = client_for(org_staff).patch(url, {"style": "shuffle"})
    assert response.status_code == 200 and response.json()["style"] == DraftStyle.SHUFFLE
    assert response.json()["seq"] == 2
    client_for(org_staff).post(f"{url}pick/", {"player_id": world.players[0].pk})
    response = client_for(org_staff).post(f"{url}undo/")
    assert response.status_code == 200
    assert response.json()["seq"] == 4 and all(r["choice"] is None for r in response.json()["rounds"])


def test_the_event_log_replays_after_a_seq(world, org_staff) -> None:
    draft = start(world, org_staff)
    for player in world.players[:3]:
        client_for(org_staff).post(f"/api/drafts/{draft['id']}/pick/", {"player_id": player.pk})
    body = client_for(None).get(f"/api/drafts/{draft['id']}/events/?after_seq=2").json()
    assert body["count"] == 2
    assert [(event["seq"], event["type"]) for event in body["results"]] == [(3, "draft.pick"), (4, "draft.pick")]
    assert body["results"][0]["data"]["round"]["choice"] == world.players[1].pk
    assert body["results"][0]["data"]["current_round"]["pick_number"] == 3
    assert body["results"][0]["actor"] == org_staff.pk
    everything = client_for(None).get(f"/api/drafts/{draft['id']}/events/").json()
    assert [event["seq"] for event in everything["results"]] == [1, 2, 3, 4]
    assert everything["results"][0]["data"]["draft"]["id"] == draft["id"]


@pytest.mark.parametrize("query", ["after_seq=-1", "after_seq=abc"])
def test_a_bad_after_seq_is_400(world, org_staff, query: str) -> None:
    draft = start(world, org_staff)
    assert client_for(None).get(f"/api/drafts/{draft['id']}/events/?{query}").status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "drafts/999999/"), ("get", "drafts/999999/events/"), ("post", "drafts/999999/pick/")],
)
def test_unknown_drafts_are_404(org_staff, method: str, path: str) -> None:
    response = getattr(client_for(org_staff), method)(f"/api/{path}", {"player_id": 1} if method == "post" else None)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
