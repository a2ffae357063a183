"""Users: every kind of write is visible on the next read, and private fields never leak through the cache."""

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from backend.accounts.models import User
from backend.core.cache import invalidate_after_commit, invalidate_models_after_commit
from tests.backend.core.cachetools import get_json, read_cached
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # cacheops does not cache inside the test's transaction

PRIVATE = {"email", "discord_id", "is_staff", "steam_tracking"}


def nickname_in_list(client, url, user):
    return {row["id"]: row["nickname"] for row in get_json(client, url)["results"]}.get(user.pk)


@pytest.fixture
def players(db):
    return [UserFactory(username=f"p{i}", nickname=f"Nick{i}") for i in range(3)]


def test_cache_is_on_and_serves_repeated_reads():
    assert settings.CACHEOPS_ENABLED
    UserFactory()
    read_cached(client_for(None), "/api/users/")


def test_save_is_visible_in_list_and_detail(players):
    user, client = players[0], client_for(None)
    read_cached(client, "/api/users/")
    read_cached(client, f"/api/users/{user.pk}/")
    user.nickname = "Saved"
    user.save()
    assert nickname_in_list(client, "/api/users/", user) == "Saved"
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Saved"


def test_patch_through_the_api_is_visible(players):
    user, client = players[0], client_for(None)
    read_cached(client, f"/api/users/{user.pk}/")
    read_cached(client, "/api/users/?search=nick")
    assert client_for(user).patch("/api/users/me/", {"nickname": "Patched"}).status_code == 200
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Patched"
    assert nickname_in_list(client, "/api/users/?search=nick", user) is None  # no longer matches the search
    assert nickname_in_list(client, "/api/users/?search=patch", user) == "Patched"


def test_delete_is_visible(players):
    user, client = players[0], client_for(None)
    read_cached(client, "/api/users/")
    read_cached(client, f"/api/users/{user.pk}/")
    user.delete()
    assert nickname_in_list(client, "/api/users/", user) is None
    assert client.get(f"/api/users/{user.pk}/").status_code == 404


def test_queryset_update_with_invalidation_after_commit_is_visible(players):
    user, client = players[0], client_for(None)
    read_cached(client, "/api/users/")
    read_cached(client, f"/api/users/{user.pk}/")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(nickname="Updated")
        invalidate_after_commit(user)
    assert nickname_in_list(client, "/api/users/", user) == "Updated"
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Updated"


def test_queryset_update_without_invalidation_would_be_stale(players):
    """The control: cacheops alone misses .update(), so the tests above can fail."""
    user, client = players[0], client_for(None)
    read_cached(client, f"/api/users/{user.pk}/")
    User.objects.filter(pk=user.pk).update(nickname="Unseen")
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Nick0"


def test_bulk_update_and_raw_sql_with_model_invalidation_are_visible(players):
    client = client_for(None)
    read_cached(client, "/api/users/")
    read_cached(client, f"/api/users/{players[1].pk}/")
    with transaction.atomic():
        for user in players:
            user.mmr = 4321
        User.objects.bulk_update(players, ["mmr"])
        with connection.cursor() as cursor:
            cursor.execute("UPDATE accounts_user SET nickname = %s WHERE id = %s", ["Raw", players[1].pk])
        invalidate_models_after_commit(User)
    rows = {row["id"]: row for row in get_json(client, "/api/users/")["results"]}
    assert {rows[user.pk]["mmr"] for user in players} == {4321}
    assert get_json(client, f"/api/users/{players[1].pk}/")["nickname"] == "Raw"


def test_bulk_create_is_visible(players):
    client = client_for(None)
    read_cached(client, "/api/users/")
    User.objects.bulk_create([User(username="bulk1", nickname="Bulk1"), User(username="bulk2", nickname="Bulk2")])
    names = {row["username"] for row in get_json(client, "/api/users/")["results"]}
    assert {"bulk1", "bulk2"} <= names


def test_write_in_a_committed_transaction_is_visible(players):
    user, client = players[0], client_for(None)
    read_cached(client, f"/api/users/{user.pk}/")
    with transaction.atomic():
        user.nickname = "Committed"
        user.save()
        with transaction.atomic():  # a savepoint inside
            User.objects.filter(pk=players[1].pk).update(nickname="Inner")
            invalidate_after_commit(players[1])
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Committed"
    assert get_json(client, f"/api/users/{players[1].pk}/")["nickname"] == "Inner"


def test_write_in_a_rolled_back_transaction_stays_absent(players):
    user, client = players[0], client_for(None)
    read_cached(client, f"/api/users/{user.pk}/")
    with pytest.raises(RuntimeError), transaction.atomic():
        user.nickname = "RolledBack"
        user.save()
        invalidate_after_commit(user)
        # Reads inside the transaction see its own write and must not cache it.
        assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "RolledBack"
        raise RuntimeError("roll back")
    assert get_json(client, f"/api/users/{user.pk}/")["nickname"] == "Nick0"
    read_cached(client, f"/api/users/{user.pk}/")


def test_private_fields_never_leak_from_a_cache_staff_filled(players, staff, outsider):
    user = players[0]
    urls = ["/api/users/", f"/api/users/{user.pk}/", "/api/users/?search=nick"]
    for url in urls:
        filled = read_cached(client_for(staff), url)
        rows = filled.get("results", [filled])
        assert all(row.keys() >= PRIVATE for row in rows)
    for viewer in (None, outsider):
        for url in urls:
            body = get_json(client_for(viewer), url)
            rows = body.get("results", [body])
            assert rows and all(not PRIVATE & row.keys() for row in rows), (viewer, url)
    assert get_json(client_for(user), f"/api/users/{user.pk}/").keys() >= PRIVATE


def test_public_cache_is_not_served_to_staff_or_self(players, staff):
    user = players[0]
    read_cached(client_for(None), f"/api/users/{user.pk}/")
    read_cached(client_for(None), "/api/users/")
    assert get_json(client_for(staff), f"/api/users/{user.pk}/").keys() >= PRIVATE
    assert get_json(client_for(user), f"/api/users/{user.pk}/").keys() >= PRIVATE
    assert all(row.keys() >= PRIVATE for row in get_json(client_for(staff), "/api/users/")["results"])


def test_disable_cache_reads_the_database_every_time(players, settings):
    settings.CACHEOPS_ENABLED = False
    client = client_for(None)
    get_json(client, f"/api/users/{players[0].pk}/")
    with CaptureQueriesContext(connection) as queries:
        get_json(client, f"/api/users/{players[0].pk}/")
    assert len(queries) > 0


@pytest.mark.parametrize("user_id", ["999999", "99999999999999999999999", "abc"])
def test_missing_or_impossible_ids_are_404_and_stay_404(players, user_id):
    client = client_for(None)
    for _ in range(2):
        response = client.get(f"/api/users/{user_id}/")
        assert response.status_code == 404, response.content
        assert response.json()["code"] == "not_found"
