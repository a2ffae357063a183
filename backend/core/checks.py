"""System checks (`manage.py check`) for settings that are valid alone but wrong together."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register()
def discord_posts_have_absolute_links(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.DISCORD_WEBHOOK_URL and not settings.SITE_URL:
        return [
            checks.Warning(
                "DISCORD_WEBHOOK_URL is set but SITE_URL is not: Discord posts will link to /drafts/... paths, "
                "which cannot be opened from Discord.",
                hint="Set SITE_URL to the site's public address, e.g. https://dtx.example.org.",
                id="core.W001",
            )
        ]
    return []
