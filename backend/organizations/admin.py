from django.contrib import admin
from django.db import models

from backend.organizations.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "discord_guild_id", "steam_league_id")
    list_filter = ("steam_league_id",)
    search_fields = ("name", "slug", "description", "discord_guild_id")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("admins", "staff")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
