"""What a player may type to name a Steam account."""

import pytest

from backend.steam.ids import InvalidSteamQuery, SteamQuery, parse_steam_query

ID64 = 76561198080534862
ACCOUNT = 120269134


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("76561198080534862", SteamQuery(steam_id=ID64)),
        (" 120269134 ", SteamQuery(steam_id=ID64)),
        ("[U:1:120269134]", SteamQuery(steam_id=ID64)),
        ("U:1:120269134", SteamQuery(steam_id=ID64)),
        ("STEAM_0:0:60134567", SteamQuery(steam_id=ID64)),
        ("STEAM_1:0:60134567", SteamQuery(steam_id=ID64)),
        ("https://steamcommunity.com/profiles/76561198080534862/", SteamQuery(steam_id=ID64)),
        ("http://steamcommunity.com/profiles/76561198080534862", SteamQuery(steam_id=ID64)),
        ("steamcommunity.com/profiles/76561198080534862/?l=english", SteamQuery(steam_id=ID64)),
        ("https://www.steamcommunity.com/profiles/76561198080534862/games/", SteamQuery(steam_id=ID64)),
        ("https://steamcommunity.com/id/chernobilly/", SteamQuery(vanity_name="chernobilly")),
        ("steamcommunity.com/id/Cherno_Billy-2", SteamQuery(vanity_name="Cherno_Billy-2")),
        ("HTTPS://STEAMCOMMUNITY.COM/id/chernobilly", SteamQuery(vanity_name="chernobilly")),
        ("chernobilly", SteamQuery(vanity_name="chernobilly")),
    ],
)
def test_accepted_forms(text, expected):
    assert parse_steam_query(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "0",
        "4294967295",  # Dota's anonymous account
        "76561197960265728",  # the base itself: no account
        "99999999999999999999",
        "a",
        "has space",
        "naïve",
        "<script>",
        "https://example.com/id/someone",
        "https://steamcommunity.com/groups/valve",
        "https://steamcommunity.com/profiles/notanumber",
        "https://steamcommunity.com/id/",
        "x" * 201,
        "[U:1:99999999999]",
    ],
)
def test_garbage_is_refused(text):
    with pytest.raises(InvalidSteamQuery):
        parse_steam_query(text)
