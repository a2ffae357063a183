"""The draft's WebSocket stream through a real ASGI server, a real Redis channel layer and real clients."""

import asyncio
import json
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from backend.drafts.models import Draft, DraftRound
from tests.asgi.draft_clients import Watcher, rest, run_async, token_for
from tests.backend.drafts.world import DraftWorld, check_consistency, draft_world
from tests.factories import UserFactory
from tests.processes import AsgiServer, RedisServer, process_env, running

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WATCHERS = 50


class Draft4:
    """A 4-team, 16-player draft started over REST; picks are made by the captain whose turn it is."""

    def __init__(self, server: AsgiServer, world: DraftWorld) -> None:
        self.server, self.world = server, world
        self.staff = UserFactory(is_staff=True)
        self.tokens = {team.captain_id: token_for(team.captain) for team in world.teams}
        self.staff_token = token_for(self.staff)
        response = rest(
            server.url, self.staff_token, "post", f"tournaments/{world.tournament.pk}/draft/", {"style": "snake"}
        )
        assert response.status_code == 201, response.text
        self.id = response.json()["id"]
        self.current = response.json()["current_round"]
        self.available = [player["id"] for player in response.json()["available_players"]]

    @property
    def url(self) -> str:
        return f"{self.server.ws_url}/ws/drafts/{self.id}/"

    def pick(self) -> dict:
        player = self.available[0]
        token = self.tokens[self.current["captain"]]
        response = rest(
            self.server.url,
            token,
            "post",
            f"drafts/{self.id}/pick/",
            {"player_id": player, "round": self.current["id"]},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        self.current, self.available = body["current_round"], [p["id"] for p in body["available_players"]]
        return body

    def undo(self) -> dict:
        response = rest(self.server.url, self.staff_token, "post", f"drafts/{self.id}/undo/")
        assert response.status_code == 200, response.text
        body = response.json()
        self.current, self.available = body["current_round"], [p["id"] for p in body["available_players"]]
        return body

    def get(self) -> dict:
        return rest(self.server.url, None, "get", f"drafts/{self.id}/").json()


def assert_saw_everything(watcher: Watcher, first_seq: int, last_seq: int, final: dict) -> None:
    assert watcher.messages[0]["type"] == "draft.snapshot"
    seqs = [message["seq"] for message in watcher.events()]
    assert seqs == list(range(first_seq + 1, last_seq + 1)), seqs
    assert watcher.state == final


def test_fifty_watchers_see_every_event_once_in_order_and_end_equal_to_get(server) -> None:
    draft = Draft4(server, draft_world(4, 16))
    watchers = [Watcher(draft.url, server.url) for _ in range(WATCHERS)]
    # 16 picks + an undo and its pick again + the completion, after the start's seq 1.
    last_seq = 1 + 16 + 2 + 1

    async def scenario() -> None:
        tasks = [asyncio.create_task(watcher.watch(last_seq)) for watcher in watchers]
        await asyncio.wait_for(asyncio.gather(*(watcher.snapshot_received.wait() for watcher in watchers)), 60)
        for number in range(16):
            await asyncio.to_thread(draft.pick)
            if number == 6:
                await asyncio.to_thread(draft.undo)
                await asyncio.to_thread(draft.pick)
        await asyncio.wait_for(asyncio.gather(*tasks), 60)

    run_async(scenario())
    final = draft.get()
    assert final["state"] == "completed" and final["seq"] == last_seq
    for watcher in watchers:
        assert_saw_everything(watcher, 1, last_seq, final)
    types = [message["type"] for message in watchers[0].events()]
    assert types.count("draft.pick") == 17 and types.count("draft.undo") == 1 and types[-1] == "draft.completed"
    check_consistency(Draft.objects.get(pk=draft.id))


def test_a_watcher_that_reconnects_mid_draft_ends_with_the_same_state(server) -> None:
    draft = Draft4(server, draft_world(4, 16))
    steady, leaving = Watcher(draft.url, server.url), Watcher(draft.url, server.url)
    last_seq = 1 + 16 + 1

    async def scenario() -> None:
        steady_task = asyncio.create_task(steady.watch(last_seq))
        await asyncio.wait_for(steady.snapshot_received.wait(), 30)
        async with connect(draft.url, origin=server.url) as socket:
            for _ in range(4):
                await asyncio.to_thread(draft.pick)
            await leaving.listen(socket, 5, 30)
        for _ in range(5):
            await asyncio.to_thread(draft.pick)  # missed while away
        back = Watcher(draft.url, server.url, messages=list(leaving.messages), state=leaving.state)
        async with connect(draft.url, origin=server.url) as socket:
            await back.listen(socket, 10, 30)
            assert back.messages[len(leaving.messages)]["type"] == "draft.snapshot"
            for _ in range(7):
                await asyncio.to_thread(draft.pick)
            await back.listen(socket, last_seq, 30)
        await asyncio.wait_for(steady_task, 30)
        assert back.state == steady.state

    run_async(scenario())
    assert steady.state == draft.get()


def test_sync_answers_a_fresh_snapshot_and_nothing_a_watcher_sends_changes_the_draft(server) -> None:
    draft = Draft4(server, draft_world(4, 16))
    before = list(DraftRound.objects.filter(draft_id=draft.id).order_by("pk").values())

    async def scenario() -> list[dict]:
        async with connect(draft.url, origin=server.url) as socket:
            received = [json.loads(await socket.recv())]
            for junk in [
                "not json",
                json.dumps([1, 2]),
                json.dumps({"type": "draft.pick", "player_id": draft.available[0]}),
                json.dumps({"type": "pick", "data": {"player_id": draft.available[0]}}),
                json.dumps({"type": "draft.undo"}),
            ]:
                await socket.send(junk)
            await socket.send(b"\x00\x01")
            await socket.send(json.dumps({"type": "sync"}))
            received.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
            return received

    first, synced = run_async(scenario())
    assert first["type"] == synced["type"] == "draft.snapshot"
    assert synced["data"] == first["data"] == draft.get()
    assert list(DraftRound.objects.filter(draft_id=draft.id).order_by("pk").values()) == before
    assert Draft.objects.get(pk=draft.id).seq == 1


@pytest.mark.parametrize("draft_id", ["999999", "abc", "0", "99999999999999999999999"])
def test_an_unknown_draft_is_accepted_then_closed_4404(server, draft_id: str) -> None:
    async def scenario() -> int | None:
        async with connect(f"{server.ws_url}/ws/drafts/{draft_id}/", origin=server.url) as socket:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code if closed.value.rcvd else None

    assert run_async(scenario()) == 4404


def test_a_pick_while_the_channel_layer_redis_is_down_is_saved_and_seen_after_reconnect(
    redis_server: RedisServer,
) -> None:
    server = AsgiServer(process_env(CHANNELS_REDIS_URL=redis_server.url))
    with running(server):
        draft = Draft4(server, draft_world(4, 16))
        watcher = Watcher(draft.url, server.url)

        async def before_outage() -> None:
            async with connect(draft.url, origin=server.url) as socket:
                await watcher.listen(socket, 1, 30)

        run_async(before_outage())
        redis_server.stop()
        started = time.monotonic()
        body = draft.pick()
        elapsed = time.monotonic() - started
        assert body["seq"] == 2 and elapsed < 3, elapsed
        assert DraftRound.objects.get(draft_id=draft.id, pick_number=1).choice_id is not None
        redis_server.start()

        async def after_outage() -> None:
            back = Watcher(draft.url, server.url)
            async with connect(draft.url, origin=server.url) as socket:
                await back.listen(socket, 2, 30)
                assert back.messages[0]["seq"] == 2 and back.state == draft.get()
                await asyncio.to_thread(draft.pick)  # the layer works again: the next pick arrives live
                await back.listen(socket, 3, 30)
                assert back.messages[-1]["type"] == "draft.pick"
            assert back.state == draft.get()

        run_async(after_outage())
        assert "not broadcast" in server.log
