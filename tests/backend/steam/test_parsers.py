"""Every recorded Steam response parses into its typed result, or into the error it stands for."""

import copy

import pytest

from backend.steam import results
from backend.steam.errors import SteamMalformed, SteamNotFound, SteamPrivateHistory
from tests.fakes.steam import fixture, fixture_names

RADIANT, DIRE = results.RADIANT, results.DIRE

# fixture -> parser; each file in ../shared/steam-fixtures must be listed (see the last test).
PARSERS = {
    "GetHeroes.json": results.parse_heroes,
    "GetLiveLeagueGames.json": results.parse_live_league_games,
    "GetLiveLeagueGames_game_2019.json": results.parse_league_game,
    "GetMatchDetails.json": results.parse_match_details,
    "GetMatchDetails_empty.json": results.parse_match_details,
    "GetMatchDetails_error_practice.json": results.parse_match_details,
    "GetMatchDetails_public_2015.json": results.parse_match_details,
    "GetMatchHistory.json": results.parse_match_history,
    "GetMatchHistoryBySequenceNum.json": results.parse_match_history_by_sequence_num,
    "GetMatchHistory_status15.json": results.parse_match_history,
    "GetPlayerSummaries.json": results.parse_player_summaries,
    "GetRealtimeStats.json": results.parse_realtime_stats,
    "GetRealtimeStats_empty.json": results.parse_realtime_stats,
    "GetRealtimeStats_pregame_2020.json": results.parse_realtime_stats,
    "GetTopLiveGame.json": results.parse_top_live_game,
    "GetTopLiveGame_2020.json": results.parse_top_live_game,
    "ResolveVanityURL.json": results.parse_resolve_vanity_url,
    "ResolveVanityURL_nomatch.json": results.parse_resolve_vanity_url,
}
ERRORS = {
    "GetMatchDetails_empty.json": SteamNotFound,
    "GetMatchDetails_error_practice.json": SteamNotFound,
    "GetMatchHistory_status15.json": SteamPrivateHistory,
    "GetRealtimeStats_empty.json": SteamNotFound,
    "ResolveVanityURL_nomatch.json": SteamNotFound,
}


def test_every_recorded_fixture_has_a_parser():
    assert set(fixture_names()) == set(PARSERS)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_fixture_parses_or_raises_its_error(name):
    parse = PARSERS[name]
    if name in ERRORS:
        with pytest.raises(ERRORS[name]):
            parse(fixture(name))
    else:
        assert parse(fixture(name))


@pytest.mark.parametrize("name", sorted(set(PARSERS) - {"GetMatchDetails_empty.json", "GetRealtimeStats_empty.json"}))
@pytest.mark.parametrize("body", [None, [], "garbage", {"unrelated": 1}])
def test_wrong_shapes_are_malformed_not_crashes(name, body):
    with pytest.raises((SteamMalformed, SteamNotFound)):
        PARSERS[name](body)


def test_player_summaries():
    [player] = results.parse_player_summaries(fixture("GetPlayerSummaries.json"))
    assert player.steam_id == 76561198080534862
    assert player.account_id == 120269134
    assert player.persona_name == "Cherno Billy"
    assert player.avatar.endswith("_full.jpg")
    assert player.profile_url == "http://steamcommunity.com/profiles/76561198080534862/"
    assert player.visibility == 3
    assert not player.playing_dota


def test_resolve_vanity_url_reads_the_string_steamid():
    assert results.parse_resolve_vanity_url(fixture("ResolveVanityURL.json")) == 103582791429521412


def test_match_history_2013_shape_uses_slots_for_teams_and_hides_anonymous():
    page = results.parse_match_history(fixture("GetMatchHistory.json"))
    assert [m.match_id for m in page.matches] == [346632222, 57751374]
    assert page.smallest_match_id == 57751374
    assert page.results_remaining == 0
    first, second = page.matches
    assert first.match_seq_num == 315871431
    assert [(p.account_id, p.team) for p in first.players] == [(68444050, RADIANT), (108972116, DIRE)]
    assert second.players[1].account_id is None  # 4294967295: the player hides match data


