from django.contrib import admin

from backend.steam.models import Hero


@admin.register(Hero)
class HeroAdmin(admin.ModelAdmin):
    """Filled from Steam (steam.refresh_heroes); an edit lasts until Steam's next answer differs."""

    list_display = ("id", "localized_name", "name")
    search_fields = ("localized_name", "name")
    ordering = ("id",)
