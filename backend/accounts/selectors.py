"""Cached reads of users. The key carries the visibility class: private fields never reach another viewer."""

from collections.abc import Callable

from rest_framework.request import Request

from backend.accounts.models import User
from backend.core.cache import cached_answer, request_key


def user_visibility(request: Request, user_pk: object = None) -> str:
    """ "private" for staff (any user) and for the user themself (`user_pk`), else "public"."""
    viewer = request.user
    if viewer.is_authenticated and (viewer.is_staff or (user_pk is not None and str(viewer.pk) == str(user_pk))):
        return "private"
    return "public"


def user_list_cached(request: Request, build: Callable[[], bytes]) -> bytes:
    """The users list page for this request, rendered, rebuilt when any user changes."""
    return cached_answer(request_key(request, user_visibility(request)), build, User)


def user_detail_cached(request: Request, user_pk: int | str | None, build: Callable[[], bytes]) -> bytes:
    """One user as this viewer may see them, rendered, rebuilt when that user changes."""
    return cached_answer(request_key(request, user_visibility(request, user_pk)), build, User, user_pk)
