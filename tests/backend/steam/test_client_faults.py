"""The client against the fake Steam: retryable faults are retried then succeed or give up cleanly, final faults
are not retried, answers are cached, and the key never shows in a log line or an error."""

import itertools
import logging
import threading
import time

import pytest

from backend.steam import client as steam_client
from backend.steam.budget import Priority
from backend.steam.client import BACKGROUND, INTERACTIVE, LIVE, CallPolicy, SteamClient
from backend.steam.errors import (
    SteamBadKey,
    SteamError,
    SteamMalformed,
    SteamNotConfigured,
    SteamNotFound,
    SteamPrivateHistory,
    SteamRejected,
    SteamUnavailable,
)
from tests.fakes.steam import API_KEY, Fault, fixture
from tests.processes import wait_until

# One call per endpoint, with the name the fake records it under.
CALLS = {
    "ResolveVanityURL": lambda c, **kw: c.resolve_vanity_url("chernobilly", **kw),
    "GetPlayerSummaries": lambda c, **kw: c.get_player_summaries([76561198080534862], **kw),
    "GetMatchHistory": lambda c, **kw: c.get_match_history(120269134, **kw),
    "GetMatchHistoryBySequenceNum": lambda c, **kw: c.get_match_by_seq_num(7215564751, **kw),
    "GetMatchDetails": lambda c, **kw: c.get_match_details(3254426673, **kw),
    "GetLiveLeagueGames": lambda c, **kw: c.get_live_league_games(league_id=2091, **kw),
    "GetTopLiveGame": lambda c, **kw: c.get_top_live_games(partner=0, **kw),
    "GetRealtimeStats": lambda c, **kw: c.get_realtime_stats(90124903155706890, **kw),
    "GetHeroes": lambda c, **kw: c.get_heroes(**kw),
}
RETRYABLE = [Fault(429), Fault(500), Fault(502), Fault(503), Fault("timeout", seconds=1)]


@pytest.fixture
def client(fake_steam):
    return SteamClient()


@pytest.mark.parametrize("method", sorted(CALLS))
@pytest.mark.parametrize("fault", RETRYABLE, ids=lambda f: f"{f.kind}-{f.retry_after}")
def test_retryable_fault_is_retried_then_succeeds(fake_steam, client, method, fault):
    fake_steam.fail(method, fault)
    assert CALLS[method](client)
    assert [call.status for call in fake_steam.calls_to(method)][-1] == 200
    assert len(fake_steam.calls_to(method)) == 2


@pytest.mark.parametrize("method", sorted(CALLS))
def test_persistent_retryable_fault_gives_up_after_the_policy_attempts(fake_steam, client, method):
    fake_steam.fail(method, *[500] * 5)
    with pytest.raises(SteamUnavailable):
        CALLS[method](client, policy=CallPolicy(Priority.BACKGROUND, deadline_seconds=10, attempts=3))
    assert len(fake_steam.calls_to(method)) == 3


@pytest.mark.parametrize("method", sorted(CALLS))
@pytest.mark.parametrize(
    ("fault", "error"),
    [(Fault(403), SteamBadKey), (Fault("garbage"), SteamMalformed), (Fault(404), SteamRejected)],
    ids=["403", "garbage", "404"],
)
def test_final_fault_is_not_retried(fake_steam, client, method, fault, error):
    fake_steam.fail(method, fault)
    with pytest.raises(error):
        CALLS[method](client)
    assert len(fake_steam.calls_to(method)) == 1


@pytest.mark.parametrize(
    ("method", "body", "error"),
    [
        ("GetMatchDetails", {}, SteamNotFound),
        ("GetRealtimeStats", {}, SteamNotFound),
        ("GetMatchHistory", fixture("GetMatchHistory_status15.json"), SteamPrivateHistory),
        ("GetMatchDetails", fixture("GetMatchDetails_error_practice.json"), SteamNotFound),
        ("ResolveVanityURL", fixture("ResolveVanityURL_nomatch.json"), SteamNotFound),
        ("GetTopLiveGame", {}, SteamMalformed),
        ("GetPlayerSummaries", {}, SteamMalformed),
    ],
)
def test_final_answers_inside_http_200_are_not_retried(fake_steam, client, method, body, error):
    fake_steam.serve(method, body)
    with pytest.raises(error):
        CALLS[method](client)
    assert len(fake_steam.calls_to(method)) == 1


