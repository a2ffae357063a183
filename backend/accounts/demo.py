"""Demo accounts: 40 players with MMR and positions, a staff member and a site admin."""

import random

from django.db import transaction

from backend.accounts.models import POSITION_COUNT, User
from backend.core.demodata import Progress

PLAYER_NAMES = (
    "Ancient Apparition",
    "Blink Dagger",
    "Bottle Crow",
    "Courier Kid",
    "Dewarder",
    "Divine Rapier",
    "Echo Slam",
    "Eul Scepter",
    "Fountain Hook",
    "Glimmer Cape",
    "Hand of Midas",
    "Iron Talon",
    "Jungle Stacker",
    "Kunkka Boat",
    "Lotus Orb",
    "Mango Tree",
    "Mek Carrier",
    "Necro Book",
    "Observer Ward",
    "Pipe Dreams",
    "Quelling Blade",
    "Roshan Pit",
    "Smoke Gank",
    "Tango Sharer",
    "Town Portal",
    "Ultimate Orb",
    "Vanguard",
    "Void Stone",
    "Wraith Band",
    "Xenophobe",
    "Yasha Kaya",
    "Zeus Ult",
    "Aghanim Shard",
    "Battle Fury",
    "Crimson Guard",
    "Desolator",
    "Eye of Skadi",
    "Force Staff",
    "Guardian Greaves",
    "Heart Tarrasque",
)
PLAYER_COUNT = 40
# A fixed seed: every run (and every machine) gets the same demo players.
SEED = 2
DEMO_STEAM_ID_BASE = 76561198000000000


def player_positions(rng: random.Random) -> list[int]:
    """Preferences 1 (best) to 5 for the five positions in random order; some players refuse their last choice."""
    preferences = list(range(1, POSITION_COUNT + 1))
    rng.shuffle(preferences)
    if rng.random() < 0.3:
        preferences[preferences.index(POSITION_COUNT)] = 0
    return preferences


@transaction.atomic
def populate(progress: Progress) -> None:
    """Create the demo accounts that are missing; existing ones (maybe edited since) are left as they are."""
    rng = random.Random(SEED)  # noqa: S311  (demo data, not security)
    for number, name in enumerate(PLAYER_NAMES[:PLAYER_COUNT], start=1):
        User.objects.get_or_create(
            username=name.lower().replace(" ", "_"),
            defaults={
                "nickname": name,
                "email": f"player{number}@demo.invalid",
                "mmr": rng.randrange(1000, 8001, 10),
                "positions": player_positions(rng),
                "is_guild_member": True,
                # Demo Steam ids: the demo's fake Steam (manage.py fake_steam) plays games with these members.
                "steam_id": DEMO_STEAM_ID_BASE + number,
            },
        )
        progress("players", number, PLAYER_COUNT)
    # The same accounts the test-login endpoints sign in as.
    for number, (username, flags) in enumerate(
        (("teststaff", {"is_staff": True}), ("testadmin", {"is_staff": True, "is_superuser": True})), start=1
    ):
        User.objects.update_or_create(username=username, defaults={**flags, "is_guild_member": True})
        progress("staff and admin", number, 2)
