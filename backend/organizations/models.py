from django.conf import settings
from django.db import models
from django.utils.text import slugify


def unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    """`slugify(name)`, with `-2`, `-3`... appended while another organization holds it."""
    base = slugify(name)[:90] or "organization"
    taken = Organization.objects.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    slugs = set(taken.values_list("slug", flat=True))
    slug, suffix = base, 2
    while slug in slugs:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


class Organization(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    logo = models.URLField(max_length=500, blank=True)
    discord_guild_id = models.CharField(max_length=32, blank=True, help_text="Discord guild (server) id")
    steam_league_id = models.PositiveIntegerField(null=True, blank=True, help_text="Dota league (ticket) id")
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="administered_organizations", blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="staffed_organizations", blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="organization_name_not_empty"),
            models.CheckConstraint(condition=~models.Q(slug=""), name="organization_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.slug:
            self.slug = unique_slug(self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)  # type: ignore[arg-type]
