from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from backend.accounts.models import User
from backend.matches import selectors
from backend.matches.models import Match
from backend.matches.serializers import MatchFilterSerializer, MatchSerializer


class MatchViewSet(viewsets.ReadOnlyModelViewSet[Match]):
    """Finished guild games from Steam. Filters: `?user=` (a player's id), `?since=` (ISO time), `?tournament=`."""

    permission_classes = [AllowAny]
    serializer_class = MatchSerializer
    lookup_field = "match_id"
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        filters = MatchFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        user = get_object_or_404(User, pk=data["user"]) if "user" in data else None
        return selectors.match_list(user=user, since=data.get("since"), tournament_id=data.get("tournament"))

    @extend_schema(parameters=[MatchFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
