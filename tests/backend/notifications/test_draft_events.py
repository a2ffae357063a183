"""on_draft_event with the events the draft services really emit."""

import pytest

from backend.drafts.models import DraftEvent
from backend.drafts.services import draft_create, draft_pick
from backend.notifications import services
from tests.factories import TeamFactory, TournamentFactory, UserFactory


@pytest.fixture
def sent(monkeypatch) -> list[tuple[list[int], str, dict]]:
    calls: list[tuple[list[int], str, dict]] = []
    monkeypatch.setattr(services, "_send", lambda ids, kind, data: calls.append((ids, kind, data)))
    return calls


def replay(event: DraftEvent, draft) -> None:
    services.on_draft_event(
        draft_id=draft.pk, tournament_id=draft.tournament_id, event_type=event.type, data=event.payload
    )


@pytest.mark.django_db
def test_start_tells_every_player_and_the_first_captain(sent, staff, django_capture_on_commit_callbacks):
    tournament = TournamentFactory()
    first = TeamFactory(tournament=tournament, draft_order=1)
    TeamFactory(tournament=tournament, draft_order=2)
    tournament.players.add(*UserFactory.create_batch(3))
    draft = draft_create(actor=staff, tournament=tournament, style="snake")
    sent.clear()  # whatever the draft code itself may already notify

    with django_capture_on_commit_callbacks(execute=True):
        replay(DraftEvent.objects.get(draft=draft, seq=1), draft)

    started = [call for call in sent if call[1] == services.DRAFT_STARTED]
    assert len(started) == 1
    assert sorted(started[0][0]) == sorted(tournament.players.values_list("id", flat=True))
    assert started[0][2]["url"] == f"/drafts/{draft.pk}/"
    turns = [call for call in sent if call[1] == services.YOUR_TURN]
    assert [ids for ids, _, _ in turns] == [[first.captain_id]]
    assert turns[0][2]["round"]["pick_number"] == 1


@pytest.mark.django_db
def test_a_pick_tells_the_next_captain(sent, staff, django_capture_on_commit_callbacks):
    tournament = TournamentFactory()
    TeamFactory(tournament=tournament, draft_order=1)
    second = TeamFactory(tournament=tournament, draft_order=2)
    players = UserFactory.create_batch(4)
    tournament.players.add(*players)
    draft = draft_create(actor=staff, tournament=tournament, style="snake")
    draft_pick(actor=staff, draft_id=draft.pk, player_id=players[0].pk)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        replay(DraftEvent.objects.get(draft=draft, type="draft.pick"), draft)

    assert [(ids, kind) for ids, kind, _ in sent] == [([second.captain_id], services.YOUR_TURN)]
