"""OpenAPI: every operation declares the error answers it can really give, in the shapes errors.py produces."""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import Direction, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="What went wrong, for a person.")
    code = serializers.CharField(help_text="What went wrong, for a program: not_found, conflict, throttled...")


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(  # type: ignore[assignment]  # a declared field, popped from the class body
        child=serializers.ListField(child=serializers.CharField()),
        required=False,  # a body that is not JSON at all (code parse_error) has no fields to name
        help_text="Messages by field name; `non_field_errors` for the request as a whole.",
    )


ERROR_DESCRIPTIONS: dict[str, tuple[type[ErrorSerializer], str]] = {
    "400": (ValidationErrorSerializer, "Invalid input; `errors` names the fields (absent when the body is not JSON)."),
    "401": (ErrorSerializer, "Not signed in, or the token is invalid."),
    "403": (ErrorSerializer, "Signed in, but not allowed to do this."),
    "404": (ErrorSerializer, "No such object (or page)."),
    "409": (ErrorSerializer, "Conflicts with the current state of the data."),
    "429": (ErrorSerializer, "Too many requests; `Retry-After` says how many seconds to wait."),
}


class AutoSchema(openapi.AutoSchema):
    """Adds the error answers of the project's views, unless an operation declares its own for that code."""

    def error_codes(self) -> list[str]:
        codes = ["401", "429"]  # a bad token is refused everywhere; throttles apply everywhere
        has_path_object = "{" in self.path
        is_write = self.method not in ("GET", "HEAD", "OPTIONS")
        if is_write:
            codes += ["400", "403", "409"]
        elif self._is_list_view():
            codes += ["400"]  # an unparseable filter value
        if has_path_object or self._is_list_view():
            codes.append("404")  # a missing object, or a page past the end
        return codes

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code, response in list(responses.items()):
            # `OpenApiResponse(description=...)` alone declares no body, but every error answer has one.
            if code[0] in "45" and "content" not in response:
                serializer = ValidationErrorSerializer if code == "400" else ErrorSerializer
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=response.get("description", "")), code, direction=direction
                )
        for code in self.error_codes():
            if code not in responses:
                serializer, description = ERROR_DESCRIPTIONS[code]
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=description), code, direction=direction
                )
        return responses
