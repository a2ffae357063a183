import contextlib
import json
from collections.abc import Callable, Iterator

import pytest
import redis
from cacheops import invalidate_all
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.organizations.models import Organization
from backend.tournaments.models import Tournament
from tests.factories import OrganizationFactory, TeamFactory, TournamentFactory, UserFactory
from tests.processes import RedisServer


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need PostgreSQL's row locks; on SQLite they are skipped, and the summary says so."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _clean_test_redis() -> None:
    """The suite owns its Redis databases (see settings.test); start each run from empty ones."""
    for url in {settings.CACHE_REDIS_URL, settings.CHANNELS_REDIS_URL, settings.CELERY_BROKER_URL}:
        redis.Redis.from_url(url).flushdb()


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    yield
    invalidate_all()  # empties the cache database and voids every process's copies of cached answers


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous() -> None:
    return None


@pytest.fixture
def player(db: None) -> User:
    return UserFactory(username="player")


@pytest.fixture
def outsider(db: None) -> User:
    return UserFactory(username="outsider")


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def no_tasks_left_queued() -> Iterator[None]:
    """Tasks a test queues and no worker ran (a hero refresh, a webhook post) must not run in a later test's worker."""
    yield
    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).delete("celery")


@pytest.fixture
def queued_tasks() -> Iterator[Callable[[], list[str]]]:
    """The names of the tasks waiting in the Celery broker's default queue (emptied before and after the test)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")

    def names() -> list[str]:
        return [json.loads(raw)["headers"]["task"] for raw in reversed(broker.lrange("celery", 0, -1))]

    yield names
    broker.delete("celery")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private Redis on a free port that the test may stop and start again; never the shared one."""
    server = RedisServer().start()
    yield server
    server.stop()


# --- organizations and tournaments: the roles of the permission matrix ----------------------------------------------


@pytest.fixture
def organization(db: None) -> Organization:
    return OrganizationFactory(name="DTX", slug="dtx")


@pytest.fixture
def other_organization(db: None) -> Organization:
    return OrganizationFactory(name="Elsewhere", slug="elsewhere")


@pytest.fixture
def org_admin(organization: Organization) -> User:
    """An admin of `organization` (not a site admin)."""
    user = UserFactory(username="org_admin")
    organization.admins.add(user)
    return user


@pytest.fixture
def org_staff(organization: Organization) -> User:
    """Staff of `organization` (not site staff)."""
    user = UserFactory(username="org_staff")
    organization.staff.add(user)
    return user


@pytest.fixture
def other_staff(other_organization: Organization) -> User:
    """Staff and admin of another organization: no power in `organization`."""
    user = UserFactory(username="other_staff")
    other_organization.staff.add(user)
    other_organization.admins.add(user)
    return user


@pytest.fixture
def tournament(organization: Organization) -> Tournament:
    return TournamentFactory(organization=organization, name="DTX Cup")


@pytest.fixture
def captain(tournament: Tournament) -> User:
    """The captain of a team of `tournament` (a registered player)."""
    user = UserFactory(username="captain")
    TeamFactory(tournament=tournament, captain=user, name="Captain's team", draft_order=1)
    return user