def test_match_history_other_status_is_retryable():
    body = {"result": {"status": 2, "statusDetail": "Error"}}
    with pytest.raises(results.SteamUnavailable) as caught:
        results.parse_match_history(body)
    assert caught.value.retryable


def test_match_details_2017_pro_match():
    match = results.parse_match_details(fixture("GetMatchDetails.json"))
    assert (match.match_id, match.match_seq_num, match.league_id) == (3254426673, 2843189211, 5399)
    assert match.radiant_win is False
    assert (match.radiant_score, match.dire_score) == (15, 23)
    radiant, dire = match.players
    assert (radiant.team, radiant.kills, radiant.deaths, radiant.gpm, radiant.xpm) == (RADIANT, 3, 6, 190, 232)
    assert radiant.net_worth is None  # not reported in 2017
    assert dire.team == DIRE and dire.player_slot == 132


def test_match_details_2015_keeps_anonymous_players_without_account():
    match = results.parse_match_details(fixture("GetMatchDetails_public_2015.json"))
    assert match.radiant_score is None  # no scores in 2015 data
    assert [p.account_id for p in match.players] == [120269134, None]
    assert match.players[1].hero_id == 1


def test_match_details_unknown_error_is_retryable():
    with pytest.raises(results.SteamUnavailable) as caught:
        results.parse_match_details({"result": {"error": "Something else"}})
    assert caught.value.retryable


def test_sequence_num_2025_shape_uses_team_number():
    [match] = results.parse_match_history_by_sequence_num(fixture("GetMatchHistoryBySequenceNum.json"))
    assert (match.match_id, match.match_seq_num, match.league_id) == (8591933650, 7215564751, 16110)
    assert match.radiant_win is True and match.duration == 1624
    first, last = match.players
    assert (first.team, first.net_worth, first.gpm) == (RADIANT, 19278, 728)
    assert (last.team, last.account_id) == (DIRE, 894758362)


def test_team_number_wins_over_slot_when_present():
    body = fixture("GetMatchHistoryBySequenceNum.json")
    body["result"]["matches"][0]["players"][0]["player_slot"] = 130  # contradicting the team_number 0
    [match] = results.parse_match_history_by_sequence_num(body)
    assert match.players[0].team == RADIANT


def test_live_league_games_2015_envelope():
    games = results.parse_live_league_games(fixture("GetLiveLeagueGames.json"))
    assert len(games) == 3
    game = games[0]
    assert game.lobby_id == 23972521217273801
    assert game.match_id == 1396691563
    assert game.league_id == 2091 and game.stream_delay_s == 120
    assert game.game_time == 2335  # the scoreboard's float duration
    assert game.radiant_score == 19
    player = next(p for p in game.players if p.account_id == 193496070)
    # the scoreboard says `death`, not `deaths`; it has gpm/xpm
    assert (player.team, player.kills, player.deaths, player.assists, player.gpm, player.xpm) == (
        RADIANT,
        3,
        5,
        9,
        255,
        381,
    )
    assert game.radiant_lead == sum(p.net_worth for p in game.players if p.team == RADIANT) - sum(
        p.net_worth for p in game.players if p.team == DIRE
    )
    # a game whose scoreboard lists only radiant players has no lead
    assert games[2].radiant_lead is None


def test_live_league_game_2019_element_and_names_from_the_lobby():
    game = results.parse_league_game(fixture("GetLiveLeagueGames_game_2019.json"))
    assert (game.lobby_id, game.match_id, game.league_id) == (25984751142024998, 4375122984, 10646)
    assert (game.radiant_team_name, game.dire_team_name) == ("Tigers", "PG Godlike")
    assert {p.team for p in game.players} == {RADIANT, DIRE}


def test_live_league_game_before_the_horn_lists_lobby_players_without_stats():
    game = fixture("GetLiveLeagueGames_game_2019.json")
    del game["scoreboard"]
    game["match_id"] = 0
    parsed = results.parse_league_game(game)
    assert parsed.match_id is None and parsed.game_time is None and parsed.radiant_score is None
    # the broadcaster/unassigned entry (team 4) is not a player
    assert [(p.account_id, p.team, p.kills) for p in parsed.players] == [(38628747, RADIANT, None)]


