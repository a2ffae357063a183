"""Cache invalidation only: admins and staff changes invalidate both the organization and the user."""

from backend.core.cache import connect_many_to_many

connect_many_to_many("organizations.Organization")
