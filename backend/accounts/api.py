from typing import Any

from django.contrib.auth import logout
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from backend.accounts import selectors, services
from backend.accounts.models import User
from backend.accounts.permissions import IsSelfOrStaff
from backend.accounts.serializers import (
    TokenSerializer,
    UserPrivateSerializer,
    UserPublicSerializer,
    UserStaffUpdateSerializer,
)
from backend.core.cache import json_response, rendered


def user_serializer_class(request: Request, user: User | None) -> type[UserPublicSerializer]:
    """Private fields only for the user themself and staff; staff edit more."""
    viewer = request.user
    if viewer.is_authenticated and viewer.is_staff:
        return UserStaffUpdateSerializer if request.method not in ("GET", "HEAD", "OPTIONS") else UserPrivateSerializer
    if viewer.is_authenticated and user is not None and user.pk == viewer.pk:
        return UserPrivateSerializer
    return UserPublicSerializer


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet[User]
):
    """Players and staff. `?search=` matches usernames and nicknames; `?is_guild_member=true` filters members."""

    permission_classes = [IsSelfOrStaff]
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[User]:
        users = User.objects.filter(is_active=True).order_by("id")
        search = self.request.query_params.get("search", "").strip()
        if search:
            users = users.filter(
                Q(username__icontains=search)
                | Q(nickname__icontains=search)
                | Q(discord_nickname__icontains=search)
                | Q(guild_nickname__icontains=search)
            )
        member = self.request.query_params.get("is_guild_member")
        if member in ("true", "false"):
            users = users.filter(is_guild_member=member == "true")
        return users

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "list":
            return UserPrivateSerializer if self.request.user.is_staff else UserPublicSerializer
        if self.action in ("me", "token"):
            return UserPrivateSerializer
        user = self.get_object() if "pk" in self.kwargs else None
        return user_serializer_class(self.request, user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        build = lambda: rendered(super(UserViewSet, self).list(request, *args, **kwargs))  # noqa: E731
        return json_response(selectors.user_list_cached(request, build))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        build = lambda: rendered(super(UserViewSet, self).retrieve(request, *args, **kwargs))  # noqa: E731
        return json_response(selectors.user_detail_cached(request, kwargs.get("pk"), build))

    @extend_schema(methods=["GET", "PATCH", "DELETE"], responses={200: UserPrivateSerializer, 204: None})
    @action(detail=False, methods=["get", "patch", "delete"], permission_classes=[IsAuthenticated])
    def me(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        if request.method == "DELETE":
            services.user_anonymise(user=user)
            logout(request._request)
            return Response(status=status.HTTP_204_NO_CONTENT)
        if request.method == "PATCH":
            serializer = UserPrivateSerializer(user, data=request.data, partial=True, context={"request": request})
            serializer.is_valid(raise_exception=True)
            serializer.save()
        return Response(UserPrivateSerializer(user, context={"request": request}).data)

    @extend_schema(methods=["POST"], request=None, responses={200: TokenSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=False, methods=["post", "delete"], url_path="me/token", permission_classes=[IsAuthenticated])
    def token(self, request: Request) -> Response:
        user = request.user
        assert isinstance(user, User)
        if request.method == "DELETE":
            services.user_token_revoke(user=user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response({"token": services.user_token_rotate(user=user)})


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
