"""The OpenAPI schema generates without warnings and declares every operation's error answers."""

from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from tests.conftest import client_for


@pytest.fixture(scope="module")
def schema(tmp_path_factory) -> dict:
    path: Path = tmp_path_factory.mktemp("schema") / "schema.yml"
    # --fail-on-warn raises on any warning, so generating at all is the "no warnings" assertion.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_declares_its_error_answers(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"401", "429"} <= codes, (method, path)
        if method in ("post", "patch", "put", "delete"):
            assert {"400", "403", "409"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)


def test_error_answers_have_the_error_shape(schema):
    components = schema["components"]["schemas"]
    assert set(components["Error"]["required"]) == {"detail", "code"}
    assert set(components["ValidationError"]["required"]) == {"detail", "code"}
    assert "errors" in components["ValidationError"]["properties"]
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in {"Error", "ValidationError"}, (method, path, code)


def test_domain_resources_are_in_the_schema(schema):
    for path in (
        "/api/organizations/",
        "/api/organizations/{id}/",
        "/api/tournaments/",
        "/api/tournaments/{id}/",
        "/api/tournaments/{id}/players/",
        "/api/tournaments/{id}/players/{user_id}/",
        "/api/teams/",
        "/api/teams/{id}/",
        "/api/games/",
        "/api/games/{id}/",
    ):
        assert path in schema["paths"], path
    tournament_list = schema["paths"]["/api/tournaments/"]["get"]
    names = {parameter["name"] for parameter in tournament_list["parameters"]}
    assert {"organization", "state", "player", "search", "ordering", "page", "page_size"} <= names


@pytest.mark.django_db
def test_docs_are_served_without_outside_cdns():
    client = client_for(None)
    assert client.get("/api/schema/").status_code == 200
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    for outside in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs", "https://"):
        assert outside not in page, outside
