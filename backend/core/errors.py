"""One shape for every error: {"detail", "code"}, plus "errors" {field: [messages]} for validation."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request; the API answers `status_code` with `code`."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Unavailable(DomainError):
    """A dependency (Steam) cannot answer now; `retry_after` seconds is a fair wait."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "unavailable"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = retry_after


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors for nested fields and lists; clients get one flat {field: [messages]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                flat.setdefault(field, []).extend(messages)
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, dict | list):
                for field, messages in _flatten(value, f"{prefix}.{index}" if prefix else str(index)).items():
                    flat.setdefault(field, []).extend(messages)
            else:
                flat.setdefault(prefix or "non_field_errors", []).append(str(value))
    else:
        flat.setdefault(prefix or "non_field_errors", []).append(str(errors))
    return flat


def _first_message(errors: dict[str, list[str]]) -> str:
    for field, messages in errors.items():
        if messages:
            return messages[0] if field == "non_field_errors" else f"{field}: {messages[0]}"
    return "Invalid input."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        response = Response({"detail": exc.detail, "code": exc.code}, status=exc.status_code)
        if isinstance(exc, Unavailable):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exceptions._get_error_details(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        )
    if isinstance(exc, IntegrityError):
        # A unique or check constraint the serializers did not foresee (usually a race): a conflict, not a crash.
        logger.info("integrity error answered 409: %s", exc)
        return Response(
            {"detail": "This change conflicts with the current data; reload and try again.", "code": "conflict"},
            status=status.HTTP_409_CONFLICT,
        )
    handled = drf_exception_handler(exc, context)
    if handled is None:
        return None
    response = handled
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"detail": _first_message(errors), "code": "invalid", "errors": errors}
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = {"detail": str(detail), "code": str(code)}
    elif isinstance(exc, Http404):
        response.data = {"detail": "Not found.", "code": "not_found"}
    elif isinstance(exc, PermissionDenied):
        response.data = {"detail": "You do not have permission to perform this action.", "code": "permission_denied"}
    return response


def json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


@csrf_exempt  # a 404 must not turn into a CSRF 403 for a POST to an unknown URL
def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(404, f"No API endpoint at {request.path}.", "not_found")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    return json_error(
        403,
        f"CSRF check failed ({reason}): send the csrftoken cookie's value in the X-CSRFToken header.",
        "csrf_failed",
    )


def server_error(request: HttpRequest) -> JsonResponse:
    return json_error(500, "Internal server error; it has been logged.", "server_error")


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
