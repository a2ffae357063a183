"""Tournaments ready to draft: teams with captains and draft orders, and registered players on no team."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from backend.accounts.models import User
from backend.drafts.models import Draft, DraftEvent, DraftRound
from backend.organizations.models import Organization
from backend.tournaments.models import Team, TeamMember, Tournament
from tests.factories import OrganizationFactory, TeamFactory, TournamentFactory, UserFactory


@dataclass
class DraftWorld:
    tournament: Tournament
    teams: list[Team]  # in draft order
    players: list[User]  # registered, on no team

    @property
    def captains(self) -> list[User]:
        return [team.captain for team in self.teams]


def draft_world(
    teams: int,
    players: int,
    *,
    organization: Organization | None = None,
    captain_mmrs: Iterable[int] | None = None,
    player_mmrs: Iterable[int] | None = None,
) -> DraftWorld:
    organization = organization or OrganizationFactory()
    tournament = TournamentFactory(organization=organization)
    captain_mmr = list(captain_mmrs) if captain_mmrs is not None else [3000 + 100 * index for index in range(teams)]
    player_mmr = list(player_mmrs) if player_mmrs is not None else [2000 + 10 * index for index in range(players)]
    team_list = [
        TeamFactory(
            tournament=tournament, name=f"Team {index + 1}", draft_order=index + 1, captain=UserFactory(mmr=mmr)
        )
        for index, mmr in enumerate(captain_mmr)
    ]
    player_list = [UserFactory(mmr=mmr) for mmr in player_mmr]
    tournament.players.add(*player_list)
    return DraftWorld(tournament, team_list, player_list)


def fixed_rolls(values: Iterable[int]) -> Iterator[int]:
    return iter(values)


def roll_from(values: Iterable[int]):  # type: ignore[no-untyped-def]
    rolls = iter(values)
    return lambda: next(rolls)


def check_consistency(draft: Draft) -> None:
    """The invariants every race must keep: one team per player, seq without gaps, the log matching the rounds."""
    draft.refresh_from_db()
    memberships = list(TeamMember.objects.filter(tournament=draft.tournament_id).values_list("user_id", flat=True))
    assert len(memberships) == len(set(memberships)), "a player is on two teams"
    seqs = list(DraftEvent.objects.filter(draft=draft).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, draft.seq + 1)), f"seq has gaps: {seqs} (draft seq {draft.seq})"
    picked: dict[int, int] = {}  # pick_number -> player, replaying the log
    for event in DraftEvent.objects.filter(draft=draft).order_by("seq"):
        if event.type == "draft.pick":
            picked[event.payload["round"]["pick_number"]] = event.payload["round"]["choice"]
        elif event.type == "draft.undo":
            picked.pop(event.payload["round"]["pick_number"])
    rounds = dict(DraftRound.objects.filter(draft=draft, choice__isnull=False).values_list("pick_number", "choice_id"))
    assert picked == rounds, "the event log does not match the rounds"
    for draft_round in DraftRound.objects.filter(draft=draft, choice__isnull=False):
        assert TeamMember.objects.filter(team=draft_round.team_id, user=draft_round.choice_id).exists()
    drafted = set(rounds.values())
    captains = set(Team.objects.filter(tournament=draft.tournament_id).values_list("captain_id", flat=True))
    assert set(memberships) == drafted | captains, "team members are not exactly the captains and the picks"
