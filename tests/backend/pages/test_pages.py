import datetime

import pytest
from django.test import Client

from backend.tournaments.models import GameStatus, TournamentState
from tests.factories import GameFactory, TeamFactory, TournamentFactory, UserFactory


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.mark.django_db
def test_home_lists_open_tournaments_and_completed_ones_apart(client: Client) -> None:
    open_one = TournamentFactory(name="Spring Cup", date=datetime.date(2026, 12, 5))
    done = TournamentFactory(name="Autumn Cup", state=TournamentState.COMPLETED)

    html = client.get("/").content.decode()

    current, _, recent = html.partition('data-testid="recent-tournaments"')
    assert f'data-tournament-id="{open_one.pk}"' in current
    assert "Spring Cup" in current and "5 December 2026" in current
    assert "Autumn Cup" in recent
    assert f'href="/tournaments/{done.pk}/"' in recent


@pytest.mark.django_db
def test_home_offers_discord_sign_in_to_anonymous_visitors(client: Client) -> None:
    html = client.get("/").content.decode()

    assert 'href="/auth/login/discord/"' in html
    assert "Sign out" not in html


@pytest.mark.django_db
def test_home_shows_the_signed_in_user_and_a_csrf_protected_sign_out(client: Client) -> None:
    user = UserFactory(username="someone", nickname="Some One")
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "Some One" in html
    assert 'action="/api/auth/logout/"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "/auth/login/discord/" not in html


@pytest.mark.django_db
def test_home_says_when_nothing_is_live(client: Client) -> None:
    assert 'data-testid="nothing-live"' in client.get("/").content.decode()


@pytest.mark.django_db
def test_tournament_page_shows_teams_with_captain_members_and_total_mmr(client: Client) -> None:
    tournament = TournamentFactory(name="DTX Cup")
    captain = UserFactory(nickname="Cap", mmr=3000)
    member = UserFactory(nickname="Mate", mmr=2500)
    team = TeamFactory(tournament=tournament, name="Red", captain=captain, members=[member])
    loner = UserFactory(nickname="Loner", mmr=1000)
    tournament.players.add(loner)

    html = client.get(f"/tournaments/{tournament.pk}/").content.decode()

    teams = html.split('data-testid="teams"')[1].split("</ul>\n        </li>")[0]
    assert f'data-team-id="{team.pk}"' in teams
    assert "Red" in teams and "5500" in teams
    assert f'data-user-id="{captain.pk}"' in teams and "captain" in teams
    assert f'data-user-id="{member.pk}"' in teams
    players = html.split('data-testid="players"')[1]
    for user in (captain, member, loner):
        assert f'data-user-id="{user.pk}"' in players
    assert "Players (3)" in html


@pytest.mark.django_db
def test_tournament_page_shows_games_and_results(client: Client) -> None:
    tournament = TournamentFactory()
    red = TeamFactory(tournament=tournament, name="Red")
    blue = TeamFactory(tournament=tournament, name="Blue")
    GameFactory(tournament=tournament, radiant_team=red, dire_team=blue, status=GameStatus.FINISHED, winning_team=blue)
    GameFactory(tournament=tournament, radiant_team=blue, dire_team=red, round=2)

    html = client.get(f"/tournaments/{tournament.pk}/").content.decode()

    standings = html.split('data-testid="standings"')[1].split("</table>")[0]
    assert standings.index("Blue") < standings.index("Red")
    assert "<td>Blue</td><td>1</td><td>0</td>" in standings
    games = html.split('data-testid="games"')[1]
    assert games.count("data-game-id=") == 2
    assert '<span class="winner">Blue</span>' in games


@pytest.mark.django_db
def test_missing_tournament_is_404(client: Client) -> None:
    assert client.get("/tournaments/999999/").status_code == 404


@pytest.mark.django_db
def test_user_supplied_strings_are_escaped(client: Client) -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    tournament = TournamentFactory(name=evil)
    TeamFactory(tournament=tournament, name=evil, captain=UserFactory(nickname=evil))

    for path in ("/", f"/tournaments/{tournament.pk}/"):
        html = client.get(path).content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.django_db
@pytest.mark.parametrize("teams", [2, 8])
def test_tournament_page_query_count_does_not_grow_with_its_size(
    client: Client, teams: int, django_assert_max_num_queries
) -> None:
    tournament = TournamentFactory()
    made = [
        TeamFactory(tournament=tournament, members=UserFactory.create_batch(4), draft_order=index + 1)
        for index in range(teams)
    ]
    for index in range(teams - 1):
        GameFactory(tournament=tournament, radiant_team=made[index], dire_team=made[index + 1])

    with django_assert_max_num_queries(9):
        assert client.get(f"/tournaments/{tournament.pk}/").status_code == 200
