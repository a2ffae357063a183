"""The draft board in real browsers: live picks, turns, undo, reconnects, escaping, CSP."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from backend.drafts.services import draft_create, draft_pick
from tests.browser.conftest import open_tab_on
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.processes import AsgiServer, free_port, process_env

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Within the 64 characters a nickname may have (PostgreSQL enforces the length).
EVIL = "<img src=x id=inj onerror=alert(1)><script>alert(2)</script>"


def in_thread(function, *args, **kwargs):
    """Run ORM and channel-layer calls off the thread where Playwright keeps its event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.fixture
def draft_setup(staff):
    tournament = TournamentFactory(name="Board Cup")
    first = TeamFactory(tournament=tournament, name="First", draft_order=1, captain=UserFactory(nickname="Alpha"))
    second = TeamFactory(tournament=tournament, name="Second", draft_order=2, captain=UserFactory(nickname="Beta"))
    players = [UserFactory(nickname=f"Player {index}", mmr=2000 + index) for index in range(4)]
    tournament.players.add(*players)
    draft = draft_create(actor=staff, tournament=tournament, style="snake")
    return {"draft": draft, "first": first, "second": second, "players": players, "staff": staff}


def live(tab, draft) -> None:
    tab.page.goto(f"/drafts/{draft.pk}/")
    tab.page.locator("#draft-board[data-connection=live]").wait_for(timeout=10000)


def board_state(tab) -> dict:
    return tab.page.evaluate(
        """() => {
          const board = document.getElementById("draft-board");
          const ids = (nodes) => [...nodes].map((el) => Number(el.dataset.userId)).sort((a, b) => a - b);
          const teams = {};
          for (const box of board.querySelectorAll("[data-testid=teams] [data-team-id]")) {
            teams[box.dataset.teamId] = ids(box.querySelectorAll("[data-user-id]"));
          }
          const available = ids(board.querySelectorAll("[data-testid=available] [data-user-id]"));
          const current = board.querySelector("[data-testid=rounds] [aria-current=step]");
          return {seq: Number(board.dataset.seq), state: board.dataset.state, teams, available,
                  current: current ? Number(current.dataset.roundId) : null};
        }"""
    )


def api_state(server, draft_id: int) -> dict:
    draft = requests.get(f"{server.url}/api/drafts/{draft_id}/", timeout=10).json()
    return {
        "seq": draft["seq"],
        "state": draft["state"],
        "teams": {str(team["id"]): sorted(team["members"]) for team in draft["teams"]},
        "available": sorted(user["id"] for user in draft["available_players"]),
        "current": draft["current_round"]["id"] if draft["current_round"] else None,
    }


def test_a_spectator_sees_the_captains_pick_and_ends_equal_to_the_api(open_tab, server, draft_setup):
    draft, first, picked = draft_setup["draft"], draft_setup["first"], draft_setup["players"][3]
    captain = open_tab(user=first.captain)
    spectator = open_tab()
    live(captain, draft)
    live(spectator, draft)

    captain.page.get_by_role("button", name=f"Pick {picked.nickname}").click()

    spectator.page.locator(f'[data-testid=teams] [data-team-id="{first.pk}"] [data-user-id="{picked.pk}"]').wait_for(
        timeout=5000
    )
    assert spectator.page.locator(f'[data-testid=available] [data-user-id="{picked.pk}"]').count() == 0
    assert board_state(spectator) == api_state(server, draft.pk)
    assert board_state(captain) == api_state(server, draft.pk)
    assert spectator.csp_violations() == [] and captain.csp_violations() == []
    assert spectator.errors == [] and captain.errors == []


def test_pick_buttons_show_only_to_the_captain_whose_turn_it_is(open_tab, draft_setup):
    draft, first, second = draft_setup["draft"], draft_setup["first"], draft_setup["second"]
    players = draft_setup["players"]
    on_turn, waiting, spectator = open_tab(user=first.captain), open_tab(user=second.captain), open_tab()
    for tab in (on_turn, waiting, spectator):
        live(tab, draft)

    assert on_turn.page.locator("button[data-action=pick]").count() == 4
    assert on_turn.page.get_by_test_id("your-turn").is_visible()
    for tab in (waiting, spectator):
        assert tab.page.locator("button[data-action=pick]").count() == 0
        assert not tab.page.get_by_test_id("your-turn").is_visible()

    on_turn.page.get_by_role("button", name=f"Pick {players[0].nickname}").click()

    waiting.page.locator("button[data-action=pick]").first.wait_for(timeout=5000)
    assert waiting.page.get_by_test_id("your-turn").is_visible()
    assert waiting.page.locator("button[data-action=pick]").count() == 3
    on_turn.page.locator("[data-testid=your-turn]").wait_for(state="hidden", timeout=5000)
    assert on_turn.page.locator("button[data-action=pick]").count() == 0


def test_staff_undo_from_the_page_puts_the_player_back(open_tab, server, draft_setup):
    draft, staff, player = draft_setup["draft"], draft_setup["staff"], draft_setup["players"][1]
    in_thread(draft_pick, actor=staff, draft_id=draft.pk, player_id=player.pk)
    tab = open_tab(user=staff)
    live(tab, draft)

    tab.page.get_by_role("button", name="Undo the last pick").click()

    tab.page.locator(f'[data-testid=available] [data-user-id="{player.pk}"]').wait_for(timeout=5000)
    assert board_state(tab) == api_state(server, draft.pk)


def test_a_nickname_with_html_is_text_on_the_board(open_tab, draft_setup):
    draft = draft_setup["draft"]
    evil = UserFactory(nickname=EVIL)
    draft.tournament.players.add(evil)
    tab = open_tab()
    live(tab, draft)

    row = tab.page.locator(f'[data-testid=available] [data-user-id="{evil.pk}"]')
    assert EVIL in row.inner_text()
    assert tab.page.locator("#inj").count() == 0
    assert tab.dialogs == []


def test_the_board_shows_reconnecting_and_catches_up_after_a_server_restart(browser, draft_setup, django_db_blocker):
    draft, staff, players = draft_setup["draft"], draft_setup["staff"], draft_setup["players"]
    port = free_port()
    env = process_env()
    server = AsgiServer(env, port=port).start()
    try:
        tab = open_tab_on(browser, server)
        live(tab, draft)

        server.stop()
        tab.page.locator("#draft-board[data-connection=reconnecting]").wait_for(timeout=10000)
        assert tab.page.get_by_test_id("connection").inner_text() == "Reconnecting…"
        in_thread(draft_pick, actor=staff, draft_id=draft.pk, player_id=players[0].pk)
        in_thread(draft_pick, actor=staff, draft_id=draft.pk, player_id=players[1].pk)
        server = AsgiServer(env, port=port).start()

        tab.page.locator("#draft-board[data-connection=live]").wait_for(timeout=15000)
        tab.page.locator(f'#draft-board[data-seq="{draft.seq + 2}"]').wait_for(timeout=5000)
        assert board_state(tab) == api_state(server, draft.pk)
        tab.page.context.close()
    finally:
        server.stop()


def test_a_missing_draft_is_404(server):
    assert requests.get(f"{server.url}/drafts/999999/", timeout=10).status_code == 404
    assert requests.get(f"{server.url}/drafts/{'9' * 30}/", timeout=10).status_code == 404
