from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.health import health_report


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


class Ping(APIView):
    """The cheapest DRF answer (no database, no cache): the ceiling the benchmark compares cached reads with."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: inline_serializer("Ping", {"ping": serializers.CharField()})})
    def get(self, request: Request) -> Response:
        return Response({"ping": "pong"})
