"""The draft's writes (bulk-created memberships, rounds, the tournament's state) show on the next read."""

import pytest

from tests.backend.core.cachetools import get_json, read_cached
from tests.backend.drafts.world import draft_world
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_picks_and_undo_show_in_team_and_tournament_answers(organization, org_staff):
    world = draft_world(2, 2, organization=organization)
    staff, client = client_for(org_staff), client_for(None)
    tournament_url = f"/api/tournaments/{world.tournament.pk}/"
    team_urls = [f"/api/teams/{team.pk}/" for team in world.teams]
    started = staff.post(f"{tournament_url}draft/", {"style": "normal"}, format="json")
    assert started.status_code == 201, started.json()
    draft_id = started.json()["id"]
    for url in (tournament_url, *team_urls, "/api/teams/"):
        read_cached(client, url)
    assert get_json(client, tournament_url)["state"] == "drafting"

    first, last = world.players
    assert staff.post(f"/api/drafts/{draft_id}/pick/", {"player_id": first.pk}, format="json").status_code == 200
    team = get_json(client, team_urls[0])
    assert first.pk in team["members"] and team["total_mmr"] == world.teams[0].captain.mmr + first.mmr
    read_cached(client, team_urls[1])
    assert staff.post(f"/api/drafts/{draft_id}/pick/", {"player_id": last.pk}, format="json").status_code == 200
    assert last.pk in get_json(client, team_urls[1])["members"]
    assert get_json(client, tournament_url)["state"] == "in_progress"

    read_cached(client, tournament_url)
    read_cached(client, team_urls[1])
    assert staff.post(f"/api/drafts/{draft_id}/undo/").status_code == 200
    assert last.pk not in get_json(client, team_urls[1])["members"]
    assert get_json(client, tournament_url)["state"] == "drafting"
