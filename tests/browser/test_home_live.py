"""The home page's "Live now" in a real browser, kept current by /ws/now/ without a reload: a draft started and
completed over REST by staff, a live game found and lost by the real live poll, and a reconnect's snapshot."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from backend.accounts.models import STEAM_ID64_BASE
from backend.drafts.services import draft_create
from backend.live.models import LiveMatch
from tests.asgi.draft_clients import rest, token_for
from tests.browser.conftest import open_tab_on
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.live_game import LOBBY, MEMBER, serve_member_game
from tests.processes import AsgiServer, free_port, process_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def in_thread(function, *args, **kwargs):
    """Run ORM and channel-layer calls off the thread where Playwright keeps its event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def home(tab) -> None:
    tab.page.goto("/")
    tab.page.locator("#live-now[data-connection=live]").wait_for(timeout=10000)
    # Set on this document only: still there at the end means the page was never reloaded.
    tab.page.evaluate("window.__sameDocument = true")


def same_document(tab) -> bool:
    return bool(tab.page.evaluate("window.__sameDocument === true"))


def cup(name: str, players: int):
    tournament = TournamentFactory(name=name)
    teams = [TeamFactory(tournament=tournament, draft_order=order) for order in (1, 2)]
    tournament.players.add(*UserFactory.create_batch(players))
    return tournament, teams


def test_a_draft_started_by_staff_shows_under_live_now_and_goes_when_it_completes(open_tab, server):
    tournament, _ = cup("<i>Live</i> Cup", players=2)
    staff = token_for(UserFactory(is_staff=True))
    tab = open_tab()
    home(tab)
    assert tab.page.get_by_test_id("nothing-live").is_visible()

    started = rest(server.url, staff, "post", f"tournaments/{tournament.pk}/draft/", {"style": "snake"})
    assert started.status_code == 201, started.text
    draft = started.json()

    card = tab.page.locator(f'#live-now [data-draft-id="{draft["id"]}"]')
    card.wait_for(timeout=10000)
    link = card.get_by_role("link", name="Draft of <i>Live</i> Cup")
    assert link.get_attribute("href") == f"/drafts/{draft['id']}/"
    assert card.get_by_role("link", name="tournament page").get_attribute("href") == f"/tournaments/{tournament.pk}/"
    assert "Snake draft" in card.inner_text()
    assert tab.page.get_by_test_id("nothing-live").count() == 0

    for player in draft["available_players"]:
        picked = rest(server.url, staff, "post", f"drafts/{draft['id']}/pick/", {"player_id": player["id"]})
        assert picked.status_code == 200, picked.text

    card.wait_for(state="detached", timeout=10000)
    assert tab.page.get_by_test_id("nothing-live").is_visible()
    assert same_document(tab)
    assert tab.page.locator("i").count() == 0  # the tournament's name was text, never markup
    assert tab.errors == [] and tab.csp_violations() == []


def test_a_live_game_shows_while_the_poll_tracks_it(open_tab, server, fake_steam, monkeypatch):
    UserFactory(nickname="Midlaner", steam_id=STEAM_ID64_BASE + MEMBER)
    stats, poll = serve_member_game(fake_steam, monkeypatch)

    tab = open_tab()
    home(tab)

    in_thread(poll)
    card = tab.page.locator(f'#live-now [data-live-id="{LOBBY}"]')
    card.wait_for(timeout=10000)
    assert card.get_by_role("link", name="Midlaner").get_attribute("href") == f"/live/{LOBBY}/"
    assert "Top live game" in card.inner_text()

    stats.clear()  # the server answers {}: the game is over
    in_thread(poll)
    card.wait_for(state="detached", timeout=10000)
    assert tab.page.get_by_test_id("nothing-live").is_visible()
    assert same_document(tab)
    assert tab.errors == []


def test_after_a_server_restart_the_page_shows_what_started_meanwhile(browser, staff):
    tournament, _ = cup("Restart Cup", players=2)
    port = free_port()
    env = process_env()
    server = AsgiServer(env, port=port).start()
    try:
        tab = open_tab_on(browser, server)
        home(tab)

        server.stop()
        tab.page.locator("#live-now[data-connection=reconnecting]").wait_for(timeout=10000)
        draft = in_thread(draft_create, actor=staff, tournament=tournament, style="normal")
        server = AsgiServer(env, port=port).start()

        tab.page.locator(f'#live-now [data-draft-id="{draft.pk}"]').wait_for(timeout=20000)
        assert tab.page.locator("#live-now").get_attribute("data-connection") == "live"
        assert same_document(tab)
        tab.page.context.close()
    finally:
        server.stop()


def test_the_stream_draws_the_cards_the_server_rendered(browser, open_tab, server, staff):
    tournament, _ = cup("Twin Cup", players=2)
    draft_create(actor=staff, tournament=tournament, style="snake")
    members = [UserFactory(nickname=f"Member {index}") for index in range(5)]
    players = [{"account_id": index, "user": member.pk, "team": "radiant"} for index, member in enumerate(members)]
    moment = timezone.now()
    LiveMatch.objects.create(
        live_id=77, source="league", league_id=17420, players=players, updated_at=moment, polled_at=moment
    )
    LiveMatch.objects.create(
        live_id=78, source="league", league_id=17420, players=[], updated_at=moment, polled_at=moment
    )

    static = browser.new_context(base_url=server.url, java_script_enabled=False)
    try:
        page = static.new_page()
        page.goto("/")
        rendered = page.locator("#live-now").inner_text()
    finally:
        static.close()
    tab = open_tab()
    tab.page.goto("/")
    tab.page.locator("#live-now[data-seq]").wait_for(timeout=10000)  # drawn from the stream's snapshot

    drawn = tab.page.locator("#live-now").inner_text()
    assert drawn == rendered
    assert "Member 0, Member 1, Member 2 and 2 more" in drawn and "League 17420 game" in drawn
    assert tab.page.locator('#live-now [data-live-id="77"] a').first.get_attribute("href") == "/live/77/"
