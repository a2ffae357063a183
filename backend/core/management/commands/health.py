"""`manage.py health [part ...]`: the /healthz report on the command line; exit 1 when a named part is down.

Container health checks use it for the processes that serve no HTTP (worker, beat).
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.core.health import health_report

PARTS = ("database", "redis", "worker", "beat")


class Command(BaseCommand):
    help = "Print the health report; exit 1 when one of the named parts (default: all) is not ok."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("parts", nargs="*", choices=PARTS, help="the parts that must be ok (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        _, report = health_report()
        self.stdout.write(json.dumps(report))
        down = [part for part in options["parts"] or PARTS if report[part] != "ok"]
        if down:
            raise CommandError(f"not ok: {', '.join(down)}")
