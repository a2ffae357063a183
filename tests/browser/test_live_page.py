"""The live match page in a real browser: a scripted fake-Steam game appears, its stats change, and it ends."""

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache

from backend.accounts.models import STEAM_ID64_BASE
from backend.steam.models import Hero
from tests.factories import UserFactory
from tests.fakes.steam import fake_steam, fixture, steam_httpserver  # noqa: F401  (fixtures)
from workers.tasks import steam as steam_tasks

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEMBER = 1200486799  # plays the first game of GetTopLiveGame.json
TOP = fixture("GetTopLiveGame.json")
LOBBY, SERVER, MATCH_ID = int(TOP["game_list"][0]["lobby_id"]), int(TOP["game_list"][0]["server_steam_id"]), 8591964706


EVIL = "<img src=x id=inj onerror=alert(1)>"


def poll() -> None:
    """One poll period of the live task, off the thread where Playwright keeps its event loop."""

    def run() -> None:
        cache.clear()  # each call is a new poll period (the short live cache would answer within one)
        steam_tasks.poll_live_matches()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(run).result()


def test_live_page_shows_a_games_stats_changing_and_its_end(fake_steam, monkeypatch, open_tab):  # noqa: F811
    UserFactory(username="member", nickname=EVIL, steam_id=STEAM_ID64_BASE + MEMBER)
    monkeypatch.setattr(steam_tasks.sync_member, "apply_async", lambda **kwargs: None)
    stats = fixture("GetRealtimeStats.json")
    stats["match"]["server_steam_id"], stats["match"]["matchid"] = str(SERVER), MATCH_ID
    stats["teams"][0]["players"][0]["accountid"] = MEMBER
    fake_steam.serve("GetRealtimeStats", lambda params: copy.deepcopy(stats))
    first = stats["teams"][0]["players"][0]
    steam_tasks.refresh_heroes()  # the stored hero list names the heroes

    tab = open_tab()
    page = tab.page
    page.goto("/live/")
    page.locator("#live-board[data-connection=live]").wait_for(timeout=10000)
    assert page.get_by_test_id("no-games").is_visible()
    assert "top live games" in page.get_by_test_id("coverage").inner_text()

    poll()  # the game starts: it appears without a reload
    game = page.locator(f'article[data-live-id="{LOBBY}"]')
    game.wait_for(timeout=10000)
    member_row = game.locator(f'tr[data-account-id="{MEMBER}"]')
    kills, deaths, assists = first["kill_count"], first["death_count"], first["assists_count"]
    assert member_row.locator('[data-stat="kda"]').inner_text() == f"{kills} / {deaths} / {assists}"
    member_name = member_row.locator('[data-stat="player"]')
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text",
        arg=[f'article[data-live-id="{LOBBY}"] tr[data-account-id="{MEMBER}"] [data-stat="player"]', EVIL],
        timeout=10000,
    )
    assert member_name.locator("img").count() == 0 and page.locator("#inj").count() == 0  # text, never markup
    hero = member_row.locator('[data-stat="hero"]').inner_text()
    assert hero == Hero.objects.get(pk=first["heroid"]).localized_name  # a name from the stored hero list

    first["kill_count"] += 1
    stats["match"]["game_time"] += 10
    poll()  # a kill: the scoreboard follows
    expected = f"{kills + 1} / {deaths} / {assists}"
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent === text",
        arg=[f'article[data-live-id="{LOBBY}"] tr[data-account-id="{MEMBER}"] [data-stat="kda"]', expected],
        timeout=10000,
    )

    stats.clear()  # the server answers {}: the game is over
    poll()
    page.locator(f'article[data-live-id="{LOBBY}"][data-state="ended"]').wait_for(timeout=10000)
    assert game.get_by_test_id("result-link").get_attribute("href") == f"/api/matches/{MATCH_ID}/"

    page.goto(f"/live/{LOBBY}/")  # the game's own page still says how it ended
    assert page.get_by_test_id("result-link").get_attribute("href") == f"/api/matches/{MATCH_ID}/"
    assert page.get_by_test_id("result-link").is_visible()
    assert tab.errors == [] and tab.dialogs == [] and tab.csp_violations() == []
