"""Every domain model has a working admin: list (with its filters and search), add and change pages."""

import pytest
from django.urls import reverse

from backend.tournaments.models import TeamMember
from tests.factories import GameFactory

pytestmark = pytest.mark.django_db

MODELS = [
    ("organizations", "organization"),
    ("tournaments", "tournament"),
    ("tournaments", "team"),
    ("tournaments", "teammember"),
    ("tournaments", "game"),
]


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_pages_render(client, admin, app, model):
    game = GameFactory(winning_team=None)
    objects = {
        "organization": game.tournament.organization,
        "tournament": game.tournament,
        "team": game.radiant_team,
        "teammember": TeamMember.objects.filter(team=game.radiant_team).first(),
        "game": game,
    }
    client.force_login(admin)
    changelist = reverse(f"admin:{app}_{model}_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(changelist, {"q": "a"}).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[objects[model].pk])).status_code == 200


def test_user_pickers_are_autocomplete_or_raw_ids():
    from django.contrib import admin as django_admin

    from backend.organizations.models import Organization
    from backend.tournaments.models import Game, Team, Tournament

    registry = django_admin.site._registry
    assert set(registry[Organization].autocomplete_fields) == {"admins", "staff"}
    assert "players" in registry[Tournament].autocomplete_fields
    assert "captain" in registry[Team].raw_id_fields
    assert "user" in registry[TeamMember].raw_id_fields
    assert {"radiant_team", "dire_team", "winning_team"} <= set(registry[Game].raw_id_fields)
