"""The live hub across server processes, over PostgreSQL `LISTEN/NOTIFY` or Redis pub/sub.

`PgHub` is a `Hub` whose `publish` also sends a notification on the `calmdesk_live` channel; a
listener thread in every process receives the others' notifications and publishes them to its own
subscribers. A message event carries only the stored turn's id (notifications are limited to 8 kB
and turns may be 20,000 characters): the receiving process reads the turn from the database, where
it is already committed, exactly as its replay would. Typing and status events travel whole.

Enabled with `CALMDESK_LIVE_BACKEND=postgres` (set for you by `calmdesk serve --workers N` on
PostgreSQL) or `CALMDESK_LIVE_BACKEND=redis` with `CALMDESK_REDIS_URL` (`RedisHub`). A lost
connection is re-opened; clients that missed something replay it when they reconnect, as with
the in-process hub.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from calmdesk.storage.engine import SessionFactory
from calmdesk.web.realtime import Event, Hub

__all__ = ["CHANNEL", "BrokerHub", "PgHub", "RedisHub"]

CHANNEL = "calmdesk_live"
_MAX_PAYLOAD = 7_900
log = logging.getLogger("calmdesk.web.live")


def _conninfo(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class BrokerHub(Hub):
    """A Hub that also hands every event to a broker and publishes what other processes sent.

    Subclasses provide `_send(payload)` and `_listen()` (a loop in its own thread that calls
    `_receive(payload)` and sets `_ready` once listening)."""

    shared = True  # other processes' subscribers get every event through the broker

    def __init__(self, sessions: SessionFactory, max_queue: int = 256) -> None:
        super().__init__(max_queue)
        self.origin = uuid.uuid4().hex[:12]
        self._sessions = sessions
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="calmdesk-live", daemon=True)

    def _start(self) -> None:
        self._thread.start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """True once the listener is listening (tests and start-up checks)."""
        return self._ready.wait(timeout)

    def publish(self, event: Event) -> int:
        delivered = super().publish(event)
        self.announce(event)
        return delivered

    def announce(self, event: Event) -> None:
        """Hand `event` to the broker only (a message: its ids; nobody here watches it)."""
        try:
            self._send(self._payload(event))
        except Exception as err:  # noqa: BLE001 - local subscribers have it; others replay
            log.warning("live notification failed: %r", err)
            self._reset_sender()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._reset_sender()

    def _send(self, payload: str) -> None:
        raise NotImplementedError

    def _listen(self) -> None:
        raise NotImplementedError

    def _reset_sender(self) -> None:
        return None

    def _payload(self, event: Event) -> str:
        body: dict[str, Any] = {"o": self.origin, "k": event.kind, "c": event.conversation_id}
        if event.kind == "message":
            body["m"] = event.message_id
        else:
            body["d"] = event.data
        text = json.dumps(body, separators=(",", ":"), default=str)
        if len(text.encode()) > _MAX_PAYLOAD:
            body.pop("d", None)
            text = json.dumps(body, separators=(",", ":"))
        return text

    def _receive(self, payload: str | bytes) -> None:
        try:
            body = json.loads(payload)
        except ValueError:
            return
        if not isinstance(body, dict) or body.get("o") == self.origin:
            return  # our own notification: local subscribers already have it
        conversation = str(body.get("c", ""))
        kind = body.get("k")
        if not self.watchers(conversation):
            return  # nobody here watches it (a socket subscribes before it replays the stored)
        try:
            if kind == "message" and isinstance(body.get("m"), int):
                from calmdesk.web.turn_feed import turn_events

                with self._sessions() as session:
                    events = turn_events(session, [body["m"]])
                for item in events:
                    Hub.publish(self, item)
            elif kind in ("typing", "status") and isinstance(body.get("d"), dict):
                Hub.publish(self, Event(kind, conversation, body["d"]))
        except Exception:  # noqa: BLE001 - one bad notification must not stop the listener
            log.exception("could not deliver a live notification")


class PgHub(BrokerHub):
    """A Hub shared by every process connected to the same PostgreSQL database."""

    def __init__(self, database_url: str, sessions: SessionFactory, max_queue: int = 256) -> None:
        super().__init__(sessions, max_queue)
        self._conninfo = _conninfo(database_url)
        self._send_lock = threading.Lock()
        self._send_conn: psycopg.Connection[Any] | None = None
        self._start()

    def _send(self, payload: str) -> None:
        with self._send_lock:
            if self._send_conn is None or self._send_conn.closed:
                self._send_conn = psycopg.connect(self._conninfo, autocommit=True)
            self._send_conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))

    def _reset_sender(self) -> None:
        with self._send_lock:
            if self._send_conn is not None:
                self._send_conn.close()
            self._send_conn = None

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._receive(note.payload)
            except psycopg.Error as err:
                if not self._stop.is_set():
                    log.warning("live listener lost its connection: %r; reconnecting", err)
                    time.sleep(1.0)


class RedisHub(BrokerHub):
    """A Hub shared by every process using the same Redis (pub/sub on `calmdesk_live`)."""

    def __init__(self, redis_url: str, sessions: SessionFactory, max_queue: int = 256) -> None:
        import redis

        super().__init__(sessions, max_queue)
        self._redis = redis.Redis.from_url(redis_url)
        self._start()

    def _send(self, payload: str) -> None:
        self._redis.publish(CHANNEL, payload)

    def _listen(self) -> None:
        import redis

        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(CHANNEL)
                self._ready.set()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None and message.get("type") == "message":
                        self._receive(message["data"])
                pubsub.close()
            except redis.RedisError as err:
                if not self._stop.is_set():
                    log.warning("live listener lost Redis: %r; reconnecting", err)
                    time.sleep(1.0)
