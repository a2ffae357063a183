"""Every rule of the data is kept twice: the API refuses it with a clear 400/409, and the database refuses it
even when the ORM bypasses every check."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from backend.tournaments import services
from backend.tournaments.models import Game, GameStatus, Team, TeamMember, Tournament, TournamentState
from tests.conftest import client_for
from tests.factories import GameFactory, OrganizationFactory, TeamFactory, TournamentFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused_by_database(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


# --- the database ---------------------------------------------------------------------------------------------------


def test_database_refuses_a_duplicate_organization_slug():
    OrganizationFactory(slug="dtx")
    refused_by_database(lambda: OrganizationFactory(slug="dtx"))


def test_database_refuses_an_empty_organization_or_tournament_name():
    refused_by_database(lambda: OrganizationFactory(name=""))
    refused_by_database(lambda: TournamentFactory(name=""))


def test_database_refuses_an_unknown_tournament_type_or_state():
    refused_by_database(lambda: TournamentFactory(tournament_type="knockout"))
    refused_by_database(lambda: TournamentFactory(state="paused"))


def test_database_refuses_a_duplicate_team_name_or_draft_order_in_one_tournament():
    team = TeamFactory(name="Radiant", draft_order=1)
    refused_by_database(lambda: TeamFactory(tournament=team.tournament, name="Radiant", draft_order=2))
    refused_by_database(lambda: TeamFactory(tournament=team.tournament, name="Dire", draft_order=1))
    TeamFactory(name="Radiant", draft_order=1)  # another tournament may


def test_database_refuses_a_draft_order_below_one():
    refused_by_database(lambda: TeamFactory(draft_order=0))


def test_database_refuses_a_player_on_two_teams_of_one_tournament():
    team = TeamFactory()
    other = TeamFactory(tournament=team.tournament)
    player = UserFactory()
    TeamMember.objects.create(team=team, tournament=team.tournament, user=player)
    refused_by_database(lambda: TeamMember.objects.create(team=other, tournament=other.tournament, user=player))
    elsewhere = TeamFactory()
    TeamMember.objects.create(team=elsewhere, tournament=elsewhere.tournament, user=player)  # another tournament may


def test_database_refuses_one_captain_for_two_teams_of_one_tournament():
    team = TeamFactory()
    refused_by_database(
        lambda: Team.objects.create(tournament=team.tournament, name="Other", captain=team.captain, draft_order=99)
    )


def test_database_refuses_a_team_playing_itself():
    team = TeamFactory()
    refused_by_database(lambda: Game.objects.create(tournament=team.tournament, radiant_team=team, dire_team=team))


def test_database_refuses_a_winner_that_did_not_play():
    game = GameFactory()
    outsider_team = TeamFactory(tournament=game.tournament)
    game.status = GameStatus.FINISHED
    game.winning_team = outsider_team
    refused_by_database(game.save)


def test_database_refuses_a_winner_before_the_game_finished():
    game = GameFactory()
    game.winning_team = game.radiant_team
    refused_by_database(game.save)
    game.status = GameStatus.FINISHED
    game.save()


def test_database_refuses_a_duplicate_or_non_positive_steam_match_id():
    GameFactory(steam_match_id=7_000_000_001)
    refused_by_database(lambda: GameFactory(steam_match_id=7_000_000_001))
    refused_by_database(lambda: GameFactory(steam_match_id=0))
    GameFactory(steam_match_id=None)
    GameFactory(steam_match_id=None)  # unique only when set


def test_database_refuses_round_zero_and_unknown_status():
    refused_by_database(lambda: GameFactory(round=0))
    refused_by_database(lambda: GameFactory(status="postponed"))


def test_deleting_never_cascades_through_games():
    game = GameFactory()
    with pytest.raises(ProtectedError):
        game.radiant_team.delete()
    with pytest.raises(ProtectedError):
        game.tournament.delete()
    with pytest.raises(ProtectedError):
        game.tournament.organization.delete()
    assert Game.objects.filter(pk=game.pk).exists()


# --- the API --------------------------------------------------------------------------------------------------------


@pytest.fixture
def manager(org_staff):
    return client_for(org_staff)


def assert_field_error(response, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"], body


def test_api_refuses_a_taken_organization_slug_naming_the_field(admin, organization):
    response = client_for(admin).post("/api/organizations/", {"name": "Another", "slug": organization.slug})
    assert_field_error(response, "slug")


def test_api_derives_a_unique_slug_when_omitted(admin, organization):
    response = client_for(admin).post("/api/organizations/", {"name": organization.name})
    assert response.status_code == 201
    assert response.json()["slug"] == f"{organization.slug}-2"


def test_api_names_missing_required_fields(manager, tournament):
    assert_field_error(manager.post("/api/tournaments/", {"organization": tournament.organization_id}), "name")
    response = manager.post("/api/teams/", {"tournament": tournament.pk})
    assert set(response.json()["errors"]) == {"name", "captain", "draft_order"}
    response = manager.post("/api/games/", {"tournament": tournament.pk})
    assert set(response.json()["errors"]) == {"radiant_team", "dire_team"}


def test_api_refuses_an_unknown_reference_before_checking_permission(player):
    response = client_for(player).post("/api/tournaments/", {"organization": 999999, "name": "X"})
    assert_field_error(response, "organization")


def test_api_refuses_an_unknown_tournament_type(manager, tournament):
    response = manager.post(
        "/api/tournaments/", {"organization": tournament.organization_id, "name": "X", "tournament_type": "knockout"}
    )
    assert_field_error(response, "tournament_type")


def test_api_refuses_a_duplicate_team_name_and_draft_order(manager, tournament, captain):
    newcomer = UserFactory()
    tournament.players.add(newcomer)
    response = manager.post(
        "/api/teams/", {"tournament": tournament.pk, "name": "Captain's team", "captain": newcomer.pk, "draft_order": 1}
    )
    assert_field_error(response, "name")
    assert "draft_order" in response.json()["errors"]


def test_api_refuses_an_unregistered_captain(manager, tournament):
    stranger = UserFactory()
    response = manager.post(
        "/api/teams/", {"tournament": tournament.pk, "name": "New", "captain": stranger.pk, "draft_order": 5}
    )
    assert_field_error(response, "captain")


def test_api_refuses_a_player_already_on_another_team(manager, tournament, captain):
    newcomer = UserFactory()
    tournament.players.add(newcomer)
    response = manager.post(
        "/api/teams/",
        {"tournament": tournament.pk, "name": "New", "captain": newcomer.pk, "draft_order": 5, "members": [captain.pk]},
    )
    assert_field_error(response, "members")
    response = manager.post(
        "/api/teams/", {"tournament": tournament.pk, "name": "New", "captain": captain.pk, "draft_order": 5}
    )
    assert_field_error(response, "captain")


def test_api_refuses_a_game_a_team_plays_against_itself(manager, tournament, captain):
    team = Team.objects.get(captain=captain)
    response = manager.post("/api/games/", {"tournament": tournament.pk, "radiant_team": team.pk, "dire_team": team.pk})
    assert_field_error(response, "dire_team")


def test_api_refuses_a_team_of_another_tournament(manager, tournament, captain):
    team = Team.objects.get(captain=captain)
    foreign = TeamFactory()
    response = manager.post(
        "/api/games/", {"tournament": tournament.pk, "radiant_team": foreign.pk, "dire_team": team.pk}
    )
    assert_field_error(response, "radiant_team")


def test_api_refuses_a_winner_that_did_not_play_or_before_the_end(manager, tournament):
    game = GameFactory(tournament=tournament)
    outsider_team = TeamFactory(tournament=tournament)
    response = manager.patch(f"/api/games/{game.pk}/", {"status": "finished", "winning_team": outsider_team.pk})
    assert_field_error(response, "winning_team")
    response = manager.patch(f"/api/games/{game.pk}/", {"winning_team": game.dire_team_id})
    assert_field_error(response, "winning_team")
    response = manager.patch(f"/api/games/{game.pk}/", {"status": "finished", "winning_team": game.dire_team_id})
    assert response.status_code == 200
    assert response.json()["winning_team"] == game.dire_team_id


def test_api_refuses_a_duplicate_steam_match_id(manager, tournament):
    GameFactory(steam_match_id=8_000_000_001)
    game = GameFactory(tournament=tournament)
    assert_field_error(manager.patch(f"/api/games/{game.pk}/", {"steam_match_id": 8_000_000_001}), "steam_match_id")


def test_api_refuses_out_of_range_numbers_naming_the_field(manager, tournament):
    game = GameFactory(tournament=tournament)
    assert_field_error(manager.patch(f"/api/games/{game.pk}/", {"steam_match_id": 2**64}), "steam_match_id")
    assert_field_error(manager.patch(f"/api/games/{game.pk}/", {"round": 0}), "round")
    assert_field_error(manager.patch(f"/api/games/{game.pk}/", {"radiant_team": 2**70}), "radiant_team")


def test_api_answers_409_when_deleting_history(manager, tournament):
    game = GameFactory(tournament=tournament)
    response = manager.delete(f"/api/teams/{game.radiant_team_id}/")
    assert (response.status_code, response.json()["code"]) == (409, "team_has_games")
    response = manager.delete(f"/api/tournaments/{tournament.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "tournament_has_games")
    Game.objects.filter(pk=game.pk).update(status=GameStatus.FINISHED)
    response = manager.delete(f"/api/games/{game.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "game_finished")
    assert Game.objects.filter(pk=game.pk).exists()


def test_api_refuses_deleting_a_completed_tournament(manager, organization):
    tournament = TournamentFactory(organization=organization, state=TournamentState.COMPLETED)
    response = manager.delete(f"/api/tournaments/{tournament.pk}/")
    assert (response.status_code, response.json()["code"]) == (409, "tournament_completed")
    assert Tournament.objects.filter(pk=tournament.pk).exists()


def test_api_refuses_deleting_an_organization_with_tournaments(admin, tournament):
    response = client_for(admin).delete(f"/api/organizations/{tournament.organization_id}/")
    assert (response.status_code, response.json()["code"]) == (409, "organization_has_tournaments")


def test_a_race_past_the_checks_is_a_409_not_a_500(manager, tournament, captain, monkeypatch):
    """Two requests can pass the service's checks together; the database keeps the rule and the API says 409."""
    monkeypatch.setattr(services, "_check_roster", lambda *args, **kwargs: None)
    newcomer = UserFactory()
    tournament.players.add(newcomer)
    response = manager.post(
        "/api/teams/", {"tournament": tournament.pk, "name": "Captain's team", "captain": newcomer.pk, "draft_order": 7}
    )
    assert (response.status_code, response.json()["code"]) == (409, "conflict")
    assert not Team.objects.filter(captain=newcomer).exists()
