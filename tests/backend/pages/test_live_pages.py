import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from backend.live.models import LiveMatch
from tests.factories import UserFactory


def live_match(live_id: int, **fields) -> LiveMatch:
    now = timezone.now()
    players = [{"account_id": 1, "user": None, "hero_id": 2, "team": "radiant", "kills": 1}]
    return LiveMatch.objects.create(
        live_id=live_id, source="league", players=players, updated_at=now, polled_at=now, **fields
    )


def embedded(html: str, element_id: str):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found is not None, element_id
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_live_page_embeds_tracked_games_and_hero_names_and_says_what_steam_covers() -> None:
    from backend.steam.models import Hero

    Hero.objects.create(id=2, name="npc_dota_hero_axe", localized_name="Axe")
    live_match(29610055194542853, radiant_score=3)
    live_match(5, ended_at=timezone.now())

    html = Client().get("/live/").content.decode()

    assert [game["live_id"] for game in embedded(html, "live-snapshot")] == ["29610055194542853"]
    assert embedded(html, "hero-names")["2"] == "Axe"
    assert "league lobby" in html and "top live games" in html


@pytest.mark.django_db
def test_live_game_page_of_an_ended_game_names_its_match() -> None:
    live_match(7, match_id=8591964706, ended_at=timezone.now())

    html = Client().get("/live/7/").content.decode()

    assert embedded(html, "live-snapshot") == []
    assert embedded(html, "live-ended") == {"live_id": "7", "match_id": 8591964706}


@pytest.mark.django_db
@pytest.mark.parametrize("live_id", ["12345", "9999999999999999999"])
def test_live_game_page_of_an_unknown_game_is_404(live_id: str) -> None:
    assert Client().get(f"/live/{live_id}/").status_code == 404


@pytest.mark.django_db
def test_home_links_to_the_live_matches() -> None:
    assert 'href="/live/"' in Client().get("/").content.decode()


@pytest.mark.django_db
def test_live_page_embeds_the_names_of_the_members_playing() -> None:
    member = UserFactory(nickname="<b>Mid</b>")
    game = live_match(9)
    game.players[0]["user"] = member.pk
    game.save()

    html = Client().get("/live/").content.decode()

    assert embedded(html, "live-members") == {str(member.pk): "<b>Mid</b>"}
    assert "<b>Mid</b>" not in html  # json_script escapes it


@pytest.mark.django_db
def test_home_shows_tracked_live_games_under_live_now_by_the_members_playing() -> None:
    game = live_match(11, radiant_score=4, dire_score=2)
    game.players[0]["user"] = UserFactory(nickname="<b>Mid</b>").pk
    game.save()
    live_match(12, ended_at=timezone.now())
    live_match(13, league_id=17420)

    html = Client().get("/").content.decode()

    assert '<a href="/live/11/">&lt;b&gt;Mid&lt;/b&gt;</a>' in html
    assert '<a href="/live/13/">League 17420 game</a>' in html
    assert 'href="/live/12/"' not in html
    assert 'data-testid="nothing-live"' not in html


@pytest.mark.django_db
def test_live_page_names_heroes_from_the_stored_list_and_asks_for_unknown_ones(settings, queued_tasks) -> None:
    from backend.steam.models import Hero

    settings.STEAM_API_KEY = "configured"
    Hero.objects.create(id=2, name="npc_dota_hero_axe", localized_name="Axe")
    game = live_match(13)

    html = Client().get("/live/").content.decode()
    assert embedded(html, "hero-names") == {"2": "Axe"}
    assert queued_tasks() == []

    game.players[0]["hero_id"] = 150  # released after the list was stored
    game.save()
    html = Client().get("/live/13/").content.decode()
    assert "150" not in embedded(html, "hero-names")  # the page shows "Hero 150"
    assert queued_tasks() == ["steam.refresh_heroes"]