def test_realtime_stats_http_400_is_final_for_this_call(fake_steam, client):
    """Steam's 400 may mean "try later" or "game over"; the live poll decides across periods, not by hammering."""
    fake_steam.fail("GetRealtimeStats", 400)
    with pytest.raises(SteamRejected):
        client.get_realtime_stats(90124903155706890)
    assert len(fake_steam.calls_to("GetRealtimeStats")) == 1


def test_match_missing_from_sequence_answer_is_not_found(fake_steam, client):
    # Steam answers the next match it has when the asked one is not listed (yet).
    with pytest.raises(SteamNotFound):
        client.get_match_by_seq_num(7215564750)
    with pytest.raises(SteamNotFound):
        client.get_match_by_seq_num(7215564751, match_id=1)
    assert client.get_match_by_seq_num(7215564751, match_id=8591933650).match_id == 8591933650


def test_retry_waits_for_retry_after(fake_steam, client):
    fake_steam.fail("GetHeroes", Fault(429, retry_after="1"))
    client.get_heroes()
    first, second = fake_steam.calls_to("GetHeroes")
    assert second.at - first.at >= 0.95


def test_backoff_grows_between_attempts(fake_steam, client, settings):
    settings.STEAM_BACKOFF_INITIAL_SECONDS = 0.2
    settings.STEAM_BACKOFF_MAX_SECONDS = 5
    fake_steam.fail("GetHeroes", 500, 500, 500)
    client.get_heroes(policy=CallPolicy(Priority.BACKGROUND, deadline_seconds=20, attempts=4))
    times = [call.at for call in fake_steam.calls_to("GetHeroes")]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # base 0.2, 0.4, 0.8 s, each plus up to as much again of jitter
    for gap, base in zip(gaps, [0.2, 0.4, 0.8], strict=True):
        assert base - 0.01 <= gap < 2 * base + 0.2


def test_429_pauses_every_caller(fake_steam, client):
    """A 429 stops the whole budget (every process) for Retry-After, not just the call that got it."""
    fake_steam.fail("GetHeroes", Fault(429, retry_after="2"))
    retrying = threading.Thread(target=client.get_heroes)
    retrying.start()
    wait_until(lambda: fake_steam.calls_to("GetHeroes"), what="the 429")
    client.get_top_live_games()
    retrying.join()
    rate_limited = fake_steam.calls_to("GetHeroes")[0]
    [top] = fake_steam.calls_to("GetTopLiveGame")
    assert rate_limited.status == 429
    assert top.at - rate_limited.at >= 1.9


def test_interactive_call_gives_up_within_its_deadline(fake_steam, client, settings):
    settings.STEAM_BACKOFF_INITIAL_SECONDS = 1.0
    settings.STEAM_BACKOFF_MAX_SECONDS = 30
    fake_steam.fail("ResolveVanityURL", *[500] * 20)
    policy = CallPolicy(Priority.INTERACTIVE, deadline_seconds=3, attempts=10)
    started = time.monotonic()
    with pytest.raises(SteamUnavailable):
        client.resolve_vanity_url("chernobilly", policy=policy)
    assert time.monotonic() - started < 3.5
    assert 2 <= len(fake_steam.calls_to("ResolveVanityURL")) <= 3


def test_cached_answers_cost_no_call(fake_steam, client):
    for _ in range(3):
        assert client.resolve_vanity_url("chernobilly") == 76561198080534862
        assert client.get_heroes()
        assert client.get_match_by_seq_num(7215564751)
    assert len(fake_steam.calls) == 3


