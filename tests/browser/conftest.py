"""Browser tests: headless Chromium (Debian's package) driven by Playwright, against a real ASGI server.

`playwright install` downloads browsers and cannot run offline; the system's chromium is launched instead
(scripts/setup --test installs it). Without it these tests are skipped, saying why.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.fakes.steam import fake_steam, steam_httpserver  # noqa: F401  (fixtures)
from tests.processes import AsgiServer, process_env, running

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.slow

# Collects what the Content-Security-Policy refused, from the page's point of view, before any page script runs.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"chromium not found at {CHROMIUM}: install Debian's chromium (scripts/setup --test)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed: uv sync"
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module scope: once a module's tests are done the loop stops, so later tests may run their own (asyncio.run).

    Playwright's sync API keeps an event loop running in this thread while the browser is open, and Django refuses
    ORM calls from a thread with a running loop: allowed here, for the browser modules only (database teardown
    included), and the check is back for the rest of the suite.
    """
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking"]
            )
            yield browser
            browser.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[AsgiServer]:
    server = AsgiServer(process_env())
    with django_db_blocker.unblock(), running(server):
        yield server


@dataclass
class Tab:
    """A browser page with what it logged: console messages, uncaught errors, dialogs and CSP violations."""

    page: object
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        reported = self.page.evaluate("window.__cspViolations || []")  # type: ignore[attr-defined]
        logged = [line for line in self.console if "Content Security Policy" in line]
        return [*reported, *logged]


def open_tab_on(browser, server: AsgiServer, user=None, viewport: dict | None = None) -> Tab:
    """A Tab in a fresh browser context on `server`, signed in as `user` (a User) when given."""
    context = browser.new_context(base_url=server.url, viewport=viewport or {"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    if user is not None:
        context.add_cookies(session_cookies(server, user.pk))
    page = context.new_page()
    tab = Tab(page=page)
    page.on("console", lambda message: tab.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: tab.errors.append(str(error)))

    def on_dialog(dialog) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return tab


@pytest.fixture
def open_tab(browser, server) -> Iterator[Callable[..., Tab]]:
    """open_tab(user=None) -> a Tab in a fresh browser context, signed in as `user` (a User) when given."""
    tabs: list[Tab] = []

    def open_tab(user=None, viewport: dict | None = None) -> Tab:
        tab = open_tab_on(browser, server, user, viewport)
        tabs.append(tab)
        return tab

    yield open_tab
    for tab in tabs:
        tab.page.context.close()  # type: ignore[attr-defined]


def session_cookies(server: AsgiServer, user_pk: int) -> list[dict]:
    """Sign in through the test-login endpoint and hand its cookies (session, CSRF) to a browser context."""
    session = requests.Session()
    response = session.post(f"{server.url}/api/tests/login-as/", json={"user_pk": user_pk}, timeout=10)
    response.raise_for_status()
    return [{"name": cookie.name, "value": cookie.value, "url": server.url} for cookie in session.cookies]
