from django.contrib import admin
from django.http import HttpRequest

from backend.drafts.models import Draft, DraftEvent, DraftRound


class DraftRoundInline(admin.TabularInline):
    model = DraftRound
    extra = 0
    fields = ("pick_number", "phase", "team", "captain", "choice", "picked_at", "was_tie")
    readonly_fields = fields  # picks go through the draft's services, which keep turns, locks and events
    can_delete = False
    ordering = ("pick_number",)


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("id", "tournament", "style", "state", "seq", "created_at")
    list_filter = ("state", "style")
    search_fields = ("tournament__name",)
    list_select_related = ("tournament",)
    readonly_fields = ("tournament", "style", "state", "seq", "created_at")
    inlines = (DraftRoundInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(DraftEvent)
class DraftEventAdmin(admin.ModelAdmin):
    """The append-only log: read only."""

    list_display = ("draft", "seq", "type", "actor", "created_at")
    list_filter = ("type",)
    list_select_related = ("actor",)
    readonly_fields = ("draft", "seq", "type", "actor", "payload", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DraftEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: DraftEvent | None = None) -> bool:
        return False
