"""Who may change what, in one place.

- Site admins (superusers) may do anything.
- Site staff (`is_staff`, the DTX staff team) act as staff of every organization.
- An organization's admins edit it (its admins and staff included) and manage everything in it.
- An organization's staff manage its tournaments, registrations, teams and games.
- A signed-in player registers or withdraws themself while the tournament's registration is open.
- Everybody reads.

Staff or admins of one organization have no power in another.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.accounts.models import User
from backend.organizations.models import Organization

Actor = User | AnonymousUser


def is_site_admin(user: Actor) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def is_site_staff(user: Actor) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_staff or user.is_superuser))


def can_create_organization(user: Actor) -> bool:
    return is_site_admin(user)


def can_delete_organization(user: Actor) -> bool:
    return is_site_admin(user)


def can_administer_organization(user: Actor, organization_id: int) -> bool:
    """Edit the organization itself, including who its admins and staff are."""
    if is_site_admin(user):
        return True
    if not user.is_authenticated:
        return False
    return Organization.admins.through.objects.filter(organization_id=organization_id, user_id=user.pk).exists()


def can_manage_organization_content(user: Actor, organization_id: int) -> bool:
    """Create, edit and delete the organization's tournaments, registrations, teams and games."""
    if is_site_staff(user):
        return True
    if not user.is_authenticated:
        return False
    return (
        Organization.staff.through.objects.filter(organization_id=organization_id, user_id=user.pk).exists()
        or Organization.admins.through.objects.filter(organization_id=organization_id, user_id=user.pk).exists()
    )


def can_register_player(user: Actor, organization_id: int, player_id: int) -> bool:
    """Register or withdraw `player_id`; whether registration is still open is the service's question."""
    if not user.is_authenticated:
        return False
    return user.pk == player_id or can_manage_organization_content(user, organization_id)


def organization_id_of(obj: Any) -> int:
    """The organization an organization, tournament, team or game belongs to."""
    if isinstance(obj, Organization):
        return obj.pk
    if hasattr(obj, "organization_id"):
        return int(obj.organization_id)
    return int(obj.tournament.organization_id)


class IsAuthenticatedOrReadOnly(permissions.BasePermission):
    """Reads are public; writes need a signed-in user (401), then the view-specific check below (403)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.method in permissions.SAFE_METHODS or request.user.is_authenticated)


class OrganizationPermission(IsAuthenticatedOrReadOnly):
    """Site admins create and delete organizations; an organization's admins edit it."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method == "POST":
            return can_create_organization(request.user)
        return True

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        if request.method == "DELETE":
            return can_delete_organization(request.user)
        return can_administer_organization(request.user, obj.pk)


class OrganizationContentPermission(IsAuthenticatedOrReadOnly):
    """Tournaments, teams and games: the staff and admins of their organization write.

    Creates are checked by the view once it knows the organization the payload refers to.
    """

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_organization_content(request.user, organization_id_of(obj))
