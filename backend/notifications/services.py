"""Notifications to signed-in users over `/ws/me/`, and posts to the organization's Discord channel.

Every function here may be called inside a transaction: messages leave after commit (a rolled-back pick notifies
nobody), and a failure is logged in one line, never raised, so a pick never fails or waits because of them.
"""

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction

from backend.accounts.models import User
from backend.notifications.queue import enqueue
from backend.tournaments.models import Tournament

logger = logging.getLogger(__name__)

DRAFT_STARTED = "notify.draft_started"
YOUR_TURN = "notify.your_turn"
WEBHOOK_TASK = "notifications.post_discord_webhook"


def user_group_name(user_id: int) -> str:
    return f"user.{user_id}"


def draft_path(draft_id: int) -> str:
    return f"/drafts/{draft_id}/"


def notify_user(user_id: int, notification_type: str, data: dict[str, Any]) -> None:
    """Send `{"type": notification_type, "data": data}` to the user's open `/ws/me/` connections after commit."""
    notify_users([user_id], notification_type, data)


def notify_users(user_ids: Iterable[int], notification_type: str, data: dict[str, Any]) -> None:
    """`notify_user` for several users, one group send each, after commit."""
    ids = list(dict.fromkeys(user_ids))
    transaction.on_commit(lambda: _send(ids, notification_type, data))


def _send(user_ids: list[int], notification_type: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None or not user_ids:
        return
    try:
        async_to_sync(_group_sends)(
            layer, user_ids, {"type": "notify.message", "event": notification_type, "data": data}
        )
    except Exception as error:  # whatever the layer raises, the caller's change is committed
        logger.warning(
            "%s to %d user(s) not sent (%s: %s)", notification_type, len(user_ids), type(error).__name__, error
        )


async def _group_sends(layer: BaseChannelLayer, user_ids: list[int], message: dict[str, Any]) -> None:
    # A Redis that accepts the connection but never answers must not hold the request that notifies.
    sends = [layer.group_send(user_group_name(user_id), message) for user_id in user_ids]
    await asyncio.wait_for(asyncio.gather(*sends), timeout=settings.NOTIFY_TIMEOUT_SECONDS)


def post_to_discord(content: str) -> None:
    """Post `content` to DISCORD_WEBHOOK_URL through the worker, after commit; nothing when it is not set."""
    if not settings.DISCORD_WEBHOOK_URL:
        return
    transaction.on_commit(lambda: enqueue(WEBHOOK_TASK, content))


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else path


def notify_draft_started(*, draft_id: int, tournament_id: int) -> None:
    """Tell the tournament's registered players, and the Discord channel, that its draft has started."""
    transaction.on_commit(lambda: _draft_started(draft_id, tournament_id))


def _draft_started(draft_id: int, tournament_id: int) -> None:
    try:
        name = Tournament.objects.filter(pk=tournament_id).values_list("name", flat=True).first() or ""
        player_ids = list(
            User.objects.filter(registered_tournaments=tournament_id).order_by("id").values_list("id", flat=True)
        )
    except Exception as error:
        logger.warning("draft %s: start not notified (%s: %s)", draft_id, type(error).__name__, error)
        return
    data = {"draft": draft_id, "tournament": tournament_id, "tournament_name": name, "url": draft_path(draft_id)}
    _send(player_ids, DRAFT_STARTED, data)
    if settings.DISCORD_WEBHOOK_URL:
        enqueue(WEBHOOK_TASK, f"The draft of {name} has started: {_absolute(draft_path(draft_id))}")


def notify_your_turn(*, draft_id: int, tournament_id: int, round: dict[str, Any]) -> None:
    """Tell the captain of `round` (a round as the contract shapes it) that it is their pick; nothing if undecided."""
    captain_id = round.get("captain")
    if captain_id is None:
        return
    transaction.on_commit(lambda: _your_turn(draft_id, tournament_id, round, captain_id))


def your_turn_data(*, draft_id: int, tournament_id: int, round: dict[str, Any]) -> dict[str, Any]:
    """The `data` of `notify.your_turn`, sent when the turn comes and again to each connection opened during it."""
    return {"draft": draft_id, "tournament": tournament_id, "round": round, "url": draft_path(draft_id)}


def _your_turn(draft_id: int, tournament_id: int, draft_round: dict[str, Any], captain_id: int) -> None:
    _send([captain_id], YOUR_TURN, your_turn_data(draft_id=draft_id, tournament_id=tournament_id, round=draft_round))
    if not settings.DISCORD_WEBHOOK_URL:
        return
    try:
        captain = User.objects.filter(pk=captain_id).first()
    except Exception as error:
        logger.warning("draft %s: turn not posted (%s: %s)", draft_id, type(error).__name__, error)
        return
    who = captain.display_name if captain is not None else "the next captain"
    enqueue(
        WEBHOOK_TASK,
        f"Pick {draft_round.get('pick_number')}: {who}, it is your turn. {_absolute(draft_path(draft_id))}",
    )


def on_draft_event(*, draft_id: int, tournament_id: int, event_type: str, data: dict[str, Any]) -> None:
    """The one call the draft code makes per event it emits (inside its transaction; everything leaves after commit).

    `draft.started` tells the players the draft is on; every event that leaves a current round with a captain
    (started, pick, undo, style changed) tells that captain it is their turn.
    """
    if event_type == "draft.started":
        notify_draft_started(draft_id=draft_id, tournament_id=tournament_id)
    current = data.get("current_round")
    if event_type != "draft.completed" and isinstance(current, dict):
        notify_your_turn(draft_id=draft_id, tournament_id=tournament_id, round=current)
