"""Every turn stored through the app, told to its live channel once the transaction commits.

Hooked on the app's session factory, so a turn reaches the console and the customer chat however it
was written: the chat socket, a console reply, the JSON API or an integration. Nothing is published
for a transaction that rolls back, and nothing before it is durable. The turns are read and
published by one background thread, never inside the committing request. Turns of
conversations nobody in this process watches are not read at all (a socket subscribes before it
replays what is stored, so it cannot miss one): the in-process hub drops them, a shared hub
(PostgreSQL, Redis) only announces their ids to the other processes. Turns that queue up while
the thread is busy are read together, in one query.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from calmdesk.actions.turns import client_key
from calmdesk.storage.engine import SessionFactory
from calmdesk.storage.records import Conversation, Turn
from calmdesk.storage.session_notes import NEW_TURNS
from calmdesk.web.console.reads import author_names
from calmdesk.web.realtime import Event, Hub

__all__ = [
    "drain_turn_feed",
    "install_turn_feed",
    "turn_event",
    "turn_events",
]

log = logging.getLogger("calmdesk.web.live")
_KEY = NEW_TURNS  # actions that write without a flush note their turns there too


def install_turn_feed(sessions: SessionFactory, hub: Hub) -> None:
    """Publish each committed turn of `sessions` to `hub`."""

    def collect(session: Session, _context: Any) -> None:
        new = {
            o.id: o.conversation_id for o in session.new if isinstance(o, Turn) and o.id is not None
        }
        if new:
            session.info.setdefault(_KEY, {}).update(new)

    def hand_over(session: Session) -> None:
        turns: dict[int, int] | None = session.info.pop(_KEY, None)
        if not turns:
            return
        if not hub.shared:  # every subscriber is here: skip conversations nobody watches
            turns = {t: c for t, c in turns.items() if hub.watchers(str(c))}
        if turns:
            _FEED.put(sessions, hub, turns)

    def forget(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(sessions, "after_flush", collect)
    event.listen(sessions, "after_commit", hand_over)
    event.listen(sessions, "after_rollback", forget)


class _Feed:
    """One background thread per process reads the new turns and publishes them.

    Reading inside `after_commit` would take a second database connection while the committing
    session still holds its own; under load that exhausts the pool. Handing the ids to this
    thread keeps the feed to one extra connection at most, and the order of commits.
    """

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[SessionFactory, Hub, dict[int, int]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def put(self, sessions: SessionFactory, hub: Hub, turns: dict[int, int]) -> None:
        """Hand over new turns (turn id: conversation id) to be published in commit order."""
        self._queue.put((sessions, hub, turns))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="calmdesk-turn-feed")
                self._thread.daemon = True
                self._thread.start()

    def drain(self, timeout: float) -> bool:
        """Wait until every handed-over turn is published (or `timeout` passes)."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _BATCH:  # what queued up meanwhile: read together
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                groups: dict[tuple[int, int], tuple[SessionFactory, Hub, dict[int, int]]] = {}
                for sessions, hub, turns in batch:
                    groups.setdefault((id(sessions), id(hub)), (sessions, hub, {}))[2].update(turns)
                for sessions, hub, turns in groups.values():
                    self._publish(sessions, hub, turns)
            finally:
                for _ in batch:
                    self._queue.task_done()

    @staticmethod
    def _publish(sessions: SessionFactory, hub: Hub, turns: dict[int, int]) -> None:
        watched = [t for t, c in sorted(turns.items()) if hub.watchers(str(c))]
        events: dict[int | None, Event] = {}
        if watched:
            try:
                with sessions() as reader:
                    events = {e.message_id: e for e in turn_events(reader, watched)}
            except Exception:  # noqa: BLE001 - a live update must never stop the feed
                log.exception("could not publish new turns %s", watched)
        for turn_id, conversation_id in sorted(turns.items()):
            found = events.get(turn_id)
            if found is not None:
                hub.publish(found)
            elif turn_id not in watched:  # nobody here watches it: tell the other processes
                hub.announce(Event("message", str(conversation_id), message_id=turn_id))


_BATCH = 200
"""Most queued hand-overs read in one round."""

_FEED = _Feed()


def drain_turn_feed(timeout: float = 5.0) -> bool:
    """Publish what is pending before the app closes its engine (no connection left behind)."""
    return _FEED.drain(timeout)


def turn_events(session: Session, ids: list[int]) -> list[Event]:
    """Customer-safe message events for these turns (text and author, never the analysis)."""
    turns = list(session.scalars(select(Turn).where(Turn.id.in_(ids)).order_by(Turn.id)).all())
    names = author_names(session, (t.author_user_id for t in turns))
    customers: dict[int, str] = {}
    events = []
    for turn in turns:
        if turn.conversation_id not in customers:
            conversation = session.get(Conversation, turn.conversation_id)
            customers[turn.conversation_id] = conversation.customer.name if conversation else ""
        events.append(turn_event(turn, customers[turn.conversation_id], names))
    session.commit()
    return events


def turn_event(turn: Turn, customer: str, names: dict[int, str]) -> Event:
    """One stored turn as the message event browsers receive."""
    role = str(turn.author_role)
    if role == "customer":
        author = customer or "customer"
    elif role == "system":
        author = "calmdesk"
    elif role == "bot":
        author = "Support bot"
    else:
        author = names.get(turn.author_user_id or 0, "Support")
    data = {"role": role, "author": author, "text": turn.text, "at": turn.created_at.isoformat()}
    key = client_key(turn.idempotency_key)
    if key:
        data["client_id"] = key
    return Event("message", str(turn.conversation_id), data, message_id=turn.id)
