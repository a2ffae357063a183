"""GET /api/matches/ and /api/matches/{match_id}/ per the contract."""

from datetime import UTC, datetime

import pytest

from backend.accounts.models import STEAM_ID64_BASE
from backend.matches import services
from backend.steam.results import parse_match_history_by_sequence_num
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.fakes.steam import ScriptedMatch

pytestmark = pytest.mark.django_db

PLAYER_FIELDS = {
    "account_id",
    "user",
    "team",
    "hero_id",
    "kills",
    "deaths",
    "assists",
    "gpm",
    "xpm",
    "net_worth",
    "level",
    "last_hits",
}


def store(match_id, radiant, dire=()):
    scripted = ScriptedMatch(match_id=match_id, match_seq_num=match_id * 10, radiant=list(radiant), dire=list(dire))
    [details] = parse_match_history_by_sequence_num({"result": {"status": 1, "matches": [scripted.details()]}})
    return services.match_store(details=details)[0]


def test_list_and_detail_shape(anonymous):
    member = UserFactory(username="m", steam_id=STEAM_ID64_BASE + 11)
    store(8000000001, [11], [None])
    response = client_for(anonymous).get("/api/matches/")
    assert response.status_code == 200
    [match] = response.json()["results"]
    assert {
        "match_id",
        "match_seq_num",
        "start_time",
        "duration",
        "radiant_win",
        "league_id",
        "lobby_type",
        "game_mode",
        "game",
        "players",
    } <= set(match)
    assert match["match_id"] == 8000000001 and match["game"] is None
    assert [set(p) for p in match["players"]] == [PLAYER_FIELDS, PLAYER_FIELDS]
    assert match["players"][0]["user"] == member.pk and match["players"][1]["account_id"] is None
    detail = client_for(anonymous).get("/api/matches/8000000001/")
    assert detail.status_code == 200 and detail.json() == match
    assert client_for(anonymous).get("/api/matches/1/").status_code == 404


def test_filters(anonymous):
    member = UserFactory(username="m", steam_id=STEAM_ID64_BASE + 11)
    store(8000000001, [11])
    store(8000000002, [12])
    api = client_for(anonymous)
    assert [m["match_id"] for m in api.get("/api/matches/", {"user": member.pk}).json()["results"]] == [8000000001]
    since = datetime.fromtimestamp(1764977774 + 2, tz=UTC).isoformat()
    assert [m["match_id"] for m in api.get("/api/matches/", {"since": since}).json()["results"]] == [8000000002]
    assert api.get("/api/matches/", {"user": "x"}).status_code == 400
    assert api.get("/api/matches/", {"since": "yesterday"}).status_code == 400


def test_list_queries_do_not_grow_with_matches(anonymous, django_assert_max_num_queries):
    for match_id in range(8000000001, 8000000004):
        store(match_id, [11, 12], [13, 14])
    with django_assert_max_num_queries(3):
        assert len(client_for(anonymous).get("/api/matches/").json()["results"]) == 3
    for match_id in range(8000000004, 8000000030):
        store(match_id, [11, 12], [13, 14])
    with django_assert_max_num_queries(3):
        assert len(client_for(anonymous).get("/api/matches/").json()["results"]) == 29
