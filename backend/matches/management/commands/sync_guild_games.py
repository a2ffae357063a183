"""Run the guild-games sync by hand, in this process, with a progress bar."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.matches import services
from backend.steam.client import get_client, steam_configured
from backend.steam.errors import SteamBadKey, SteamError


class Command(BaseCommand):
    help = "Fetch and store the guild members' new Steam matches now (what the steam.sync_guild_games task queues)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", type=int, action="append", help="only this user id (repeatable)")
        parser.add_argument("--all", action="store_true", help="include private histories not due for a recheck")

    def handle(self, *args: Any, **options: Any) -> None:
        if not steam_configured():
            raise CommandError("STEAM_API_KEY is not set: Steam cannot be asked.")
        users = services.members_to_sync()
        if options["user"]:
            users = users.filter(id__in=options["user"])
        user_ids = [
            user_id
            for user_id in users.values_list("id", flat=True)
            if options["all"] or services.member_sync_due(user_id=user_id)
        ]
        client = get_client()
        calls_before, new, private, failed = client.calls_made, 0, 0, 0
        for done, user_id in enumerate(user_ids, start=1):
            try:
                report = services.member_games_sync(user_id=user_id, client=client)
            except SteamBadKey as exc:
                raise CommandError(exc.detail) from None
            except SteamError as exc:
                failed += 1
                self.stderr.write(f"\nuser {user_id}: {exc.detail}")
            else:
                new += len(report.matches_new)
                private += report.private
            self._progress(done, len(user_ids), new)
        self.stdout.write(
            f"\n{len(user_ids)} members done, {new} new matches, {private} private, {failed} failed, "
            f"{client.calls_made - calls_before} Steam calls"
        )

    def _progress(self, done: int, total: int, new: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} members, {new} new", ending="")
        self.stdout.flush()