def test_vanity_no_match_is_remembered(fake_steam, client):
    for _ in range(2):
        with pytest.raises(SteamNotFound):
            client.resolve_vanity_url("nobody-here")
    assert len(fake_steam.calls_to("ResolveVanityURL")) == 1


def test_missing_sequence_match_is_not_remembered(fake_steam, client):
    for _ in range(2):
        with pytest.raises(SteamNotFound):
            client.get_match_by_seq_num(7215564750)
    assert len(fake_steam.calls_to("GetMatchHistoryBySequenceNum")) == 2


def test_stale_copy_answers_when_steam_is_down(fake_steam, client, monkeypatch):
    assert client.resolve_vanity_url("chernobilly") == 76561198080534862
    real_time = steam_client.time.time
    monkeypatch.setattr(steam_client.time, "time", lambda: real_time() + 7 * 3600)  # past the fresh period
    fake_steam.fail("ResolveVanityURL", *[503] * 10)
    policy = CallPolicy(Priority.INTERACTIVE, deadline_seconds=1, attempts=2)
    assert client.resolve_vanity_url("chernobilly", policy=policy) == 76561198080534862
    assert len(fake_steam.calls_to("ResolveVanityURL")) == 3


def test_bad_key_stops_every_later_call(fake_steam, client, settings, caplog):
    settings.STEAM_API_KEY = "WRONG0000000000000000000000000000"
    with caplog.at_level(logging.ERROR, logger="backend.steam.client"):
        for method in ("GetHeroes", "GetTopLiveGame", "GetHeroes"):
            with pytest.raises(SteamBadKey):
                CALLS[method](client)
    assert len(fake_steam.calls) == 1
    loud = [r for r in caplog.records if "KEY REJECTED" in r.getMessage()]
    assert len(loud) == 1
    # a new key is tried again
    settings.STEAM_API_KEY = API_KEY
    assert client.get_heroes()


def test_without_a_key_nothing_is_called(fake_steam, client, settings):
    settings.STEAM_API_KEY = ""
    with pytest.raises(SteamNotConfigured):
        client.get_heroes()
    assert fake_steam.calls == []


def test_unreachable_steam_is_unavailable(settings):
    from tests.processes import free_port

    settings.STEAM_API_KEY = API_KEY
    settings.STEAM_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    settings.STEAM_BACKOFF_INITIAL_SECONDS = 0.01
    with pytest.raises(SteamUnavailable) as caught:
        SteamClient().get_heroes(policy=CallPolicy(Priority.LIVE, deadline_seconds=2, attempts=2))
    assert API_KEY not in str(caught.value)


def test_key_never_in_logs_or_errors(fake_steam, client, caplog):
    fake_steam.fail("GetHeroes", 500, 429, Fault("timeout", seconds=1))
    fake_steam.fail("GetTopLiveGame", "garbage")
    fake_steam.fail("GetMatchHistory", 403)
    errors: list[SteamError] = []
    with caplog.at_level(logging.DEBUG):
        client.get_heroes(policy=BACKGROUND)
        for call in (
            lambda: client.get_top_live_games(policy=LIVE),
            lambda: SteamClient(base_url="http://127.0.0.1:9").get_realtime_stats(1, policy=INTERACTIVE),
            lambda: client.get_match_history(1),
        ):
            try:
                call()
            except SteamError as exc:
                errors.append(exc)
    ours = [r for r in caplog.records if not r.name.startswith("werkzeug")]  # werkzeug logs for the fake
    assert any("urllib3" in r.name for r in ours), "urllib3 debug lines were expected in this test"
    assert any("steam" in r.name for r in ours)
    for record in ours:
        assert API_KEY not in record.getMessage()
        assert API_KEY not in str(record.exc_info or "")
    assert len(errors) == 3
    for error in errors:
        assert API_KEY not in str(error) and API_KEY not in repr(error.__cause__) and error.__cause__ is None
