"""Demo data: each installed app may have a `demo` module with `populate(progress: Progress) -> None`.

`manage.py populate` calls them in INSTALLED_APPS order, so an app's demo data may use the data of the apps
listed before it. A `populate` must be idempotent: running it again creates nothing new.
"""

from typing import Protocol


class Progress(Protocol):
    def __call__(self, label: str, done: int, total: int) -> None:
        """Report that `done` of `total` items of `label` are in place."""
