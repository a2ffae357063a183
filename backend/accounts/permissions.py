from typing import Any

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.views import APIView


class IsSelfOrStaff(permissions.BasePermission):
    """Read for anyone; write only to one's own account, or any account as staff."""

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user.is_authenticated and (request.user.is_staff or obj.pk == request.user.pk))
