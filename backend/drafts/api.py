"""Draft endpoints: thin views over backend.drafts.services (writes) and selectors (reads)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import NotFound
from backend.drafts import selectors, services
from backend.drafts.models import Draft, DraftEvent
from backend.drafts.serializers import (
    AfterSeqSerializer,
    DraftEventSerializer,
    DraftOutputSerializer,
    DraftPickSerializer,
    DraftStyleSerializer,
)
from backend.organizations.permissions import IsAuthenticatedOrReadOnly
from backend.tournaments.api import actor_of, require_content_manager, validated
from backend.tournaments.models import Tournament


def _snapshot(draft_id: int) -> dict[str, Any]:
    snapshot = selectors.draft_snapshot(draft_id)
    if snapshot is None:
        raise NotFound("No such draft.")
    return snapshot


def _organization_of_draft(draft_id: int) -> int:
    organization_id = Draft.objects.filter(pk=draft_id).values_list("tournament__organization_id", flat=True).first()
    if organization_id is None:
        raise NotFound("No such draft.")
    return organization_id


class TournamentDraftView(APIView):
    """Start the tournament's draft from its teams' captains and draft order (the organization's staff)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(request=DraftStyleSerializer, responses={201: DraftOutputSerializer})
    def post(self, request: Request, tournament_id: int) -> Response:
        tournament = Tournament.objects.filter(pk=tournament_id).first()
        if tournament is None:
            raise NotFound("No such tournament.")
        require_content_manager(request, tournament.organization_id)
        style = validated(DraftStyleSerializer, request)["style"]
        draft = services.draft_create(actor=actor_of(request), tournament=tournament, style=style)
        return Response(_snapshot(draft.pk), status=status.HTTP_201_CREATED)


class DraftDetailView(APIView):
    """The draft (anyone); its style may change before the first pick (the organization's staff)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses={200: DraftOutputSerializer})
    def get(self, request: Request, draft_id: int) -> Response:
        return Response(_snapshot(draft_id))

    @extend_schema(request=DraftStyleSerializer, responses={200: DraftOutputSerializer})
    def patch(self, request: Request, draft_id: int) -> Response:
        require_content_manager(request, _organization_of_draft(draft_id))
        style = validated(DraftStyleSerializer, request)["style"]
        services.draft_style_change(actor=actor_of(request), draft_id=draft_id, style=style)
        return Response(_snapshot(draft_id))


class DraftPickView(APIView):
    """Pick a player for the current round: its captain, or the organization's staff."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(request=DraftPickSerializer, responses={200: DraftOutputSerializer})
    def post(self, request: Request, draft_id: int) -> Response:
        data = validated(DraftPickSerializer, request)
        result = services.draft_pick(
            actor=actor_of(request), draft_id=draft_id, player_id=data["player_id"], round_id=data.get("round")
        )
        return Response(result.snapshot if result.snapshot is not None else _snapshot(draft_id))


class DraftUndoView(APIView):
    """Undo the last pick (the organization's staff)."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(request=None, responses={200: DraftOutputSerializer})
    def post(self, request: Request, draft_id: int) -> Response:
        require_content_manager(request, _organization_of_draft(draft_id))
        services.draft_undo(actor=actor_of(request), draft_id=draft_id)
        return Response(_snapshot(draft_id))


@extend_schema(parameters=[OpenApiParameter("after_seq", int, description="Only events after this seq (default 0)")])
class DraftEventsView(generics.ListAPIView[DraftEvent]):
    """The draft's event log in seq order, for clients that replay rather than take a snapshot."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = DraftEventSerializer

    def get_queryset(self) -> QuerySet[DraftEvent]:
        draft_id = int(self.kwargs["draft_id"])
        if not Draft.objects.filter(pk=draft_id).exists():
            raise NotFound("No such draft.")
        query = AfterSeqSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.draft_events_after(draft_id, query.validated_data["after_seq"])
