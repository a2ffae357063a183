"""manage.py sync_guild_games: a sync by hand, with a progress bar."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from backend.accounts.models import STEAM_ID64_BASE
from backend.matches.models import Match
from tests.factories import UserFactory
from tests.fakes.steam import ScriptedMatch

pytestmark = pytest.mark.django_db


def test_command_syncs_every_member_and_reports(fake_steam):
    UserFactory(username="a", steam_id=STEAM_ID64_BASE + 11)
    UserFactory(username="b", steam_id=STEAM_ID64_BASE + 12)
    fake_steam.private_accounts.add(12)
    fake_steam.script_matches([ScriptedMatch(8000000001, 80000000010, radiant=[11])])
    out = StringIO()
    call_command("sync_guild_games", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "2/2 members" in text and "[" in text
    assert "2 members done, 1 new matches, 1 private, 0 failed, 3 Steam calls" in text
    assert Match.objects.count() == 1


def test_command_without_a_key_fails_clearly(fake_steam, settings):
    settings.STEAM_API_KEY = ""
    with pytest.raises(CommandError, match="STEAM_API_KEY"):
        call_command("sync_guild_games", stdout=StringIO())
