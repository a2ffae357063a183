"""Tasks the cache tests run in a real Celery worker (started with `--include tests.backend.core.cache_tasks`)."""

from workers.celery import app


@app.task(name="tests.cache.team_rename_and_member_mmr")
def team_rename_and_member_mmr(team_id: int, name: str, user_id: int, mmr: int) -> None:
    from backend.accounts.models import User
    from backend.tournaments.models import Team

    team = Team.objects.get(pk=team_id)
    team.name = name
    team.save()
    user = User.objects.get(pk=user_id)
    user.mmr = mmr
    user.save()
