from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from backend.accounts.models import User
from backend.core.cache import CachedReadMixin
from backend.core.filters import IdFilter
from backend.organizations import selectors, services
from backend.organizations.models import Organization
from backend.organizations.permissions import OrganizationPermission
from backend.organizations.serializers import OrganizationSerializer, OrganizationWriteSerializer


class OrganizationFilter(filters.FilterSet):
    admin = IdFilter(field_name="admins", help_text="Organizations this user id administers")
    staff = IdFilter(field_name="staff", help_text="Organizations this user id is staff of")

    class Meta:
        model = Organization
        fields = ["slug"]


class OrganizationViewSet(
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Organization],
):
    """Organizations. Site admins create and delete them; an organization's admins edit it, its admins and staff."""

    permission_classes = [OrganizationPermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [filters.DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = OrganizationFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["id", "name", "slug"]
    ordering = ["id"]

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_list()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action in ("create", "partial_update"):
            return OrganizationWriteSerializer
        return OrganizationSerializer

    def _answer(self, organization_id: int, code: int = status.HTTP_200_OK) -> Response:
        organization = selectors.organization_list().get(pk=organization_id)
        return Response(OrganizationSerializer(organization).data, status=code)

    @extend_schema(request=OrganizationWriteSerializer, responses={201: OrganizationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = OrganizationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        organization = services.organization_create(actor=request.user, **serializer.validated_data)
        return self._answer(organization.pk, status.HTTP_201_CREATED)

    @extend_schema(request=OrganizationWriteSerializer, responses={200: OrganizationSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        serializer = OrganizationWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        assert isinstance(request.user, User)
        services.organization_update(actor=request.user, organization=organization, data=serializer.validated_data)
        return self._answer(organization.pk)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        organization = self.get_object()
        assert isinstance(request.user, User)
        services.organization_delete(actor=request.user, organization=organization)
        return Response(status=status.HTTP_204_NO_CONTENT)
