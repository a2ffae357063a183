"""Organizations, tournaments, teams and games: every kind of write shows on the next read of every list and detail.

Each test first proves the reads are served from the cache (a second read runs no SQL), so a missed
invalidation would show as stale data.
"""

import pytest
from django.db import transaction

from backend.core.cache import invalidate_after_commit, invalidate_models_after_commit
from backend.tournaments import services
from backend.tournaments.models import Game, GameStatus, Team, TeamMember, Tournament, TournamentState
from tests.backend.core.cachetools import assert_rebuilt, get_json, read_cached
from tests.conftest import client_for
from tests.factories import GameFactory, TeamFactory, TournamentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cup(organization):
    tournament = TournamentFactory(organization=organization, name="Cup")
    players = [UserFactory(username=f"cup{i}", mmr=1000 + i) for i in range(6)]
    tournament.players.add(*players)
    radiant = TeamFactory(
        tournament=tournament, captain=players[0], members=[players[1]], name="Radiant", draft_order=1
    )
    dire = TeamFactory(tournament=tournament, captain=players[2], name="Dire", draft_order=2)
    game = GameFactory(tournament=tournament, radiant_team=radiant, dire_team=dire)
    return tournament, players, radiant, dire, game


def fill(client, *urls):
    for url in urls:
        read_cached(client, url)


def rows(client, url):
    return {row["id"]: row for row in get_json(client, url)["results"]}


def test_team_created_through_the_api_shows_in_tournament_and_team_lists(cup, org_staff):
    tournament, players, *_ = cup
    client = client_for(None)
    t_url, t_list, team_list = f"/api/tournaments/{tournament.pk}/", "/api/tournaments/", "/api/teams/"
    fill(client, t_url, t_list, team_list, f"/api/teams/?tournament={tournament.pk}")
    response = client_for(org_staff).post(
        "/api/teams/",
        {"tournament": tournament.pk, "name": "New", "captain": players[4].pk, "draft_order": 3},
        format="json",
    )
    assert response.status_code == 201, response.json()
    team_id = response.json()["id"]
    assert team_id in get_json(client, t_url)["teams"]
    assert team_id in rows(client, t_list)[tournament.pk]["teams"]
    assert team_id in rows(client, team_list)
    assert team_id in rows(client, f"/api/teams/?tournament={tournament.pk}")


def test_team_saved_and_deleted_show_everywhere(cup):
    tournament, _, _, dire, game = cup
    client = client_for(None)
    fill(client, f"/api/teams/{dire.pk}/", "/api/teams/", f"/api/tournaments/{tournament.pk}/")
    dire.name = "Renamed"
    dire.save()
    assert get_json(client, f"/api/teams/{dire.pk}/")["name"] == "Renamed"
    assert rows(client, "/api/teams/")[dire.pk]["name"] == "Renamed"
    game.delete()
    TeamMember.objects.filter(team=dire).delete()
    dire.delete()
    assert client.get(f"/api/teams/{dire.pk}/").status_code == 404
    assert dire.pk not in rows(client, "/api/teams/")
    assert dire.pk not in get_json(client, f"/api/tournaments/{tournament.pk}/")["teams"]


def test_member_mmr_change_updates_team_total(cup):
    _, players, radiant, *_ = cup
    client = client_for(None)
    fill(client, f"/api/teams/{radiant.pk}/", "/api/teams/")
    before = get_json(client, f"/api/teams/{radiant.pk}/")["total_mmr"]
    member = players[1]
    member.mmr += 500
    member.save()
    assert get_json(client, f"/api/teams/{radiant.pk}/")["total_mmr"] == before + 500
    assert rows(client, "/api/teams/")[radiant.pk]["total_mmr"] == before + 500


def test_roster_patch_with_bulk_created_members_is_visible(cup, org_staff):
    _, players, radiant, *_ = cup
    client = client_for(None)
    fill(client, f"/api/teams/{radiant.pk}/", "/api/teams/", f"/api/teams/?player={players[3].pk}")
    response = client_for(org_staff).patch(
        f"/api/teams/{radiant.pk}/", {"members": [players[1].pk, players[3].pk]}, format="json"
    )
    assert response.status_code == 200, response.json()
    detail = get_json(client, f"/api/teams/{radiant.pk}/")
    assert set(detail["members"]) == {players[0].pk, players[1].pk, players[3].pk}
    assert detail["total_mmr"] == players[0].mmr + players[1].mmr + players[3].mmr
    assert set(rows(client, "/api/teams/")[radiant.pk]["members"]) == set(detail["members"])
    assert radiant.pk in rows(client, f"/api/teams/?player={players[3].pk}")


