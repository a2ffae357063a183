from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from backend.tournaments.models import Game, Team, TeamMember, Tournament


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ("name", "captain", "draft_order")
    raw_id_fields = ("captain",)
    show_change_link = True


@admin.register(Tournament)
class TournamentAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "tournament_type", "state", "date", "steam_league_id")
    list_filter = ("state", "tournament_type", "organization", "date")
    search_fields = ("name", "organization__name")
    date_hierarchy = "date"
    list_select_related = ("organization",)
    autocomplete_fields = ("organization", "players")
    inlines = (TeamInline,)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("user", "joined_at")
    readonly_fields = ("joined_at",)
    raw_id_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "tournament", "captain", "draft_order")
    list_filter = ("tournament__state", "tournament__organization")
    search_fields = ("name", "tournament__name", "captain__username", "captain__nickname")
    list_select_related = ("tournament", "captain")
    autocomplete_fields = ("tournament",)
    raw_id_fields = ("captain",)
    inlines = (TeamMemberInline,)


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "tournament", "joined_at")
    list_filter = ("tournament__organization", "tournament__state")
    search_fields = ("user__username", "user__nickname", "team__name", "tournament__name")
    list_select_related = ("user", "team", "tournament")
    raw_id_fields = ("user", "team")
    readonly_fields = ("tournament", "joined_at")


@admin.register(Game)
class GameAdmin(admin.ModelAdmin):
    list_display = ("__str__", "tournament", "round", "status", "winning_team", "steam_match_id")
    list_filter = ("status", "tournament__organization", "round")
    search_fields = ("tournament__name", "radiant_team__name", "dire_team__name", "steam_match_id")
    list_select_related = ("tournament", "radiant_team", "dire_team", "winning_team")
    raw_id_fields = ("radiant_team", "dire_team", "winning_team")
    autocomplete_fields = ("tournament",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Game]:
        return super().get_queryset(request).select_related("radiant_team", "dire_team")
