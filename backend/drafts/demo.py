"""Demo data: a snake draft in progress in the tournaments demo's "DTX Draft Cup", a few picks made, to watch.

Idempotent: once the cup has a draft, nothing more is done (the draft may have moved on since).
"""

from django.db import transaction

from backend.accounts.models import User
from backend.core.demodata import Progress
from backend.drafts import services
from backend.drafts.models import Draft, DraftStyle
from backend.drafts.selectors import available_players, draft_rounds
from backend.tournaments.models import Tournament, TournamentState

TOURNAMENT_NAME = "DTX Draft Cup"  # made by backend.tournaments.demo, which runs first
PICKS = 6


@transaction.atomic
def populate(progress: Progress) -> None:
    """Start the cup's draft and make its first picks, each by the captain whose turn it is."""
    progress("draft", 0, PICKS + 1)
    tournament = Tournament.objects.filter(name=TOURNAMENT_NAME, organization__slug="dtx").first()
    if tournament is None or Draft.objects.filter(tournament=tournament).exists():
        progress("draft", PICKS + 1, PICKS + 1)
        return
    if tournament.state != TournamentState.REGISTRATION:
        progress("draft", PICKS + 1, PICKS + 1)
        return
    staff = User.objects.get(username="teststaff")
    draft = services.draft_create(actor=staff, tournament=tournament, style=DraftStyle.SNAKE)
    progress("draft", 1, PICKS + 1)
    # The strongest available player each time, as captains usually do.
    for done in range(1, PICKS + 1):
        current = next(draft_round for draft_round in draft_rounds(draft.pk) if draft_round.choice_id is None)
        assert current.captain_id is not None  # snake rounds are decided from the start
        captain = User.objects.get(pk=current.captain_id)
        player = available_players(tournament.pk).order_by("-mmr", "id").first()
        if player is None:
            break
        services.draft_pick(actor=captain, draft_id=draft.pk, player_id=player.pk, round_id=current.pk)
        progress("draft", done + 1, PICKS + 1)
