"""Every refused draft write answers its status and code, changes nothing and broadcasts nothing."""

from collections.abc import Callable
from typing import Any

import pytest

from backend.drafts import services
from backend.drafts.models import Draft, DraftEvent, DraftRound, DraftStyle
from tests.backend.drafts.world import DraftWorld, draft_world
from tests.backend.tournaments.world import snapshot as domain_snapshot
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def everything() -> dict[str, Any]:
    return domain_snapshot() | {
        "drafts": list(Draft.objects.order_by("pk").values()),
        "rounds": list(DraftRound.objects.order_by("pk").values()),
        "events": list(DraftEvent.objects.order_by("pk").values()),
    }


@pytest.fixture
def world(organization) -> DraftWorld:
    return draft_world(3, 9, organization=organization)


@pytest.fixture
def draft(world, org_staff) -> Draft:
    draft = services.draft_create(actor=org_staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    services.draft_pick(actor=org_staff, draft_id=draft.pk, player_id=world.players[0].pk)  # team 1 picked; team 2 next
    return draft


def refused(request: Callable[[], Any], status: int, code: str | None, capture) -> None:
    before = everything()
    with capture() as callbacks:
        response = request()
    assert response.status_code == status, response.json()
    if code is not None:
        assert response.json()["code"] == code
    assert set(response.json()) >= {"detail", "code"}
    assert everything() == before
    assert callbacks == [], "a refused write scheduled a broadcast"


def pick(actor, draft: Draft, player_id: int, **extra: Any) -> Callable[[], Any]:
    return lambda: client_for(actor).post(f"/api/drafts/{draft.pk}/pick/", {"player_id": player_id, **extra})


def test_anonymous_pick_is_401(world, draft, django_capture_on_commit_callbacks) -> None:
    refused(pick(None, draft, world.players[1].pk), 401, None, django_capture_on_commit_callbacks)


def test_pick_out_of_turn_is_403(world, draft, django_capture_on_commit_callbacks) -> None:
    refused(
        pick(world.teams[2].captain, draft, world.players[1].pk),
        403,
        "not_your_turn",
        django_capture_on_commit_callbacks,
    )
    refused(
        pick(world.teams[0].captain, draft, world.players[1].pk),
        403,
        "not_your_turn",
        django_capture_on_commit_callbacks,
    )


@pytest.mark.parametrize("who", ["registered_player", "outsider", "other_staff"])
def test_pick_by_someone_not_the_captain_is_403(
    who: str, world, draft, other_staff, django_capture_on_commit_callbacks
) -> None:
    actor = {"registered_player": world.players[5], "outsider": UserFactory(), "other_staff": other_staff}[who]
    refused(pick(actor, draft, world.players[1].pk), 403, "not_your_turn", django_capture_on_commit_callbacks)


def test_picking_a_taken_player_is_409(world, draft, django_capture_on_commit_callbacks) -> None:
    refused(
        pick(world.teams[1].captain, draft, world.players[0].pk),
        409,
        "player_taken",
        django_capture_on_commit_callbacks,
    )


def test_picking_an_unregistered_player_is_409(world, draft, django_capture_on_commit_callbacks) -> None:
    stranger = UserFactory()
    refused(
        pick(world.teams[1].captain, draft, stranger.pk),
        409,
        "player_not_registered",
        django_capture_on_commit_callbacks,
    )
    refused(
        pick(world.teams[1].captain, draft, 987654321), 409, "player_not_registered", django_capture_on_commit_callbacks
    )


def test_picking_a_captain_is_409(world, draft, django_capture_on_commit_callbacks) -> None:
    refused(
        pick(world.teams[1].captain, draft, world.teams[2].captain_id),
        409,
        "player_is_captain",
        django_capture_on_commit_callbacks,
    )


def test_picking_for_a_round_that_is_not_current_is_409(world, draft, django_capture_on_commit_callbacks) -> None:
    first = DraftRound.objects.get(draft=draft, pick_number=1)
    refused(
        pick(world.teams[1].captain, draft, world.players[1].pk, round=first.pk),
        409,
        "not_current_round",
        django_capture_on_commit_callbacks,
    )


def test_picking_in_a_completed_draft_is_409(world, draft, org_staff, django_capture_on_commit_callbacks) -> None:
    for player in world.players[1:]:
        services.draft_pick(actor=org_staff, draft_id=draft.pk, player_id=player.pk)
    late = UserFactory()
    world.tournament.players.add(late)
    refused(pick(org_staff, draft, late.pk), 409, "draft_not_active", django_capture_on_commit_callbacks)


@pytest.mark.parametrize(
    "body", [{}, {"player_id": "x"}, {"player_id": -1}, {"player_id": 2**70}, {"player_id": 1, "round": "x"}]
)
def test_bad_pick_input_is_400(body, world, draft, org_staff, django_capture_on_commit_callbacks) -> None:
    refused(
        lambda: client_for(org_staff).post(f"/api/drafts/{draft.pk}/pick/", body),
        400,
        "invalid",
        django_capture_on_commit_callbacks,
    )


def test_undo_by_a_captain_is_403_and_anonymous_401(world, draft, django_capture_on_commit_callbacks) -> None:
    url = f"/api/drafts/{draft.pk}/undo/"
    refused(lambda: client_for(world.teams[0].captain).post(url), 403, None, django_capture_on_commit_callbacks)
    refused(lambda: client_for(None).post(url), 401, None, django_capture_on_commit_callbacks)


def test_style_change_after_the_first_pick_is_409_and_by_a_captain_403(
    world, draft, org_staff, django_capture_on_commit_callbacks
) -> None:
    url = f"/api/drafts/{draft.pk}/"
    refused(
        lambda: client_for(org_staff).patch(url, {"style": "normal"}),
        409,
        "draft_started",
        django_capture_on_commit_callbacks,
    )
    refused(
        lambda: client_for(world.teams[1].captain).patch(url, {"style": "normal"}),
        403,
        None,
        django_capture_on_commit_callbacks,
    )


def test_starting_a_draft_by_a_captain_is_403_and_twice_409(
    world, draft, org_staff, django_capture_on_commit_callbacks
) -> None:
    url = f"/api/tournaments/{world.tournament.pk}/draft/"
    refused(
        lambda: client_for(world.teams[0].captain).post(url, {"style": "snake"}),
        403,
        None,
        django_capture_on_commit_callbacks,
    )
    refused(
        lambda: client_for(org_staff).post(url, {"style": "snake"}),
        409,
        "draft_exists",
        django_capture_on_commit_callbacks,
    )
    refused(lambda: client_for(None).post(url, {"style": "snake"}), 401, None, django_capture_on_commit_callbacks)
