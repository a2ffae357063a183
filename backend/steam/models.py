"""Reference data Steam publishes: the Dota 2 heroes."""

from django.db import models


class Hero(models.Model):
    """A hero as IEconDOTA2_570/GetHeroes lists it. Refreshed daily, and soon after a game shows an unknown id."""

    id = models.PositiveSmallIntegerField(primary_key=True, help_text="Steam's hero id")
    name = models.CharField(max_length=64, help_text="Steam's internal name, such as npc_dota_hero_antimage")
    localized_name = models.CharField(max_length=64, help_text="the English name, such as Anti-Mage")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.localized_name
