"""Writes of organizations. Permission checks happen before these run (backend.organizations.permissions)."""

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError

from backend.accounts.models import User
from backend.core.errors import Conflict
from backend.organizations.models import Organization, unique_slug

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "slug", "description", "logo", "discord_guild_id", "steam_league_id")


def _check_slug_free(slug: str, *, exclude_pk: int | None = None) -> None:
    taken = Organization.objects.filter(slug=slug)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"slug": ["Another organization already has this slug."]})


@transaction.atomic
def organization_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    description: str = "",
    logo: str = "",
    discord_guild_id: str = "",
    steam_league_id: int | None = None,
    admins: Iterable[User] = (),
    staff: Iterable[User] = (),
) -> Organization:
    """Create an organization; `slug` is derived from `name` (made unique) when not given."""
    if slug:
        _check_slug_free(slug)
    else:
        slug = unique_slug(name)
    organization = Organization.objects.create(
        name=name,
        slug=slug,
        description=description,
        logo=logo,
        discord_guild_id=discord_guild_id,
        steam_league_id=steam_league_id,
    )
    organization.admins.set(admins)
    organization.staff.set(staff)
    logger.info("%s created organization %s (%s)", actor, organization.pk, organization.slug)
    return organization


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, data: dict[str, Any]) -> Organization:
    """Change the given fields; `admins` and `staff` replace the whole lists. Renaming keeps the slug (an address)."""
    if data.get("slug"):
        _check_slug_free(data["slug"], exclude_pk=organization.pk)
    changed = [field for field in EDITABLE_FIELDS if field in data]
    for field in changed:
        setattr(organization, field, data[field])
    if changed:
        organization.save(update_fields=changed)
    if "admins" in data:
        organization.admins.set(data["admins"])
    if "staff" in data:
        organization.staff.set(data["staff"])
    logger.info("%s updated organization %s: %s", actor, organization.pk, sorted(data))
    return organization


@transaction.atomic
def organization_delete(*, actor: User, organization: Organization) -> None:
    """Delete an organization that has no tournaments (they are history and are never deleted with it)."""
    try:
        organization.delete()
    except ProtectedError:
        raise Conflict(
            "This organization has tournaments; it cannot be deleted.", code="organization_has_tournaments"
        ) from None
    logger.info("%s deleted organization %s", actor, organization.pk)