def test_membership_created_and_deleted_one_by_one_is_visible(cup):
    _, players, _, dire, _ = cup
    client = client_for(None)
    fill(client, f"/api/teams/{dire.pk}/")
    services.team_member_add(team=dire, user=players[5])
    assert players[5].pk in get_json(client, f"/api/teams/{dire.pk}/")["members"]
    services.team_member_remove(team=dire, user=players[5])
    assert players[5].pk not in get_json(client, f"/api/teams/{dire.pk}/")["members"]


def test_registration_and_withdrawal_show_in_tournament_detail_and_player_filter(cup):
    tournament, *_ = cup
    newcomer = UserFactory(username="newcomer")
    client = client_for(None)
    by_player = f"/api/tournaments/?player={newcomer.pk}"
    fill(client, f"/api/tournaments/{tournament.pk}/", by_player)
    response = client_for(newcomer).post(
        f"/api/tournaments/{tournament.pk}/players/", {"user_id": newcomer.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert newcomer.pk in get_json(client, f"/api/tournaments/{tournament.pk}/")["players"]
    assert tournament.pk in rows(client, by_player)
    fill(client, f"/api/tournaments/{tournament.pk}/", by_player)
    response = client_for(newcomer).delete(f"/api/tournaments/{tournament.pk}/players/{newcomer.pk}/")
    assert response.status_code == 204
    assert newcomer.pk not in get_json(client, f"/api/tournaments/{tournament.pk}/")["players"]
    assert tournament.pk not in rows(client, by_player)


def test_many_to_many_add_remove_clear_from_either_side(cup):
    tournament, *_ = cup
    late = UserFactory(username="late")
    client = client_for(None)
    url = f"/api/tournaments/{tournament.pk}/"
    fill(client, url)
    late.registered_tournaments.add(tournament)  # the reverse side
    assert late.pk in get_json(client, url)["players"]
    fill(client, url)
    tournament.players.remove(late)
    assert late.pk not in get_json(client, url)["players"]
    spare = TournamentFactory(organization=tournament.organization, name="Spare")
    spare.players.add(late, UserFactory(username="later"))
    fill(client, f"/api/tournaments/{spare.pk}/")
    spare.players.clear()
    assert get_json(client, f"/api/tournaments/{spare.pk}/")["players"] == []
    spare.players.add(late)
    fill(client, f"/api/tournaments/{spare.pk}/")
    late.registered_tournaments.clear()  # the reverse side
    assert get_json(client, f"/api/tournaments/{spare.pk}/")["players"] == []


def test_organization_admins_and_staff_changes_are_visible(organization, org_admin):
    client = client_for(None)
    url = f"/api/organizations/{organization.pk}/"
    fill(client, url, "/api/organizations/")
    newcomer = UserFactory(username="orgnew")
    response = client_for(org_admin).patch(url, {"staff": [newcomer.pk]}, format="json")
    assert response.status_code == 200, response.json()
    assert get_json(client, url)["staff"] == [newcomer.pk]
    assert rows(client, "/api/organizations/")[organization.pk]["staff"] == [newcomer.pk]
    fill(client, url)
    newcomer.administered_organizations.add(organization)
    assert newcomer.pk in get_json(client, url)["admins"]


def test_game_written_through_the_api_shows_in_game_lists(cup, org_staff):
    tournament, _, radiant, dire, game = cup
    client = client_for(None)
    urls = [f"/api/games/{game.pk}/", "/api/games/", f"/api/games/?tournament={tournament.pk}"]
    fill(client, *urls)
    response = client_for(org_staff).patch(
        f"/api/games/{game.pk}/", {"status": GameStatus.FINISHED, "winning_team": dire.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert get_json(client, urls[0])["winning_team"] == dire.pk
    assert rows(client, urls[1])[game.pk]["winning_team"] == dire.pk
    assert rows(client, urls[2])[game.pk]["status"] == GameStatus.FINISHED
    fill(client, *urls)
    created = client_for(org_staff).post(
        "/api/games/",
        {"tournament": tournament.pk, "radiant_team": radiant.pk, "dire_team": dire.pk, "round": 2},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["id"] in rows(client, urls[2])


def test_game_save_invalidates_its_tournament_and_teams(cup):
    """game -> tournament, team: rows a game feeds into are invalidated with it."""
    tournament, _, radiant, dire, game = cup
    client = client_for(None)
    fill(client, f"/api/tournaments/{tournament.pk}/", f"/api/teams/{radiant.pk}/", f"/api/teams/{dire.pk}/")
    game.round = 3
    game.save()
    # Their answers show no game field, so the proof is that each was rebuilt (SQL ran) on the next read.
    for url in (f"/api/tournaments/{tournament.pk}/", f"/api/teams/{radiant.pk}/", f"/api/teams/{dire.pk}/"):
        assert_rebuilt(client, url)


def test_tournament_update_and_bulk_update_with_invalidation_are_visible(cup, organization):
    tournament, *_ = cup
    other = TournamentFactory(organization=organization, name="Other")
    client = client_for(None)
    fill(client, f"/api/tournaments/{tournament.pk}/", "/api/tournaments/", "/api/tournaments/?state=drafting")
    with transaction.atomic():
        Tournament.objects.filter(pk=tournament.pk).update(state=TournamentState.DRAFTING)
        invalidate_after_commit(tournament)
    assert get_json(client, f"/api/tournaments/{tournament.pk}/")["state"] == TournamentState.DRAFTING
    assert tournament.pk in rows(client, "/api/tournaments/?state=drafting")
    fill(client, "/api/tournaments/", f"/api/tournaments/{other.pk}/")
    other.name = "Bulk"
    with transaction.atomic():
        Tournament.objects.bulk_update([other], ["name"])
        invalidate_models_after_commit(Tournament)
    assert rows(client, "/api/tournaments/")[other.pk]["name"] == "Bulk"
    assert get_json(client, f"/api/tournaments/{other.pk}/")["name"] == "Bulk"


def test_model_invalidation_reaches_the_models_a_table_feeds(cup):
    """invalidate_models_after_commit(Team) after a bulk write also rebuilds tournaments (team -> tournament)."""
    tournament, _, radiant, *_ = cup
    client = client_for(None)
    fill(client, f"/api/teams/{radiant.pk}/", f"/api/tournaments/{tournament.pk}/")
    with transaction.atomic():
        Team.objects.filter(pk=radiant.pk).update(name="Quiet")
        invalidate_models_after_commit(Team)
    assert get_json(client, f"/api/teams/{radiant.pk}/")["name"] == "Quiet"
    assert_rebuilt(client, f"/api/tournaments/{tournament.pk}/")


def test_bulk_create_of_tournaments_and_games_is_visible(cup, organization):
    tournament, _, radiant, dire, _ = cup
    client = client_for(None)
    fill(client, "/api/tournaments/", "/api/games/")
    created = Tournament.objects.bulk_create(
        [Tournament(organization=organization, name="Bulk Cup", tournament_type="swiss")]
    )
    Game.objects.bulk_create([Game(tournament=tournament, radiant_team=radiant, dire_team=dire, round=9)])
    assert "Bulk Cup" in {row["name"] for row in rows(client, "/api/tournaments/").values()}
    assert 9 in {row["round"] for row in rows(client, "/api/games/").values()}
    assert created


def test_tournament_deleted_is_gone_from_list_and_detail(organization):
    doomed = TournamentFactory(organization=organization, name="Doomed")
    client = client_for(None)
    fill(client, "/api/tournaments/", f"/api/tournaments/{doomed.pk}/")
    doomed.delete()
    assert doomed.pk not in rows(client, "/api/tournaments/")
    assert client.get(f"/api/tournaments/{doomed.pk}/").status_code == 404


def test_committed_transaction_is_visible_and_rolled_back_one_stays_absent(cup):
    tournament, players, _, dire, _ = cup
    client = client_for(None)
    urls = [f"/api/tournaments/{tournament.pk}/", f"/api/teams/{dire.pk}/"]
    fill(client, *urls)
    with pytest.raises(RuntimeError), transaction.atomic():
        dire.name = "Never"
        dire.save()
        tournament.players.remove(players[5])
        raise RuntimeError("roll back")
    assert get_json(client, urls[1])["name"] == "Dire"
    assert players[5].pk in get_json(client, urls[0])["players"]
    fill(client, *urls)  # the rolled-back writes left the cache usable and correct
    with transaction.atomic():
        dire.name = "Committed"
        dire.save()
        tournament.players.remove(players[5])
    assert get_json(client, urls[1])["name"] == "Committed"
    assert players[5].pk not in get_json(client, urls[0])["players"]
