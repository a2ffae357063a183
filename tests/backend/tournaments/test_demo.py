import pytest

from backend.organizations.models import Organization
from backend.tournaments import demo
from backend.tournaments.models import Game, Team, TeamMember, Tournament
from tests.backend.tournaments.world import snapshot

pytestmark = pytest.mark.django_db


def test_demo_builds_an_organization_and_a_tournament_ready_to_draft():
    steps: list[tuple[str, int, int]] = []
    demo.populate(lambda label, done, total: steps.append((label, done, total)))

    assert steps[-1][1] == steps[-1][2]
    organization = Organization.objects.get(slug="dtx")
    assert organization.staff.filter(username="teststaff").exists()
    assert organization.admins.filter(username="orgadmin").exists()
    assert organization.tournaments.count() == 2
    ready = Tournament.objects.get(name="DTX Draft Cup")
    assert ready.state == "registration"
    teams = Team.objects.filter(tournament=ready)
    assert sorted(teams.values_list("draft_order", flat=True)) == [1, 2, 3, 4]
    for team in teams:
        assert list(team.members.all()) == [team.captain]
        assert ready.players.filter(pk=team.captain_id).exists()
    assert ready.players.count() > teams.count() * 4  # enough players left to draft
    assert Game.objects.filter(tournament__name="DTX Autumn League", status="finished").count() == 1


def test_demo_is_idempotent():
    demo.populate(lambda *args: None)
    first = snapshot()
    members = TeamMember.objects.count()
    demo.populate(lambda *args: None)
    assert snapshot() == first
    assert TeamMember.objects.count() == members


def test_demo_uses_the_accounts_demo_players_when_they_exist():
    from backend.accounts import demo as accounts_demo
    from backend.accounts.models import User

    accounts_demo.populate(lambda *args: None)
    users = User.objects.count()
    demo.populate(lambda *args: None)
    assert User.objects.count() == users + 1  # only the organization's admin is new
