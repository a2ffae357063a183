from tests.fakes.steam import fake_steam, steam_httpserver  # noqa: F401  (fixtures)
