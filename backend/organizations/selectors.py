"""Reads of organizations: one query for the rows, one per many-to-many list, whatever the page size."""

from django.db.models import Prefetch, QuerySet

from backend.accounts.models import User
from backend.organizations.models import Organization


def organization_list() -> QuerySet[Organization]:
    """Every organization, with its admin and staff ids prefetched."""
    ids_only = User.objects.only("id").order_by("id")
    return Organization.objects.prefetch_related(
        Prefetch("admins", queryset=ids_only), Prefetch("staff", queryset=ids_only)
    ).order_by("id")
