import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.health import health_report

logger = logging.getLogger(__name__)

# What the last /healthz call found down, per process: a probe polling every few seconds
# logs one line when the state changes, not an ERROR per request.
_last_down: frozenset[str] = frozenset()


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    global _last_down
    healthy, report = health_report()
    down = frozenset(part for part, state in report.items() if state != "ok")
    if down != _last_down:
        if down:
            logger.warning("health: %s down", ", ".join(sorted(down)))
        else:
            logger.info("health: all parts ok again")
        _last_down = down
    response = JsonResponse(report, status=200 if healthy else 503)
    # A 503 here is a report, not a server error: keep django.request from logging it as one.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class Ping(APIView):
    """The cheapest DRF answer (no database, no cache): the ceiling the benchmark compares cached reads with."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: inline_serializer("Ping", {"ping": serializers.CharField()})})
    def get(self, request: Request) -> Response:
        return Response({"ping": "pong"})
