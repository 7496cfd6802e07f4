"""The websocket hub: channels per conversation, replay after reconnect, no duplicates."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from calmdesk.web.realtime import Cursor, Event, Hub


def _message(conversation_id: str, mid: int, text: str = "hi") -> Event:
    return Event("message", conversation_id, {"text": text}, message_id=mid)


def _drain(coro_factory):  # run a small async scenario to completion
    # on a thread of its own: a sync Playwright session earlier in the run keeps a loop running here
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro_factory(), timeout=5)).result()


def test_hub_delivers_only_to_the_conversation_channel() -> None:
    async def scenario():
        hub = Hub()
        a, b = hub.subscribe("c1"), hub.subscribe("c2")
        hub.publish(_message("c1", 1))
        got = await a.next()
        assert not b._queue.qsize()
        return got

    got = _drain(scenario)
    assert got is not None and got.message_id == 1


def test_hub_does_not_echo_typing_to_its_sender() -> None:
    async def scenario():
        hub = Hub()
        me, other = hub.subscribe("c1"), hub.subscribe("c1")
        delivered = hub.publish(Event("typing", "c1", {"role": "customer"}, sender=me.id))
        got = await other.next()
        await asyncio.sleep(0)
        return delivered, got, me._queue.qsize()

    delivered, got, mine = _drain(scenario)
    assert delivered == 1 and got.kind == "typing" and mine == 0


def test_hub_accepts_publishes_from_other_threads() -> None:
    async def scenario():
        hub = Hub()
        sub = hub.subscribe("c1")
        threads = [threading.Thread(target=hub.publish, args=(_message("c1", i),)) for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sorted([(await sub.next()).message_id, (await sub.next()).message_id])

    assert _drain(scenario) == [1, 2]


def test_hub_closes_a_subscriber_that_lags_instead_of_buffering_forever() -> None:
    async def scenario():
        hub = Hub(max_queue=3)
        sub = hub.subscribe("c1")
        for i in range(1, 6):
            hub.publish(_message("c1", i))
        await asyncio.sleep(0.01)
        return sub.lagged, await sub.next()

    lagged, got = _drain(scenario)
    assert lagged is True and got is None


def test_hub_unsubscribe_removes_empty_channels() -> None:
    async def scenario():
        hub = Hub()
        sub = hub.subscribe("c1")
        hub.unsubscribe(sub)
        return hub.watchers("c1"), hub.publish(_message("c1", 1))

    assert _drain(scenario) == (0, 0)


@pytest.mark.parametrize(
    ("floor", "incoming", "expected"),
    [
        (0, [1, 2, 3], [1, 2, 3]),
        (2, [1, 2, 3, 4], [3, 4]),
        (0, [1, 2, 2, 1, 3], [1, 2, 3]),
        (0, [5, 4, 6], [5, 4, 6]),  # out of order commits are still delivered once
        (-3, [1], [1]),
    ],
)
def test_cursor_sends_each_message_once_after_the_floor(floor, incoming, expected) -> None:
    cursor = Cursor(floor)
    sent = cursor.filter([_message("c1", i) for i in incoming])
    assert [e.message_id for e in sent] == expected
    assert cursor.last_seen == max([floor, *expected, 0])


def test_cursor_replay_then_live_has_no_gap_and_no_duplicate() -> None:
    # the client saw up to 2; storage holds 1-4; live events 4 and 5 arrive during the replay
    cursor = Cursor(2)
    replayed = cursor.filter(_message("c1", i) for i in (1, 2, 3, 4))
    live = cursor.filter([_message("c1", 4), _message("c1", 5)])
    assert [e.message_id for e in replayed + live] == [3, 4, 5]


def test_cursor_passes_events_without_message_ids() -> None:
    assert Cursor(10).accept(Event("typing", "c1")) is True


@pytest.mark.parametrize(
    ("kind", "mid"),
    [("shout", None), ("message", None)],
)
def test_event_rejects_bad_kinds_and_messages_without_ids(kind, mid) -> None:
    with pytest.raises(ValueError):
        Event(kind, "c1", message_id=mid)


def test_event_to_json_carries_type_and_id() -> None:
    assert _message("c1", 7, "hello").to_json() == {"type": "message", "text": "hello", "id": 7}
