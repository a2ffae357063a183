import factory

from backend.accounts.models import STEAM_ID64_BASE, User
from backend.organizations.models import Organization
from backend.tournaments.models import Game, Team, TeamMember, Tournament, TournamentType


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"player{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    nickname = factory.LazyAttribute(lambda user: user.username.title())
    discord_id = factory.Sequence(lambda n: str(100000000000000000 + n))
    is_guild_member = True
    steam_id = factory.Sequence(lambda n: STEAM_ID64_BASE + 1000 + n)
    mmr = factory.Sequence(lambda n: 1000 + (n * 137) % 5000)
    positions = factory.Sequence(lambda n: [(n + i) % 5 + 1 for i in range(5)])


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")


class TournamentFactory(factory.django.DjangoModelFactory[Tournament]):
    class Meta:
        model = Tournament

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Tournament {n}")
    tournament_type = TournamentType.SINGLE_ELIMINATION


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    """A team whose captain is a registered player and its first member; `members=[...]` adds more."""

    class Meta:
        model = Team
        skip_postgeneration_save = True

    tournament = factory.SubFactory(TournamentFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    captain = factory.SubFactory(UserFactory)
    draft_order = factory.Sequence(lambda n: n + 1)

    @factory.post_generation
    def members(self, create: bool, extracted: list[User] | None, **kwargs: object) -> None:
        if not create:
            return
        users = [self.captain, *(user for user in extracted or [] if user.pk != self.captain_id)]
        self.tournament.players.add(*users)
        TeamMember.objects.bulk_create(
            [TeamMember(team=self, tournament_id=self.tournament_id, user=user) for user in users]
        )


class GameFactory(factory.django.DjangoModelFactory[Game]):
    class Meta:
        model = Game

    tournament = factory.SubFactory(TournamentFactory)
    radiant_team = factory.SubFactory(TeamFactory, tournament=factory.SelfAttribute("..tournament"))
    dire_team = factory.SubFactory(TeamFactory, tournament=factory.SelfAttribute("..tournament"))
