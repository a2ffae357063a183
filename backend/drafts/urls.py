from django.urls import path, register_converter

from backend.drafts.api import DraftDetailView, DraftEventsView, DraftPickView, DraftUndoView, TournamentDraftView


class IdConverter:
    """A database id: anything longer is a 404 from the resolver, never a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

draft_patterns = [
    path("tournaments/<id:tournament_id>/draft/", TournamentDraftView.as_view(), name="tournament-draft"),
    path("drafts/<id:draft_id>/", DraftDetailView.as_view(), name="draft-detail"),
    path("drafts/<id:draft_id>/pick/", DraftPickView.as_view(), name="draft-pick"),
    path("drafts/<id:draft_id>/undo/", DraftUndoView.as_view(), name="draft-undo"),
    path("drafts/<id:draft_id>/events/", DraftEventsView.as_view(), name="draft-events"),
]
