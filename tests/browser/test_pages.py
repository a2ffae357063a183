"""The pages in a real browser: what the database holds, escaping, the CSP, phone width, keyboard, sign-out."""

import datetime

import pytest

from backend.tournaments.models import GameStatus, TournamentState
from tests.factories import GameFactory, TeamFactory, TournamentFactory, UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Within the 64 characters a nickname may have (PostgreSQL enforces the length).
EVIL = "<img src=x id=inj onerror=alert(1)><script>alert(2)</script>"


@pytest.fixture
def cup():
    tournament = TournamentFactory(
        name="Winter Cup", date=datetime.date(2026, 12, 12), state=TournamentState.IN_PROGRESS
    )
    red = TeamFactory(
        tournament=tournament,
        name="Red",
        captain=UserFactory(nickname="Redcap", mmr=4000),
        members=[UserFactory(nickname="Redmate", mmr=3000)],
    )
    blue = TeamFactory(tournament=tournament, name="Blue", captain=UserFactory(nickname="Bluecap", mmr=2000))
    GameFactory(tournament=tournament, radiant_team=red, dire_team=blue, status=GameStatus.FINISHED, winning_team=red)
    return tournament


def test_home_shows_the_tournaments_the_database_holds(open_tab, cup):
    TournamentFactory(name="Old Cup", state=TournamentState.COMPLETED)
    tab = open_tab()
    tab.page.goto("/")

    current = tab.page.get_by_test_id("current-tournaments")
    assert current.get_by_role("link", name="Winter Cup").get_attribute("href") == f"/tournaments/{cup.pk}/"
    assert "12 December 2026" in current.inner_text()
    assert "Old Cup" in tab.page.get_by_test_id("recent-tournaments").inner_text()
    assert (
        tab.page.get_by_role("link", name="Sign in with Discord").first.get_attribute("href") == "/auth/login/discord/"
    )
    assert tab.csp_violations() == []
    assert tab.errors == []


def test_tournament_page_shows_teams_members_total_mmr_games_and_results(open_tab, cup):
    tab = open_tab()
    tab.page.goto(f"/tournaments/{cup.pk}/")

    assert tab.page.get_by_role("heading", level=1).inner_text() == "Winter Cup"
    red = tab.page.locator(f'[data-testid=teams] [data-team-id="{cup.teams.get(name="Red").pk}"]')
    assert red.get_by_test_id("total-mmr").inner_text() == "7000"
    assert "Redcap" in red.inner_text() and "captain" in red.inner_text() and "Redmate" in red.inner_text()
    assert tab.page.get_by_test_id("games").locator("tbody tr").count() == 1
    standings = tab.page.get_by_test_id("standings").locator("tbody tr")
    assert standings.first.inner_text().split() == ["Red", "1", "0"]
    assert tab.page.get_by_test_id("players").locator("tbody tr").count() == 3
    assert tab.csp_violations() == []


def test_a_nickname_with_html_and_script_is_shown_as_text_and_never_runs(open_tab, cup):
    evil = UserFactory(username="evil", nickname=EVIL, mmr=100)
    cup.players.add(evil)
    tab = open_tab(user=evil)
    for path in ("/", f"/tournaments/{cup.pk}/"):
        tab.page.goto(path)
        tab.page.wait_for_load_state("load")
        assert tab.page.get_by_test_id("account-name").inner_text() == EVIL
        assert tab.page.locator("#inj").count() == 0
        assert tab.page.locator('img[src="x"]').count() == 0
        assert tab.page.title() != "pwned"
    assert EVIL in tab.page.get_by_test_id("players").inner_text()
    assert tab.dialogs == []


@pytest.mark.parametrize("path", ["/", "/tournaments/{id}/"])
def test_pages_send_a_csp_and_violate_nothing(open_tab, cup, path):
    tab = open_tab(user=UserFactory())
    response = tab.page.goto(path.format(id=cup.pk))
    tab.page.wait_for_load_state("networkidle")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert tab.csp_violations() == []
    assert tab.errors == []


def test_swagger_docs_render_under_the_csp(open_tab):
    tab = open_tab()
    response = tab.page.goto("/api/docs/")
    tab.page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
    tab.page.wait_for_load_state("networkidle")

    assert "DTX API" in tab.page.locator(".swagger-ui .info .title").inner_text()
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert tab.csp_violations() == []
    assert tab.errors == []


def test_redoc_renders_under_the_csp(open_tab):
    tab = open_tab()
    response = tab.page.goto("/api/redoc/")
    tab.page.get_by_role("heading", name="DTX API").first.wait_for(timeout=15000)
    tab.page.wait_for_load_state("networkidle")

    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert tab.csp_violations() == []
    assert tab.errors == []


@pytest.mark.parametrize("path", ["/", "/tournaments/{id}/"])
def test_pages_fit_a_phone_screen(open_tab, cup, path):
    tab = open_tab(viewport={"width": 360, "height": 740})
    tab.page.goto(path.format(id=cup.pk))

    assert tab.page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_first_tab_reaches_the_skip_link_which_moves_to_the_content(open_tab, cup):
    tab = open_tab()
    tab.page.goto("/")
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab.page.keyboard.press("Enter")
    assert tab.page.evaluate("document.activeElement.id") == "main"


def test_sign_out_from_the_header(open_tab):
    tab = open_tab(user=UserFactory(nickname="Leaving"))
    tab.page.goto("/")
    assert tab.page.get_by_test_id("account-name").inner_text() == "Leaving"

    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.get_by_role("link", name="Sign in with Discord").first.wait_for(timeout=10000)

    assert tab.page.get_by_test_id("account-name").count() == 0


def test_the_hostile_nickname_fits_the_nickname_column():
    assert len(EVIL) <= 64
