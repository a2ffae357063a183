from collections.abc import Iterator

import pytest

from tests.fakes.steam import fake_steam, steam_httpserver  # noqa: F401  (fixtures)
from tests.processes import AsgiServer, process_env, running


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[AsgiServer]:
    """The web process, one per test module, on the test database."""
    server = AsgiServer(process_env())
    with django_db_blocker.unblock(), running(server):
        yield server
