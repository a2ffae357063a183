"""Helpers of the cache tests: read an endpoint and prove that the next read of it is served from the cache."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def get_json(client: APIClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


def read_cached(client: APIClient, url: str) -> Any:
    """GET `url` twice; the second answer must come from the cache (no SQL at all), so a stale entry would show."""
    first = get_json(client, url)
    with CaptureQueriesContext(connection) as queries:
        second = get_json(client, url)
    assert len(queries) == 0, f"{url} was not served from the cache: {[q['sql'] for q in queries]}"
    assert second == first
    return first


def assert_rebuilt(client: APIClient, url: str) -> Any:
    """The next read of `url` is not served from the cache: it was invalidated."""
    with CaptureQueriesContext(connection) as queries:
        body = get_json(client, url)
    assert len(queries) > 0, f"{url} was still served from the cache"
    return body
