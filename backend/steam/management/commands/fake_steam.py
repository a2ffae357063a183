"""Serve the demo stand-in for the Steam Web API (backend.steam.demo_server) until interrupted."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.matches.services import members_to_sync
from backend.steam.demo_server import CYCLE_SECONDS, LIVE_SECONDS, DemoSteam, make_server


class Command(BaseCommand):
    help = "Run a fake Steam Web API with generated demo data; set STEAM_API_BASE_URL to its address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = [user.account_id for user in members_to_sync()[:10] if user.account_id is not None]
        server = make_server(DemoSteam(accounts), options["host"], options["port"])
        host, port = str(server.server_address[0]), int(server.server_address[1])
        self.stdout.write(
            f"Fake Steam (demo data, not Steam's) on http://{host}:{port}: a game with {len(accounts)} guild "
            f"members is live {LIVE_SECONDS // 60} of every {CYCLE_SECONDS // 60} minutes.\n"
            f"Use STEAM_API_BASE_URL=http://{host}:{port} STEAM_API_KEY=demo",
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
