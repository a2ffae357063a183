"""Filter pieces shared by the apps' list endpoints."""

from django import forms
from django_filters import rest_framework as filters

from backend.core.fields import DATABASE_ID_MAX


class IdFilter(filters.NumberFilter):
    """`?tournament=7`: an integer id; anything else (a word, an id past 64 bits) is a 400 naming the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", DATABASE_ID_MAX)
        super().__init__(*args, **kwargs)
