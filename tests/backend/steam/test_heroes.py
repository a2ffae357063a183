"""The hero list: stored from Steam's GetHeroes, read through the cache, refreshed when a game shows a new hero."""

import copy

import pytest

from backend.core.redis import get_redis
from backend.steam import selectors, services
from backend.steam.models import Hero
from tests.fakes.steam import fixture
from workers.tasks import steam as steam_tasks

pytestmark = pytest.mark.django_db

HEROES = fixture("GetHeroes.json")


@pytest.mark.django_db(transaction=True)  # cacheops caches nothing inside a transaction that wrote
def test_refresh_stores_every_hero_and_a_second_changes_nothing(fake_steam, django_assert_num_queries):
    first = steam_tasks.refresh_heroes()
    assert first["listed"] == 126 and len(first["created"]) == 126 and first["updated"] == []
    assert Hero.objects.count() == 126
    anti_mage = Hero.objects.get(pk=1)
    assert (anti_mage.name, anti_mage.localized_name) == ("npc_dota_hero_antimage", "Anti-Mage")
    assert selectors.hero_names()[145] == "Kez"
    with django_assert_num_queries(0):  # the pages read the names from the cache
        assert len(selectors.hero_names()) == 126

    second = steam_tasks.refresh_heroes()
    assert second == {"listed": 126, "created": [], "updated": []}
    assert Hero.objects.count() == 126
    assert len(fake_steam.calls_to("GetHeroes")) == 2  # a refresh asks Steam, not the day-long cached copy


@pytest.mark.django_db(transaction=True)
def test_a_new_or_renamed_hero_is_stored_and_the_cached_names_follow(fake_steam, django_assert_num_queries):
    steam_tasks.refresh_heroes()
    assert selectors.hero_names()[2] == "Axe"
    with django_assert_num_queries(0):
        assert selectors.hero_names()[2] == "Axe"  # cached
    renamed = copy.deepcopy(HEROES)
    next(hero for hero in renamed["result"]["heroes"] if hero["id"] == 2)["localized_name"] = "Mogul Khan"
    renamed["result"]["heroes"].append({"name": "npc_dota_hero_newcomer", "id": 150, "localized_name": "Newcomer"})
    fake_steam.serve("GetHeroes", renamed)
    report = steam_tasks.refresh_heroes()
    assert (report["created"], report["updated"]) == ([150], [2])
    assert selectors.hero_names()[2] == "Mogul Khan" and selectors.hero_names()[150] == "Newcomer"
    assert selectors.hero_name(2) == "Mogul Khan"


def test_steam_down_leaves_the_stored_heroes_alone(fake_steam):
    steam_tasks.refresh_heroes()
    fake_steam.fail("GetHeroes", *[503] * 10)
    get_redis().flushdb()  # no cached copy to fall back on either
    assert steam_tasks.refresh_heroes() is None
    assert Hero.objects.count() == 126


def test_an_unknown_hero_shows_as_its_id_and_queues_one_refresh_an_hour(fake_steam, queued_tasks):
    Hero.objects.create(id=1, name="npc_dota_hero_antimage", localized_name="Anti-Mage")
    assert selectors.hero_name(1) == "Anti-Mage"
    assert selectors.hero_name(150) == "Hero 150"

    assert services.heroes_refresh_request(hero_ids=[1, 0, None]) is False  # known, or not picked yet
    assert queued_tasks() == []
    assert services.heroes_refresh_request(hero_ids=[1, 150]) is True
    assert services.heroes_refresh_request(hero_ids=[150, 151]) is False  # within the hour
    assert queued_tasks() == ["steam.refresh_heroes"]

    get_redis().delete(services.HERO_REFRESH_REQUESTED)  # an hour later
    assert services.heroes_refresh_request(hero_ids=[150]) is True
    assert queued_tasks() == ["steam.refresh_heroes", "steam.refresh_heroes"]


def test_without_a_key_an_unknown_hero_queues_nothing(fake_steam, settings, queued_tasks):
    settings.STEAM_API_KEY = ""
    assert services.heroes_refresh_request(hero_ids=[150]) is False
    assert queued_tasks() == []
    assert selectors.hero_name(150) == "Hero 150"


def test_a_refresh_the_broker_could_not_take_is_asked_again_at_the_next_sighting(fake_steam, queued_tasks, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(services, "enqueue", lambda task_name: False)  # the broker's Redis is down
        assert services.heroes_refresh_request(hero_ids=[150]) is False
    assert services.heroes_refresh_request(hero_ids=[150]) is True  # not an hour later: at once
    assert queued_tasks() == ["steam.refresh_heroes"]