@pytest.mark.parametrize("name", ["GetTopLiveGame.json", "GetTopLiveGame_2020.json"])
def test_top_live_game_ids_as_strings_or_numbers(name):
    games = results.parse_top_live_game(fixture(name))
    assert len(games) == 2
    assert all(isinstance(g.server_steam_id, int) and isinstance(g.lobby_id, int) for g in games)
    assert all(g.players for g in games)


def test_top_live_game_2025_values():
    game = results.parse_top_live_game(fixture("GetTopLiveGame.json"))[0]
    assert game.server_steam_id == 90277912349586453
    assert game.lobby_id == 29610055194542853
    assert game.match_id == 8591964706
    assert (game.radiant_lead, game.radiant_score, game.dire_score, game.game_time) == (-1062, 8, 8, 752)
    assert [(p.account_id, p.team) for p in game.players] == [(1200486799, RADIANT), (130357820, DIRE)]
    assert 1200486799 in game.account_ids


def test_top_live_game_2020_players_have_no_team():
    game = results.parse_top_live_game(fixture("GetTopLiveGame_2020.json"))[0]
    assert game.server_steam_id == 90133485951488011
    assert all(p.team is None for p in game.players)


def test_top_live_game_match_id_zero_is_unknown():
    body = fixture("GetTopLiveGame.json")
    body["game_list"][0]["match_id"] = "0"
    assert results.parse_top_live_game(body)[0].match_id is None


def test_realtime_stats_2019_mid_game():
    stats = results.parse_realtime_stats(fixture("GetRealtimeStats.json"))
    assert stats.server_steam_id == 90124903155706890
    assert stats.match_id == 4631221353  # read from the old `matchid`
    assert (stats.game_time, stats.game_state, stats.has_ended) == (1395, 5, False)
    assert (stats.radiant_score, stats.dire_score) == (20, 30)
    assert stats.radiant_lead == 29921 - 44273
    player = stats.players[0]
    assert (player.account_id, player.team, player.hero_id, player.kills, player.deaths, player.assists) == (
        364318819,
        RADIANT,
        5,
        6,
        5,
        8,
    )
    assert player.gpm is None and player.xpm is None  # this source has none
    assert {p.team for p in stats.players} == {RADIANT, DIRE}


def test_realtime_stats_new_match_id_name_and_string_ids():
    body = fixture("GetRealtimeStats.json")
    del body["match"]["matchid"]
    body["match"]["match_id"] = "8591964706"
    body["match"]["server_steam_id"] = "90277912349586453"
    stats = results.parse_realtime_stats(body)
    assert (stats.match_id, stats.server_steam_id) == (8591964706, 90277912349586453)


def test_realtime_stats_pregame_skeleton():
    stats = results.parse_realtime_stats(fixture("GetRealtimeStats_pregame_2020.json"))
    assert stats.game_state == 8 and stats.game_time == -16
    assert all(p.hero_id is None for p in stats.players)  # heroid 0: not picked yet


def test_realtime_stats_post_game_has_ended():
    body = copy.deepcopy(fixture("GetRealtimeStats.json"))
    body["match"]["game_state"] = 6
    assert results.parse_realtime_stats(body).has_ended


def test_heroes_complete_list():
    heroes = results.parse_heroes(fixture("GetHeroes.json"))
    assert len(heroes) == 126
    assert results.Hero(1, "npc_dota_hero_antimage", "Anti-Mage") in heroes


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, 5), ("90277912349586453", 90277912349586453), (" 7 ", 7), (12.0, 12)],
)
def test_integers_as_numbers_or_strings(value, expected):
    assert results.to_int(value) == expected


@pytest.mark.parametrize("value", [True, "12a", 9.0277912349586453e16, None, [1]])
def test_not_integers_are_refused(value):
    with pytest.raises(results._Malformed):
        results.to_int(value)
