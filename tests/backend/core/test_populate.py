from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.accounts import demo
from backend.accounts.models import User, validate_positions
from backend.core.management.commands.populate import demo_modules

DEMO_USERNAMES = {name.lower().replace(" ", "_") for name in demo.PLAYER_NAMES}


def populate() -> str:
    out = StringIO()
    call_command("populate", stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _debug(settings) -> None:
    settings.DEBUG = True  # demo data is for development sites; pytest-django turns DEBUG off


def test_accounts_demo_is_discovered(db) -> None:
    assert ("accounts", demo) in demo_modules()


def test_populate_creates_40_players_with_mmr_and_positions(db) -> None:
    populate()
    players = User.objects.filter(username__in=DEMO_USERNAMES)
    assert players.count() == 40
    for player in players:
        assert 1000 <= player.mmr <= 8000
        validate_positions(player.positions)
        assert sorted(value for value in player.positions if value) in ([1, 2, 3, 4, 5], [1, 2, 3, 4])
        assert player.is_guild_member
        assert not player.is_staff
    assert len({player.mmr for player in players}) > 20, "MMRs should spread, for drafts worth watching"


def test_populate_creates_staff_and_admin(db) -> None:
    populate()
    staff = User.objects.get(username="teststaff")
    admin = User.objects.get(username="testadmin")
    assert staff.is_staff and not staff.is_superuser
    assert admin.is_staff and admin.is_superuser


def test_populate_twice_creates_nothing_new_and_keeps_edits(db) -> None:
    populate()
    before = set(User.objects.values_list("pk", "username"))
    User.objects.filter(username="blink_dagger").update(mmr=4321)
    populate()
    assert set(User.objects.values_list("pk", "username")) == before
    assert User.objects.get(username="blink_dagger").mmr == 4321


def test_populate_prints_progress_per_app_and_label(db) -> None:
    output = populate()
    assert "accounts: players 1/40" in output
    assert "accounts: players 40/40" in output
    assert "accounts: staff and admin 2/2" in output


def test_populate_refuses_to_run_without_debug(db, settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("populate", stdout=StringIO())
    assert not User.objects.filter(username__in=DEMO_USERNAMES).exists()
