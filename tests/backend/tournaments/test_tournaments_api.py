"""The contract's tournaments, registration, teams and games resources: shapes, filters, search, ordering."""

import pytest

from backend.tournaments.models import Team, TournamentState
from tests.conftest import client_for
from tests.factories import GameFactory, OrganizationFactory, TeamFactory, TournamentFactory, UserFactory

pytestmark = pytest.mark.django_db

TOURNAMENT_FIELDS = {
    "id",
    "name",
    "organization",
    "tournament_type",
    "state",
    "date",
    "players",
    "teams",
    "steam_league_id",
}
TEAM_FIELDS = {"id", "tournament", "name", "captain", "members", "draft_order", "total_mmr"}
GAME_FIELDS = {"id", "tournament", "radiant_team", "dire_team", "winning_team", "steam_match_id", "round", "status"}


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


def test_a_created_tournament_starts_in_registration(org_staff, organization):
    response = client_for(org_staff).post(
        "/api/tournaments/",
        {"organization": organization.pk, "name": "Winter", "tournament_type": "round_robin", "date": "2026-12-01"},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TOURNAMENT_FIELDS
    assert body["state"] == "registration"
    assert body["date"] == "2026-12-01"
    assert (body["players"], body["teams"]) == ([], [])


def test_the_tournament_shows_player_and_team_ids(tournament, captain):
    body = client_for(None).get(f"/api/tournaments/{tournament.pk}/").json()
    assert body["players"] == [captain.pk]
    assert body["teams"] == [Team.objects.get(captain=captain).pk]


def test_tournament_filters_search_and_ordering(organization, other_organization, player):
    spring = TournamentFactory(organization=organization, name="Spring Cup")
    autumn = TournamentFactory(organization=organization, name="Autumn Cup", state=TournamentState.COMPLETED)
    elsewhere = TournamentFactory(organization=other_organization, name="Spring Open")
    spring.players.add(player)
    client = client_for(None)
    assert ids(client.get(f"/api/tournaments/?organization={organization.pk}")) == [spring.pk, autumn.pk]
    assert ids(client.get("/api/tournaments/?state=completed")) == [autumn.pk]
    assert ids(client.get(f"/api/tournaments/?player={player.pk}")) == [spring.pk]
    assert ids(client.get("/api/tournaments/?search=spring")) == [spring.pk, elsewhere.pk]
    assert ids(client.get("/api/tournaments/?ordering=-name")) == [elsewhere.pk, spring.pk, autumn.pk]


def test_bad_filter_values_are_400_naming_the_filter():
    response = client_for(None).get("/api/tournaments/?state=paused&organization=abc")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"state", "organization"}


def test_pagination_caps_page_size_at_200(organization):
    TournamentFactory.create_batch(205, organization=organization)
    body = client_for(None).get("/api/tournaments/?page_size=1000").json()
    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert body["next"] is not None
    assert len(client_for(None).get("/api/tournaments/?page_size=10&page=2").json()["results"]) == 10
    assert client_for(None).get("/api/tournaments/?page=99").status_code == 404


# --- registration ---------------------------------------------------------------------------------------------------


def test_a_player_registers_and_withdraws_themself(player, tournament):
    client = client_for(player)
    response = client.post(f"/api/tournaments/{tournament.pk}/players/", {"user_id": player.pk})
    assert response.status_code == 201
    assert player.pk in response.json()["players"]
    assert client.post(f"/api/tournaments/{tournament.pk}/players/", {"user_id": player.pk}).status_code == 409
    assert client.delete(f"/api/tournaments/{tournament.pk}/players/{player.pk}/").status_code == 204
    assert not tournament.players.filter(pk=player.pk).exists()
    assert client.delete(f"/api/tournaments/{tournament.pk}/players/{player.pk}/").status_code == 404


