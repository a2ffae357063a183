"""Sign-in shortcuts for browser tests and scripts; mounted only with TEST_LOGIN_ENABLED=1."""

from typing import Any

from django.contrib.auth import login
from django.middleware.csrf import get_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.accounts.serializers import SteamIdField, UserPrivateSerializer

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginAsSerializer(serializers.Serializer[Any]):
    user_pk = serializers.IntegerField(required=False)
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150, required=False)
    mmr = serializers.IntegerField(required=False, min_value=0, max_value=20000)
    steam_id = SteamIdField(required=False, allow_null=True)
    steam_tracking = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("user_pk" in attrs) == ("username" in attrs):
            raise serializers.ValidationError("Give exactly one of user_pk or username.")
        return attrs


class _TestLogin(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    username = ""
    flags: dict[str, bool] = {}

    def sign_in(self, request: Request, user: User) -> Response:
        login(request._request, user, backend=MODEL_BACKEND)
        get_token(request._request)  # sets the csrftoken cookie so the script can write next
        return Response(UserPrivateSerializer(user, context={"request": request}).data)

    @extend_schema(request=None, responses={200: UserPrivateSerializer})
    def post(self, request: Request) -> Response:
        user, _ = User.objects.get_or_create(username=self.username, defaults={**self.flags, "is_guild_member": True})
        changed = [name for name, value in self.flags.items() if getattr(user, name) != value]
        if changed:  # the endpoint promises the role in its name, whatever a test did to the user before
            for name in changed:
                setattr(user, name, self.flags[name])
            user.save(update_fields=changed)
        return self.sign_in(request, user)


class LoginUser(_TestLogin):
    username = "testuser"


class LoginStaff(_TestLogin):
    username = "teststaff"
    flags = {"is_staff": True}


class LoginAdmin(_TestLogin):
    username = "testadmin"
    flags = {"is_staff": True, "is_superuser": True}


class LoginAs(_TestLogin):
    @extend_schema(request=LoginAsSerializer, responses={200: UserPrivateSerializer})
    def post(self, request: Request) -> Response:
        serializer = LoginAsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        extra = {key: data[key] for key in ("mmr", "steam_id", "steam_tracking") if key in data}
        if "user_pk" in data:
            user = User.objects.filter(pk=data["user_pk"]).first()
            if user is None:
                return Response({"detail": f"No user with id {data['user_pk']}.", "code": "not_found"}, status=404)
        else:
            user, _ = User.objects.get_or_create(username=data["username"], defaults={"is_guild_member": True})
        if extra:
            for key, value in extra.items():
                setattr(user, key, value)
            user.full_clean(exclude=["password"])
            user.save()
        return self.sign_in(request, user)
