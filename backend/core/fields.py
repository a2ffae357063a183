"""Serializer fields shared by the apps."""

from typing import Any

from rest_framework import serializers

DATABASE_ID_MAX = 2**63 - 1


class IdField(serializers.PrimaryKeyRelatedField):
    """A database id: out-of-range or non-integer input is a 400 naming the field, never a database error."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "does_not_exist": "No such object (id {pk_value}).",
    }

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data).strip()
        if not text.isdigit() or not 0 < int(text) <= DATABASE_ID_MAX:
            self.fail("does_not_exist", pk_value=text)
        return super().to_internal_value(int(text))
