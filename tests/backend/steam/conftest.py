from tests.fakes.steam import fake_steam  # noqa: F401  (fixture)
