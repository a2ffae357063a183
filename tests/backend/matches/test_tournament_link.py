"""A stored match links to the tournament game it was, and sets that game's winner."""

import pytest

from backend.accounts.models import STEAM_ID64_BASE
from backend.matches import services
from backend.steam.results import parse_match_history_by_sequence_num
from backend.tournaments.models import GameStatus
from tests.conftest import client_for
from tests.factories import GameFactory, TeamFactory, TournamentFactory, UserFactory
from tests.fakes.steam import ScriptedMatch

pytestmark = pytest.mark.django_db


def player(account_id):
    return UserFactory(username=f"p{account_id}", steam_id=STEAM_ID64_BASE + account_id)


def store(match_id, radiant, dire, radiant_win=True):
    scripted = ScriptedMatch(match_id, match_id * 10, radiant=radiant, dire=dire, radiant_win=radiant_win)
    [details] = parse_match_history_by_sequence_num({"result": {"status": 1, "matches": [scripted.details()]}})
    return services.match_store(details=details)[0]


@pytest.fixture
def game():
    tournament = TournamentFactory()
    alpha = TeamFactory(tournament=tournament, name="Alpha", captain=player(1), members=[player(2)])
    beta = TeamFactory(tournament=tournament, name="Beta", captain=player(3), members=[player(4)])
    return GameFactory(tournament=tournament, radiant_team=alpha, dire_team=beta)


def test_members_on_both_sides_link_the_game_and_set_the_winner(game):
    # Beta's players took radiant this time, and won.
    match = store(8000000001, radiant=[3, 4, 99], dire=[1, 2], radiant_win=True)
    game.refresh_from_db()
    assert match.game == game
    assert (game.steam_match_id, game.status, game.winning_team) == (8000000001, GameStatus.FINISHED, game.dire_team)


def test_a_game_naming_the_match_id_is_linked(game):
    game.steam_match_id = 8000000002
    game.save()
    match = store(8000000002, radiant=[1, 50], dire=[60, 70], radiant_win=False)
    game.refresh_from_db()
    assert match.game == game and game.winning_team == game.dire_team and game.status == GameStatus.FINISHED


def test_a_match_of_one_team_only_links_nothing(game):
    match = store(8000000003, radiant=[1, 2], dire=[50, 51])
    game.refresh_from_db()
    assert match.game is None and game.status == GameStatus.SCHEDULED and game.steam_match_id is None


def test_a_finished_game_is_not_taken_again(game):
    store(8000000004, radiant=[1, 2], dire=[3, 4])
    second = store(8000000005, radiant=[1, 2], dire=[3, 4])
    assert second.game is None


def test_matches_api_shows_the_game_and_filters_by_tournament(game, anonymous):
    store(8000000006, radiant=[1], dire=[3])
    store(8000000007, radiant=[50], dire=[60])
    api = client_for(anonymous)
    listed = api.get("/api/matches/", {"tournament": game.tournament_id}).json()["results"]
    assert [(m["match_id"], m["game"]) for m in listed] == [(8000000006, game.pk)]
    assert api.get(f"/api/games/{game.pk}/").json()["winning_team"] == game.radiant_team_id
