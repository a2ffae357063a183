#!/usr/bin/env python
"""Screenshots of the pages for the README: docs/home.png, docs/tournament.png, docs/draft.png, docs/live.png,
docs/home-phone.png.

Builds a throwaway SQLite database with the demo data, serves it with uvicorn on a free port and photographs the
pages with headless Chromium (Debian's package; set CHROMIUM to use another). Redis comes from REDIS_URL
(default redis://127.0.0.1:6379/0); the ORM cache is off, so nothing is written to it.

    uv run python scripts/screenshots.py
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent

# One live game on the scoreboard (made-up stats, as the live poll stores them), for docs/live.png; three demo
# members play on the radiant side, so the home page and the scoreboard name them.
LIVE_GAME = """
from django.utils import timezone
from backend.accounts.models import STEAM_ID64_BASE, User
from backend.live.models import LiveMatch
stats = [(1, 7, 2, 9, 14210, 19), (2, 3, 5, 11, 9870, 16), (5, 1, 6, 17, 6120, 14), (8, 9, 1, 4, 17650, 21),
         (14, 2, 4, 13, 7340, 15), (18, 5, 3, 8, 12480, 18), (22, 4, 6, 6, 11020, 17), (26, 0, 7, 12, 5230, 13),
         (35, 6, 2, 5, 15890, 20), (44, 2, 5, 10, 8410, 16)]
players = [
    {"account_id": 100 + i, "user": None, "hero_id": h, "team": "radiant" if i < 5 else "dire", "kills": k,
     "deaths": d, "assists": a, "net_worth": n, "level": lv, "gpm": None, "xpm": None}
    for i, (h, k, d, a, n, lv) in enumerate(stats)
]
members = User.objects.filter(steam_id__isnull=False, is_staff=False).order_by("id")[:3]
for player, member in zip(players, members):
    player["account_id"], player["user"] = member.steam_id - STEAM_ID64_BASE, member.pk
now = timezone.now()
LiveMatch.objects.create(live_id=29610055194542853, match_id=8591964706, server_steam_id=90277912349586453,
    source="top_live", game_time=1723, radiant_score=22, dire_score=17, radiant_lead=4130, players=players,
    updated_at=now, polled_at=now)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {timeout} s")


def main() -> None:
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        raise SystemExit("chromium is not installed (apt-get install chromium, or scripts/setup --browser)")
    work = Path(tempfile.mkdtemp(prefix="dtx-screens-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.base",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "DEBUG": "1",
        "SECRET_KEY_FILE": str(work / "secret_key"),
        "DISABLE_CACHE": "1",
        "TEST_LOGIN_ENABLED": "1",
        "API_THROTTLE_ANON": "",
        "API_THROTTLE_USER": "",
    }
    manage = [str(BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run([*manage, "populate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    subprocess.run([*manage, "shell", "-c", LIVE_GAME], cwd=ROOT, env=env, check=True)  # noqa: S603
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603  (a fixed command line)
        [str(BIN / "uvicorn"), "asgi.application:application", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for(f"{url}/healthz")
        tournaments = requests.get(f"{url}/api/tournaments/?page_size=200", timeout=10).json()["results"]
        shown = max(tournaments, key=lambda tournament: (tournament["state"] == "completed", len(tournament["teams"])))
        DOCS.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-background-networking"]
            )
            desktop = browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
            page = desktop.new_page()
            page.goto("/")
            page.screenshot(path=str(DOCS / "home.png"), full_page=True)
            live_draft = page.locator("[data-draft-id]").first.get_attribute("data-draft-id")
            page.goto(f"/tournaments/{shown['id']}/")
            page.screenshot(path=str(DOCS / "tournament.png"), full_page=True)
            page.goto(f"/drafts/{live_draft}/")
            page.locator("#draft-board[data-connection=live]").wait_for(timeout=15000)
            page.screenshot(path=str(DOCS / "draft.png"), full_page=True)
            page.goto("/live/")
            page.locator("#live-board[data-connection=live] article[data-live-id]").wait_for(timeout=15000)
            page.screenshot(path=str(DOCS / "live.png"), full_page=True)
            phone = browser.new_context(base_url=url, viewport={"width": 390, "height": 844}, device_scale_factor=1)
            page = phone.new_page()
            page.goto("/")
            page.screenshot(path=str(DOCS / "home-phone.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    for name in ("home.png", "tournament.png", "draft.png", "live.png", "home-phone.png"):
        print(f"docs/{name}")


if __name__ == "__main__":
    main()
