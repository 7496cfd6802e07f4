"""The turn feed reads only what someone in this process watches; other processes get ids."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event
from tests.factories import World

from calmdesk.actions import Actor, add_customer_turn, block_customer
from calmdesk.domain import PermissionDenied
from calmdesk.storage.engine import SessionFactory
from calmdesk.web.desk_feed import DESK_CHANNEL, install_desk_feed
from calmdesk.web.live_pg import BrokerHub
from calmdesk.web.realtime import Event, Hub
from calmdesk.web.turn_feed import drain_turn_feed, install_turn_feed


class RecordingHub(Hub):
    """A hub whose watchers are given, recording what it publishes and announces."""

    def __init__(self, *, shared: bool, watched: set[str]) -> None:
        super().__init__()
        self.shared = shared
        self.watched = watched
        self.published: list[Event] = []
        self.announced: list[Event] = []

    def watchers(self, conversation_id: str) -> int:
        return int(conversation_id in self.watched)

    def publish(self, event: Event) -> int:
        self.published.append(event)
        return 1

    def announce(self, event: Event) -> None:
        self.announced.append(event)


class QuietBroker(BrokerHub):
    """A broker hub with no broker: what it would send is kept; nothing listens."""

    def __init__(self, sessions: SessionFactory, watched: set[str]) -> None:
        super().__init__(sessions)
        self.watched = watched
        self.sent: list[str] = []

    def watchers(self, conversation_id: str) -> int:
        return int(conversation_id in self.watched)

    def _send(self, payload: str) -> None:
        self.sent.append(payload)

    def _listen(self) -> None:  # pragma: no cover - never started
        return None


@pytest.fixture
def statements(world: World) -> Iterator[list[tuple[str, str]]]:
    """SQL run on the database: (thread name, statement)."""
    seen: list[tuple[str, str]] = []
    engine: Engine = world.ctx.sessions.kw["bind"]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append((threading.current_thread().name, statement))

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def _post(world: World, conversation_id: int, text: str) -> int:
    actor = Actor.for_customer(world.calm_customer.id)
    return add_customer_turn(world.ctx, actor, conversation_id, text).turn.id


@pytest.mark.parametrize("shared", [False, True], ids=["in-process hub", "shared hub"])
def test_only_watched_conversations_are_read_the_others_are_announced_when_shared(
    world: World, statements: list[tuple[str, str]], shared: bool
) -> None:
    watched, unwatched = world.open(world.calm_customer), world.open(world.calm_customer)
    hub = RecordingHub(shared=shared, watched={str(watched.id)})
    install_turn_feed(world.ctx.sessions, hub)
    quiet = _post(world, unwatched.id, "Is anyone reading this?")
    assert drain_turn_feed()
    assert [s for name, s in statements if name == "calmdesk-turn-feed"] == []
    seen = _post(world, watched.id, "Where is my parcel?")
    assert drain_turn_feed()
    assert [s for name, s in statements if name == "calmdesk-turn-feed"]  # read to publish
    assert [(e.message_id, e.data["text"]) for e in hub.published] == [
        (seen, "Where is my parcel?")
    ]
    if shared:  # the other processes learn of every turn, by id only
        assert [(e.conversation_id, e.message_id, e.data) for e in hub.announced][-1] == (
            str(unwatched.id), quiet, {},
        )  # fmt: skip
    else:
        assert hub.announced == []


def test_a_broker_notification_for_an_unwatched_conversation_reads_nothing(
    world: World, statements: list[tuple[str, str]]
) -> None:
    conv = world.open(world.calm_customer)
    turn_id = _post(world, conv.id, "Hello?")
    hub = QuietBroker(world.ctx.sessions, watched=set())
    payload = json.dumps({"o": "another-process", "k": "message", "c": str(conv.id), "m": turn_id})
    statements.clear()
    hub._receive(payload)
    assert statements == []
    hub.watched.add(str(conv.id))
    hub._receive(payload)
    assert any("FROM turns" in s for _, s in statements)  # watched here: read and delivered
    hub.announce(Event("message", str(conv.id), message_id=turn_id))
    assert json.loads(hub.sent[-1]) == {"o": hub.origin, "k": "message", "c": str(conv.id),
                                        "m": turn_id}  # fmt: skip


class DeskHub(Hub):
    """A hub recording what the desk feed publishes."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[Event] = []

    def publish(self, event: Event) -> int:
        self.published.append(event)
        return 1


def test_a_posted_customer_turn_tells_open_queues_once_committed_and_a_refused_one_does_not(
    world: World,
) -> None:
    """The post writes without the ORM's flush (`actions.customer_post`): the desk feed hears of
    it all the same, after the commit; a post refused inside its transaction tells nothing."""
    conv = world.open(world.calm_customer)
    hub = DeskHub()
    install_desk_feed(world.ctx.sessions, hub)
    _post(world, conv.id, "Where is my parcel?")
    assert [(e.kind, e.conversation_id) for e in hub.published] == [("queue", DESK_CHANNEL)]
    hub.published.clear()
    block_customer(world.ctx, world.actor(world.supervisor), world.calm_customer.id, "abuse")
    hub.published.clear()
    with pytest.raises(PermissionDenied):
        _post(world, conv.id, "Let me in.")
    assert hub.published == []
