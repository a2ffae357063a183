from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.errors import DomainError
from backend.steam import selectors
from backend.steam.errors import SteamNotFound
from backend.steam.serializers import SteamAccountSerializer, SteamResolveQuerySerializer


class SteamAccountNotFound(DomainError):
    status_code = 404
    code = "not_found"


class SteamResolveView(APIView):
    """Find the Steam account a player means, to fill in their steam_id."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("query", OpenApiTypes.STR, required=True)],
        responses={
            200: SteamAccountSerializer,
            400: OpenApiResponse(description="The query names no Steam account in any accepted form."),
            404: OpenApiResponse(description="Steam knows no such account."),
            503: OpenApiResponse(description="Steam is unavailable and nothing cached answers; see Retry-After."),
        },
    )
    def get(self, request: Request) -> Response:
        params = SteamResolveQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            account = selectors.steam_account_resolve(query=params.validated_data["query"])
        except SteamNotFound as exc:
            raise SteamAccountNotFound(exc.detail) from None
        return Response(SteamAccountSerializer(account).data)
