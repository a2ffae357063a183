import pytest
from django.test import Client

PAGES = ["/", "/api/docs/", "/api/redoc/"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_policy_allowing_only_the_sites_own_scripts(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_styles_come_from_the_site_only_except_on_redoc() -> None:
    assert policy(Client().get("/"))["style-src"] == ["'self'"]
    assert policy(Client().get("/api/docs/"))["style-src"] == ["'self'"]
    assert "'unsafe-inline'" in policy(Client().get("/api/redoc/"))["style-src"]
    assert policy(Client().get("/api/redoc/"))["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_images_may_come_from_discord_and_steam_cdns_and_connections_only_to_the_site() -> None:
    directives = policy(Client().get("/"))

    assert "https://cdn.discordapp.com" in directives["img-src"]
    assert "https://avatars.steamstatic.com" in directives["img-src"]
    assert all(
        source == "'self'" or source.split("://")[1].split(":")[0] in ("localhost", "127.0.0.1")
        for source in directives["connect-src"]
    )
    assert "ws://127.0.0.1:*" in directives["connect-src"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style(path: str) -> None:
    html = Client().get(path).content.decode()

    assert "<script>" not in html
    assert "<style" not in html
    assert "googleapis" not in html


@pytest.mark.django_db
def test_swagger_start_up_script_is_served_as_a_file() -> None:
    response = Client().get("/api/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()
