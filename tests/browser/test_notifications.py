"""A notification sent with notify_user reaches the user's open page through /ws/me/."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from backend.notifications import services
from backend.notifications.services import DRAFT_STARTED, YOUR_TURN
from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def notify_user(user_id: int, notification_type: str, data: dict) -> None:
    """services.notify_user from another thread: Playwright keeps an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(services.notify_user, user_id, notification_type, data).result()


def connected(tab) -> None:
    tab.page.locator("body[data-notifications=connected]").wait_for(timeout=10000)


def test_your_turn_reaches_the_captains_page_with_a_link_to_the_draft(open_tab):
    captain = UserFactory(nickname="Captain")
    tab = open_tab(user=captain)
    tab.page.goto("/")
    connected(tab)

    notify_user(captain.pk, YOUR_TURN, {"draft": 12, "tournament": 3, "round": {"id": 5, "pick_number": 4}})

    note = tab.page.locator(".notification[data-kind=your-turn]")
    note.wait_for(timeout=10000)
    assert "It is your turn to pick (pick 4)!" in note.inner_text()
    assert note.get_by_role("link", name="Pick now").get_attribute("href") == "/drafts/12/"
    assert note.get_attribute("role") == "alert"


def test_draft_started_shows_the_tournament_name_as_text(open_tab):
    player = UserFactory()
    tab = open_tab(user=player)
    tab.page.goto("/")
    connected(tab)

    notify_user(player.pk, DRAFT_STARTED, {"draft": 8, "tournament": 2, "tournament_name": "<b id=bold>Cup</b>"})

    note = tab.page.locator(".notification[data-kind=draft-started]")
    note.wait_for(timeout=10000)
    assert "The draft of <b id=bold>Cup</b> has started." in note.inner_text()
    assert tab.page.locator("#bold").count() == 0
    note.get_by_role("button", name="Dismiss notification").click()
    assert note.count() == 0


def test_another_users_notification_does_not_show(open_tab):
    watcher, other = UserFactory(), UserFactory()
    tab = open_tab(user=watcher)
    tab.page.goto("/")
    connected(tab)

    notify_user(other.pk, YOUR_TURN, {"draft": 1})
    notify_user(watcher.pk, DRAFT_STARTED, {"draft": 2, "tournament_name": "Mine"})

    tab.page.locator(".notification[data-kind=draft-started]").wait_for(timeout=10000)
    assert tab.page.locator(".notification[data-kind=your-turn]").count() == 0


def test_anonymous_pages_open_no_notification_socket(open_tab):
    tab = open_tab()
    tab.page.goto("/")
    tab.page.wait_for_load_state("networkidle")
    assert tab.page.evaluate("document.body.dataset.notifications") is None
