"""The whole "your turn" chain driven by real picks: staff starts the draft over REST, captain A picks on the board,
captain B (on another page) is told through /ws/me/, follows the link and may pick; the organization's Discord
channel (a local fake webhook, posted to by a real worker) hears about the start and each turn."""

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pytest_httpserver import HTTPServer

from tests.asgi.draft_clients import rest, token_for
from tests.factories import TeamFactory, TournamentFactory, UserFactory
from tests.processes import AsgiServer, CeleryWorker, free_port, process_env, running, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WEBHOOK_PATH = "/api/webhooks/1/secret-token"


@dataclass
class Site:
    server: AsgiServer
    worker: CeleryWorker
    discord: HTTPServer

    def posts(self) -> list[str]:
        return [json.loads(request.get_data())["content"] for request, _ in self.discord.log]


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[Site]:
    discord = HTTPServer(host="127.0.0.1", port=free_port())
    discord.expect_request(WEBHOOK_PATH, method="POST").respond_with_data("", status=204)
    discord.start()
    port = free_port()
    env = process_env(
        DISCORD_WEBHOOK_URL=discord.url_for(WEBHOOK_PATH),
        SITE_URL=f"http://127.0.0.1:{port}",
        DISCORD_WEBHOOK_RETRY_SECONDS="0.2",
    )
    server, worker = AsgiServer(env, port=port), CeleryWorker(env)
    try:
        with django_db_blocker.unblock(), running(server, worker):
            yield Site(server, worker, discord)
    finally:
        discord.stop()


@pytest.fixture
def server(site: Site) -> AsgiServer:
    """The browser tabs (open_tab) go to the server that posts to the fake Discord."""
    return site.server


def test_a_pick_on_the_board_tells_the_next_captain_on_another_page_who_follows_the_link_and_picks(open_tab, site):
    tournament = TournamentFactory(name="Chain Cup")
    alpha = TeamFactory(tournament=tournament, name="Alpha team", draft_order=1, captain=UserFactory(nickname="Alpha"))
    beta = TeamFactory(tournament=tournament, name="Beta team", draft_order=2, captain=UserFactory(nickname="Beta"))
    players = [UserFactory(nickname=f"Player {index}", mmr=3000 - index) for index in range(4)]
    tournament.players.add(*players)
    staff = token_for(UserFactory(is_staff=True))

    first, second = open_tab(user=alpha.captain), open_tab(user=beta.captain)
    for tab in (first, second):
        tab.page.goto("/")
        tab.page.locator("body[data-notifications=connected]").wait_for(timeout=10000)

    started = rest(site.server.url, staff, "post", f"tournaments/{tournament.pk}/draft/", {"style": "snake"})
    assert started.status_code == 201, started.text
    draft_id = started.json()["id"]
    board = f"/drafts/{draft_id}/"

    # Captain A is told first: it is their pick. They follow the link and pick on the board.
    turn = first.page.locator(".notification[data-kind=your-turn]")
    turn.wait_for(timeout=10000)
    turn.get_by_role("link", name="Pick now").click()
    first.page.wait_for_url(f"**{board}")
    first.page.locator("#draft-board[data-connection=live]").wait_for(timeout=10000)
    first.page.get_by_test_id("your-turn").wait_for(timeout=5000)
    first.page.get_by_role("button", name="Pick Player 0").click()
    first.page.get_by_test_id("your-turn").wait_for(state="hidden", timeout=5000)

    # Captain B, still on the home page, hears the draft started and then that it is their turn.
    assert second.page.locator(".notification[data-kind=draft-started]").count() == 1
    note = second.page.locator(".notification[data-kind=your-turn]")
    note.wait_for(timeout=10000)
    assert note.count() == 1  # only B's own turn: A's was not sent to B
    assert "It is your turn to pick (pick 2)!" in note.inner_text()
    link = note.get_by_role("link", name="Pick now")
    assert link.get_attribute("href") == board
    link.click()
    second.page.wait_for_url(f"**{board}")
    second.page.locator("#draft-board[data-connection=live]").wait_for(timeout=10000)

    assert second.page.get_by_test_id("your-turn").is_visible()
    assert second.page.locator("button[data-action=pick]").count() == 3
    first.page.goto("about:blank")  # captain A leaves the site while B picks twice (snake: picks 2 and 3)
    for pick, player in ((2, players[1]), (3, players[2])):
        second.page.get_by_role("button", name=f"Pick {player.nickname}").click()
        second.page.locator(f'[data-testid=teams] [data-team-id="{beta.pk}"] [data-user-id="{player.pk}"]').wait_for(
            timeout=5000
        )
        if pick == 2:  # B's turn again: the board says so, and no notification repeats it over the board
            assert second.page.get_by_test_id("your-turn").is_visible()
    second.page.get_by_test_id("your-turn").wait_for(state="hidden", timeout=5000)
    assert second.page.locator(".notification[data-kind=your-turn]").count() == 0

    # Captain A comes back to any page during their turn: they are told at once, though they missed the message.
    first.page.goto("/")
    back = first.page.locator(".notification[data-kind=your-turn]")
    back.wait_for(timeout=10000)
    assert "It is your turn to pick (pick 4)!" in back.inner_text()
    assert back.get_by_role("link", name="Pick now").get_attribute("href") == board

    # The Discord channel: the start and every turn so far, in order, with links to the board.
    link_text = f"{site.server.url}{board}"
    expected = [
        f"The draft of Chain Cup has started: {link_text}",
        f"Pick 1: Alpha, it is your turn. {link_text}",
        f"Pick 2: Beta, it is your turn. {link_text}",
        f"Pick 3: Beta, it is your turn. {link_text}",
        f"Pick 4: Alpha, it is your turn. {link_text}",
    ]
    wait_until(lambda: len(site.posts()) >= len(expected), timeout=30, what="the webhook posts")
    assert sorted(site.posts()) == sorted(expected)
    assert "secret-token" not in site.worker.log
    for tab in (first, second):
        assert tab.errors == [] and tab.csp_violations() == []
