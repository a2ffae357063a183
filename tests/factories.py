import factory

from backend.accounts.models import STEAM_ID64_BASE, User


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
