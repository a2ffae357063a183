"""Every write endpoint x every role: the right status, and a refused write changes nothing."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from backend.accounts.models import User
from tests.backend.tournaments.world import World, build_world, snapshot
from tests.conftest import client_for

ROLES = ("anonymous", "player", "captain", "org_staff", "other_staff", "org_admin", "staff", "admin")


def allowed(ok: int, *roles: str) -> dict[str, int]:
    """Anonymous gets 401, the given roles `ok`, everyone else 403."""
    return {role: 401 if role == "anonymous" else ok if role in roles else 403 for role in ROLES}


CONTENT_MANAGERS = ("org_staff", "org_admin", "staff", "admin")  # staff = site staff, admin = site admin
ORGANIZATION_ADMINS = ("org_admin", "admin")


@dataclass
class Case:
    method: str
    url: Callable[[World, User | None], str]
    payload: Callable[[World, User | None], dict[str, Any]] | None
    expected: dict[str, int]


CASES: dict[str, Case] = {
    "create organization": Case(
        "post", lambda w, u: "/api/organizations/", lambda w, u: {"name": "New org"}, allowed(201, "admin")
    ),
    "edit organization": Case(
        "patch",
        lambda w, u: f"/api/organizations/{w.organization.pk}/",
        lambda w, u: {"description": "Edited"},
        allowed(200, *ORGANIZATION_ADMINS),
    ),
    "set organization staff": Case(
        "patch",
        lambda w, u: f"/api/organizations/{w.organization.pk}/",
        lambda w, u: {"staff": [w.registered.pk], "admins": [w.registered.pk]},
        allowed(200, *ORGANIZATION_ADMINS),
    ),
    "delete organization": Case(
        "delete", lambda w, u: f"/api/organizations/{w.empty_organization.pk}/", None, allowed(204, "admin")
    ),
    "create tournament": Case(
        "post",
        lambda w, u: "/api/tournaments/",
        lambda w, u: {"organization": w.organization.pk, "name": "New cup", "tournament_type": "swiss"},
        allowed(201, *CONTENT_MANAGERS),
    ),
    "edit tournament": Case(
        "patch",
        lambda w, u: f"/api/tournaments/{w.tournament.pk}/",
        lambda w, u: {"name": "Renamed"},
        allowed(200, *CONTENT_MANAGERS),
    ),
    "move tournament state": Case(
        "patch",
        lambda w, u: f"/api/tournaments/{w.tournament.pk}/",
        lambda w, u: {"state": "drafting"},
        allowed(200, *CONTENT_MANAGERS),
    ),
    "delete tournament": Case(
        "delete", lambda w, u: f"/api/tournaments/{w.spare_tournament.pk}/", None, allowed(204, *CONTENT_MANAGERS)
    ),
    "register another player": Case(
        "post",
        lambda w, u: f"/api/tournaments/{w.tournament.pk}/players/",
        lambda w, u: {"user_id": User.objects.get(username="player").pk},
        # the player registers themself here; the captain (already registered) may not register others
        allowed(201, "player", *CONTENT_MANAGERS),
    ),
    "register oneself": Case(
        "post",
        lambda w, u: f"/api/tournaments/{w.tournament.pk}/players/",
        lambda w, u: {"user_id": u.pk if u else w.registered.pk},
        {**allowed(201, *ROLES), "captain": 409},  # the captain is registered already
    ),
    "withdraw another player": Case(
        "delete",
        lambda w, u: f"/api/tournaments/{w.tournament.pk}/players/{w.registered.pk}/",
        None,
        allowed(204, *CONTENT_MANAGERS),
    ),
    "create team": Case(
        "post",
        lambda w, u: "/api/teams/",
        lambda w, u: {"tournament": w.tournament.pk, "name": "New team", "captain": w.registered.pk, "draft_order": 9},
        allowed(201, *CONTENT_MANAGERS),
    ),
    "edit team": Case(
        "patch",
        lambda w, u: f"/api/teams/{w.team.pk}/",
        lambda w, u: {"name": "Renamed"},
        allowed(200, *CONTENT_MANAGERS),
    ),
    "set team members": Case(
        "patch",
        lambda w, u: f"/api/teams/{w.team.pk}/",
        lambda w, u: {"members": [w.registered.pk]},
        allowed(200, *CONTENT_MANAGERS),
    ),
    "delete team": Case("delete", lambda w, u: f"/api/teams/{w.spare_team.pk}/", None, allowed(204, *CONTENT_MANAGERS)),
    "create game": Case(
        "post",
        lambda w, u: "/api/games/",
        lambda w, u: {"tournament": w.tournament.pk, "radiant_team": w.spare_team.pk, "dire_team": w.team.pk},
        allowed(201, *CONTENT_MANAGERS),
    ),
    "edit game": Case(
        "patch",
        lambda w, u: f"/api/games/{w.game.pk}/",
        lambda w, u: {"status": "finished", "winning_team": w.team.pk},
        allowed(200, *CONTENT_MANAGERS),
    ),
    "delete game": Case("delete", lambda w, u: f"/api/games/{w.game.pk}/", None, allowed(204, *CONTENT_MANAGERS)),
}


@pytest.fixture
def world(
    organization, other_organization, tournament, captain, org_admin, org_staff, other_staff, staff, admin, player
):
    return build_world(
        organization=organization,
        other_organization=other_organization,
        tournament=tournament,
        captain=captain,
        org_admin=org_admin,
        org_staff=org_staff,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case_name", list(CASES))
def test_write_permission(world: World, request: pytest.FixtureRequest, case_name: str, role: str) -> None:
    case = CASES[case_name]
    actor: User | None = request.getfixturevalue(role)
    url = case.url(world, actor)
    payload = case.payload(world, actor) if case.payload else None
    before = snapshot()

    response = getattr(client_for(actor), case.method)(url, payload, format="json")

    expected = case.expected[role]
    assert response.status_code == expected, (case_name, role, response.content)
    after = snapshot()
    if expected >= 400:
        assert response.json()["code"]
        assert after == before, f"{case_name} by {role} was refused but changed the data"
    else:
        assert after != before, f"{case_name} by {role} succeeded but changed nothing"


def test_matrix_covers_every_write_endpoint() -> None:
    """A new write endpoint must join the matrix: compare with the router's write routes."""
    from backend.urls import router

    write_routes = set()
    for prefix, viewset, _basename in router.registry:
        if prefix == "users":
            continue
        for method in ("create", "partial_update", "destroy"):
            if hasattr(viewset, method):
                write_routes.add((prefix, method))
        for extra in viewset.get_extra_actions():
            write_routes.add((prefix, extra.__name__))
    covered = {
        ("organizations", "create"),
        ("organizations", "partial_update"),
        ("organizations", "destroy"),
        ("tournaments", "create"),
        ("tournaments", "partial_update"),
        ("tournaments", "destroy"),
        ("tournaments", "register_player"),
        ("tournaments", "withdraw_player"),
        ("teams", "create"),
        ("teams", "partial_update"),
        ("teams", "destroy"),
        ("games", "create"),
        ("games", "partial_update"),
        ("games", "destroy"),
    }
    assert write_routes == covered
