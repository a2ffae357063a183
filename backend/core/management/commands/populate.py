"""`manage.py populate`: the demo data of every installed app (its `demo.populate`), idempotent."""

import time
from importlib import import_module
from types import ModuleType
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.module_loading import module_has_submodule

# Lines per label are throttled to one every this many seconds (plus the first and the last).
PRINT_EVERY_SECONDS = 0.5


def demo_modules() -> list[tuple[str, ModuleType]]:
    """(app label, demo module) of every installed app that has one, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        # module_has_submodule first, so an ImportError inside a demo module is not mistaken for "no demo".
        if module_has_submodule(config.module, "demo"):
            found.append((config.label, import_module(f"{config.name}.demo")))
    return found


class ProgressPrinter:
    """Prints `app: label done/total` lines: the first and last of each label, and one per interval between."""

    def __init__(self, stdout: OutputWrapper, app: str) -> None:
        self.stdout, self.app = stdout, app
        self.last_printed: dict[str, float] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (1, total) or now - self.last_printed.get(label, 0.0) >= PRINT_EVERY_SECONDS:
            self.last_printed[label] = now
            self.stdout.write(f"{self.app}: {label} {done}/{total}")


class Command(BaseCommand):
    help = "Create the demo data of every app (players, staff, admin, ...). Running it again creates nothing new."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG=0 (demo accounts on a production site)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("DEBUG is off: this looks like production. Demo data needs DEBUG=1 (or --force).")
        modules = demo_modules()
        if not modules:
            self.stdout.write("No app has demo data.")
            return
        started = time.monotonic()
        for label, module in modules:
            module.populate(ProgressPrinter(self.stdout, label))
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f} s."))
