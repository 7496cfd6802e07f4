"""The live channels behind the console and the customer chat.

One in-process `Hub` per app holds a channel per conversation. Routes publish `Event`s after an
action has committed; websocket handlers subscribe and forward them.

Messages carry the stored turn id, which grows with each turn. A client keeps the last id it has
shown and sends it when it reconnects; the server subscribes first, then replays the stored turns
after that id, then streams live events, and a `Cursor` drops any message id it has already sent.
Nothing is lost in the gap between replay and live, and nothing is shown twice.

A subscriber that falls too far behind is closed (`Subscription.lagged`) rather than buffered
without bound; its client reconnects and replays from storage.

This hub lives in one process; `web/live_pg.PgHub` shares it across processes over PostgreSQL
LISTEN/NOTIFY (`CALMDESK_LIVE_BACKEND=postgres`).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cursor", "Event", "EventKind", "Hub", "Subscription"]

EventKind = str
"""`message` (a stored turn), `typing` (someone is typing), `status` (escalated, resolved...),
`error` (told to one subscriber only, e.g. why its message was refused), `access` (the case
changed hands: each socket re-checks it may still watch), `presence` (who is viewing) and
`queue` (something in the queue moved; on the `desk` channel)."""

_KINDS = frozenset({"message", "typing", "status", "error", "access", "presence", "queue"})
_CLOSE = object()


@dataclass(frozen=True, slots=True)
class Event:
    """Something to tell everyone watching a conversation."""

    kind: EventKind
    conversation_id: str
    data: dict[str, Any] = field(default_factory=dict)
    message_id: int | None = None
    sender: int | None = None  # subscription id of the sender, so typing is not echoed back

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.kind == "message" and self.message_id is None:
            raise ValueError("a message event needs the stored message id")

    def to_json(self) -> dict[str, Any]:
        """What goes over the wire to the browser."""
        body: dict[str, Any] = {"type": self.kind, **self.data}
        if self.message_id is not None:
            body["id"] = self.message_id
        return body


class Subscription:
    """One websocket's view of one conversation channel."""

    _ids = itertools.count(1)

    def __init__(self, conversation_id: str, max_queue: int, who: str = "") -> None:
        self.id = next(self._ids)
        self.conversation_id = conversation_id
        self.who = who  # the display name of a staff watcher (presence), empty for customers
        self.lagged = False
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=max_queue)

    def deliver(self, event: Event) -> None:
        """Queue an event from any thread; never blocks the publisher."""
        self._loop.call_soon_threadsafe(self._put, event)

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._put, _CLOSE)

    async def next(self) -> Event | None:
        """The next event, or None once the subscription is closed or lagged."""
        item = await self._queue.get()
        return item if isinstance(item, Event) else None

    def _put(self, item: object) -> None:
        if self.lagged:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.lagged = True
            self._drain_and_close()

    def _drain_and_close(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(_CLOSE)


class Hub:
    """Per-conversation channels. Safe to publish from request threads and the event loop.

    `shared` is False: every subscriber is in this process, so an event for a conversation
    nobody here watches reaches no one (the turn feed then does not even read it)."""

    shared = False

    def __init__(self, max_queue: int = 256) -> None:
        self._max_queue = max_queue
        self._channels: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    def subscribe(self, conversation_id: str, who: str = "") -> Subscription:
        """Join a channel; call from inside the event loop."""
        sub = Subscription(conversation_id, self._max_queue, who)
        with self._lock:
            self._channels.setdefault(conversation_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            members = self._channels.get(sub.conversation_id)
            if members is not None:
                members.discard(sub)
                if not members:
                    del self._channels[sub.conversation_id]

    def publish(self, event: Event) -> int:
        """Send to every subscriber of the event's conversation except its sender."""
        with self._lock:
            members = list(self._channels.get(event.conversation_id, ()))
        targets = [s for s in members if s.id != event.sender]
        for sub in targets:
            sub.deliver(event)
        return len(targets)

    def announce(self, event: Event) -> None:
        """Tell other processes' subscribers only (none: this hub is one process's)."""
        return None

    def watchers(self, conversation_id: str) -> int:
        with self._lock:
            return len(self._channels.get(conversation_id, ()))

    def viewers(self, conversation_id: str) -> list[str]:
        """The staff watching a conversation (presence), each name once."""
        with self._lock:
            names = [s.who for s in self._channels.get(conversation_id, ()) if s.who]
        return sorted(set(names))


class Cursor:
    """What one client has already been sent: everything up to `floor`, plus the ids in `sent`.

    Live events can arrive slightly out of id order (two turns committed at once), so the cursor
    remembers each id it passed instead of only the highest.
    """

    def __init__(self, floor: int = 0) -> None:
        self.floor = max(0, floor)
        self.sent: set[int] = set()

    @property
    def last_seen(self) -> int:
        return max(self.sent, default=self.floor)

    def accept(self, event: Event) -> bool:
        """True when the event should be sent; a message id goes out at most once."""
        mid = event.message_id
        if mid is None:
            return True
        if mid <= self.floor or mid in self.sent:
            return False
        self.sent.add(mid)
        return True

    def filter(self, events: Iterable[Event]) -> list[Event]:
        return [e for e in events if self.accept(e)]