@pytest.mark.parametrize("state", ["drafting", "in_progress", "completed"])
def test_a_player_cannot_register_or_withdraw_once_registration_closed(player, organization, state):
    tournament = TournamentFactory(organization=organization, state=state)
    response = client_for(player).post(f"/api/tournaments/{tournament.pk}/players/", {"user_id": player.pk})
    assert (response.status_code, response.json()["code"]) == (409, "registration_closed")
    tournament.players.add(player)
    response = client_for(player).delete(f"/api/tournaments/{tournament.pk}/players/{player.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "registration_closed")
    assert tournament.players.filter(pk=player.pk).exists()


def test_staff_may_still_register_a_late_player_during_the_draft_but_not_after(org_staff, player, organization):
    drafting = TournamentFactory(organization=organization, state="drafting")
    done = TournamentFactory(organization=organization, state="in_progress")
    client = client_for(org_staff)
    assert client.post(f"/api/tournaments/{drafting.pk}/players/", {"user_id": player.pk}).status_code == 201
    assert client.post(f"/api/tournaments/{done.pk}/players/", {"user_id": player.pk}).status_code == 409


def test_a_player_on_a_team_cannot_be_withdrawn(org_staff, tournament, captain):
    response = client_for(org_staff).delete(f"/api/tournaments/{tournament.pk}/players/{captain.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "on_team")


def test_registering_an_unknown_user_names_the_field(org_staff, tournament):
    response = client_for(org_staff).post(f"/api/tournaments/{tournament.pk}/players/", {"user_id": 987654})
    assert response.status_code == 400
    assert "user_id" in response.json()["errors"]


# --- teams ----------------------------------------------------------------------------------------------------------


def test_team_total_mmr_counts_the_captain_once(org_staff, tournament):
    captain, first, second = UserFactory(mmr=3000), UserFactory(mmr=2000), UserFactory(mmr=1500)
    tournament.players.add(captain, first, second)
    response = client_for(org_staff).post(
        "/api/teams/",
        {
            "tournament": tournament.pk,
            "name": "Sum",
            "captain": captain.pk,
            "draft_order": 4,
            "members": [captain.pk, first.pk, second.pk],
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TEAM_FIELDS
    assert sorted(body["members"]) == sorted([captain.pk, first.pk, second.pk])
    assert body["total_mmr"] == 6500
    listed = client_for(None).get(f"/api/teams/?tournament={tournament.pk}&ordering=-total_mmr").json()["results"][0]
    assert listed["total_mmr"] == 6500


def test_a_team_without_members_is_worth_its_captain(tournament):
    team = TeamFactory(tournament=tournament, captain=UserFactory(mmr=4100))
    assert client_for(None).get(f"/api/teams/{team.pk}/").json()["total_mmr"] == 4100


def test_setting_members_keeps_the_captain(org_staff, tournament, captain):
    team = Team.objects.get(captain=captain)
    newcomer = UserFactory()
    tournament.players.add(newcomer)
    response = client_for(org_staff).patch(f"/api/teams/{team.pk}/", {"members": [newcomer.pk]})
    assert response.status_code == 200
    assert sorted(response.json()["members"]) == sorted([captain.pk, newcomer.pk])
    response = client_for(org_staff).patch(f"/api/teams/{team.pk}/", {"members": []})
    assert response.json()["members"] == [captain.pk]


def test_rosters_are_fixed_once_registration_closes(org_staff, tournament, captain):
    team = Team.objects.get(captain=captain)
    tournament.state = TournamentState.DRAFTING
    tournament.save()
    client = client_for(org_staff)
    assert client.patch(f"/api/teams/{team.pk}/", {"draft_order": 5}).status_code == 409
    assert client.delete(f"/api/teams/{team.pk}/").status_code == 409
    assert client.patch(f"/api/teams/{team.pk}/", {"name": "Still renamable"}).status_code == 200


def test_team_filters(tournament, captain):
    team = Team.objects.get(captain=captain)
    other = TeamFactory(name="Zeta")
    client = client_for(None)
    assert ids(client.get(f"/api/teams/?tournament={tournament.pk}")) == [team.pk]
    assert ids(client.get(f"/api/teams/?player={captain.pk}")) == [team.pk]
    assert ids(client.get("/api/teams/?search=zeta")) == [other.pk]


# --- games ----------------------------------------------------------------------------------------------------------


def test_game_create_and_filters(org_staff, tournament):
    radiant, dire = TeamFactory(tournament=tournament), TeamFactory(tournament=tournament)
    response = client_for(org_staff).post(
        "/api/games/",
        {"tournament": tournament.pk, "radiant_team": radiant.pk, "dire_team": dire.pk, "steam_match_id": 8123456789},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == GAME_FIELDS
    assert (body["status"], body["round"], body["winning_team"]) == ("scheduled", 1, None)
    assert body["steam_match_id"] == 8123456789
    other = GameFactory()
    client = client_for(None)
    assert ids(client.get(f"/api/games/?tournament={tournament.pk}")) == [body["id"]]
    assert ids(client.get(f"/api/games/?team={dire.pk}")) == [body["id"]]
    assert ids(client.get(f"/api/games/?tournament={other.tournament_id}")) == [other.pk]


# --- organizations --------------------------------------------------------------------------------------------------


def test_an_org_admin_sets_the_staff_and_admins(org_admin, organization, player):
    response = client_for(org_admin).patch(
        f"/api/organizations/{organization.pk}/", {"staff": [player.pk], "admins": [org_admin.pk, player.pk]}
    )
    assert response.status_code == 200
    assert response.json()["staff"] == [player.pk]
    assert sorted(response.json()["admins"]) == sorted([org_admin.pk, player.pk])


def test_new_org_staff_gain_power_there_and_nowhere_else(org_admin, organization, player):
    client_for(org_admin).patch(f"/api/organizations/{organization.pk}/", {"staff": [player.pk]})
    mine = client_for(player).post(
        "/api/tournaments/", {"organization": organization.pk, "name": "Mine", "tournament_type": "swiss"}
    )
    assert mine.status_code == 201
    other = OrganizationFactory()
    theirs = client_for(player).post(
        "/api/tournaments/", {"organization": other.pk, "name": "Theirs", "tournament_type": "swiss"}
    )
    assert theirs.status_code == 403


def test_organization_shape(organization):
    body = client_for(None).get(f"/api/organizations/{organization.pk}/").json()
    assert set(body) >= {
        "id",
        "name",
        "slug",
        "description",
        "logo",
        "discord_guild_id",
        "steam_league_id",
        "admins",
        "staff",
    }


def test_unknown_ids_in_paths_are_json_404s():
    client = client_for(None)
    for url in ("/api/tournaments/999999/", "/api/teams/abc/", "/api/games/99999999999999999999999/"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "url",
    [
        "/api/organizations/?staff=-22146769219893989376",
        "/api/organizations/?admin=99999999999999999999",
        "/api/games/?round=99999999999",
        "/api/teams/?player=1e400",
    ],
)
def test_out_of_range_filter_values_are_400_not_a_database_error(url):
    """Found by fuzzing: SQLite cannot bind an integer past 64 bits, so the filter must refuse it first."""
    response = client_for(None).get(url)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
