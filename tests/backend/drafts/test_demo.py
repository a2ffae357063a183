import pytest

from backend.accounts import demo as accounts_demo
from backend.drafts import demo
from backend.drafts.models import Draft, DraftState
from backend.tournaments import demo as tournaments_demo
from tests.backend.drafts.world import check_consistency

pytestmark = pytest.mark.django_db


def quiet(label: str, done: int, total: int) -> None:
    pass


def test_populate_leaves_one_draft_in_progress_and_creates_nothing_the_second_time() -> None:
    accounts_demo.populate(quiet)
    tournaments_demo.populate(quiet)
    demo.populate(quiet)
    draft = Draft.objects.get()
    assert draft.state == DraftState.ACTIVE and draft.tournament.state == "drafting"
    assert draft.rounds.filter(choice__isnull=False).count() == demo.PICKS
    assert draft.seq == 1 + demo.PICKS
    check_consistency(draft)
    demo.populate(quiet)
    assert Draft.objects.get().seq == 1 + demo.PICKS
