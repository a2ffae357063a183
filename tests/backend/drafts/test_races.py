"""Concurrent draft writes on PostgreSQL with real threads: a pick succeeds at most once per round, a player joins
at most one team, `seq` has no gaps and the event log matches the rounds, whatever the interleaving."""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection

from backend.core.errors import DomainError
from backend.drafts import services
from backend.drafts.models import Draft, DraftRound, DraftStyle
from backend.tournaments.models import TeamMember
from tests.backend.drafts.world import check_consistency, draft_world
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 3


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same instant, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        connect()  # before the barrier: the race is between the writes, not the connections
        try:
            barrier.wait(timeout=30)
            calls[index]()
            results[index] = "ok"
        except DomainError as error:
            results[index] = (error.status_code, error.code)
        except Exception as error:
            results[index] = ("unexpected", repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def connect() -> None:
    """Open this thread's connection, waiting out a moment of a database that has no connection slot free."""
    for _ in range(40):
        try:
            connection.ensure_connection()
            return
        except OperationalError:
            time.sleep(0.25)
    connection.ensure_connection()


def current_round(draft: Draft) -> DraftRound:
    return DraftRound.objects.filter(draft=draft, choice__isnull=True).order_by("pick_number").first()


@pytest.mark.parametrize("attempt", range(ATTEMPTS))
def test_twenty_simultaneous_picks_for_one_round_one_succeeds(attempt: int) -> None:
    world = draft_world(4, 16)
    staff = UserFactory(is_staff=True)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SNAKE)
    services.draft_pick(actor=staff, draft_id=draft.pk, player_id=world.players[0].pk)
    target = current_round(draft)
    captain = target.captain
    # Ten clicks for the same player, ten for ten different players: all for the same round.
    players = [world.players[1]] * 10 + world.players[2:12]
    calls = [
        (
            lambda player=player: services.draft_pick(
                actor=captain, draft_id=draft.pk, player_id=player.pk, round_id=target.pk
            )
        )
        for player in players
    ]
    results = race(calls)
    assert results.count("ok") == 1, results
    assert all(result == "ok" or result == (409, "not_current_round") for result in results), results
    target.refresh_from_db()
    assert target.choice_id is not None
    assert DraftRound.objects.filter(draft=draft, choice__isnull=False).count() == 2
    check_consistency(draft)
    assert Draft.objects.get(pk=draft.pk).seq == 3


@pytest.mark.parametrize("attempt", range(ATTEMPTS))
def test_staff_picks_without_a_round_id_fill_consecutive_rounds_without_doubles(attempt: int) -> None:
    world = draft_world(4, 16)
    staff = UserFactory(is_staff=True)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.SHUFFLE)
    # Staff may pick for any captain: each of the 12 picks lands in the next round, two picks of a player never.
    players = world.players[:6] * 2
    results = race(
        [
            (lambda player=player: services.draft_pick(actor=staff, draft_id=draft.pk, player_id=player.pk))
            for player in players
        ]
    )
    assert results.count("ok") == 6, results
    assert results.count((409, "player_taken")) == 6, results
    check_consistency(draft)
    assert Draft.objects.get(pk=draft.pk).seq == 1 + 6


@pytest.mark.parametrize("attempt", range(ATTEMPTS))
def test_a_pick_racing_an_undo_keeps_the_draft_consistent(attempt: int) -> None:
    world = draft_world(2, 8)
    staff = UserFactory(is_staff=True)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    for player in world.players[:3]:
        services.draft_pick(actor=staff, draft_id=draft.pk, player_id=player.pk)
    target = current_round(draft)
    results = race(
        [
            lambda: services.draft_pick(actor=target.captain, draft_id=draft.pk, player_id=world.players[3].pk),
            lambda: services.draft_undo(actor=staff, draft_id=draft.pk),
        ]
    )
    # Pick first then undo (the pick is undone), or undo first then the pick is out of turn for this captain
    # unless the round undone is this captain's again.
    assert results[1] == "ok", results
    assert results[0] in ("ok", (403, "not_your_turn")), results
    check_consistency(draft)
    assert Draft.objects.get(pk=draft.pk).seq == 1 + 3 + results.count("ok")
    # Either way the undo removed the last pick made before it: 3 picks, +1 -1 or -1.
    filled = DraftRound.objects.filter(draft=draft, choice__isnull=False).count()
    assert filled == (3 if results[0] == "ok" else 2)


@pytest.mark.parametrize("attempt", range(ATTEMPTS))
def test_two_captains_racing_for_one_player_put_them_on_one_team(attempt: int) -> None:
    world = draft_world(2, 8)
    staff = UserFactory(is_staff=True)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    first, second = DraftRound.objects.filter(draft=draft).order_by("pick_number")[:2]
    wanted = world.players[0]
    results = race(
        [
            lambda: services.draft_pick(actor=first.captain, draft_id=draft.pk, player_id=wanted.pk, round_id=first.pk),
            lambda: services.draft_pick(
                actor=second.captain, draft_id=draft.pk, player_id=wanted.pk, round_id=second.pk
            ),
        ]
    )
    assert results[0] == "ok", results
    assert results[1] in ((409, "not_current_round"), (409, "player_taken")), results
    assert TeamMember.objects.filter(tournament=world.tournament, user=wanted).count() == 1
    check_consistency(draft)


@pytest.mark.parametrize("attempt", range(ATTEMPTS))
def test_two_captains_picking_in_turn_at_the_same_instant_both_land(attempt: int) -> None:
    world = draft_world(2, 8)
    staff = UserFactory(is_staff=True)
    draft = services.draft_create(actor=staff, tournament=world.tournament, style=DraftStyle.NORMAL)
    first_captain, second_captain = world.teams[0].captain, world.teams[1].captain
    results = race(
        [
            lambda: services.draft_pick(actor=first_captain, draft_id=draft.pk, player_id=world.players[0].pk),
            lambda: services.draft_pick(actor=second_captain, draft_id=draft.pk, player_id=world.players[1].pk),
        ]
    )
    # The second captain wins only after the first picked; otherwise it is refused as out of turn.
    assert results[0] == "ok", results
    assert results[1] in ("ok", (403, "not_your_turn")), results
    check_consistency(draft)
