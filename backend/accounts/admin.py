from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from backend.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "nickname",
        "discord_nickname",
        "guild_nickname",
        "is_guild_member",
        "steam_id",
        "mmr",
        "is_staff",
    )
    list_filter = ("is_guild_member", "steam_tracking", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "nickname", "discord_nickname", "guild_nickname", "email", "discord_id", "steam_id")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Discord", {"fields": ("discord_id", "avatar", "discord_nickname", "guild_nickname", "is_guild_member")}),
        ("Dota", {"fields": ("nickname", "steam_id", "steam_tracking", "mmr", "positions")}),
    )
