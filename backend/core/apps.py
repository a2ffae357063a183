from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "backend.core"
    label = "core"

    def ready(self) -> None:
        # Each app's signals.py declares its rows of the cache dependency table (backend.core.cache).
        autodiscover_modules("signals")
        from backend.core import checks  # noqa: F401  (registers the system checks)
