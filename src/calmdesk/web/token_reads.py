"""An integration's API token checked without a thread hand-over, on every request.

Every request of an integration reads its token and owner (one indexed row). On a SQLite file
that read is done on the event loop, on one connection kept for it (`LoopReader`): a read in WAL
mode never waits for a writer, and handing it to the thread pool cost more than the read itself
(a pool thread woken and the result handed back: about 0.25 ms of CPU per request, against
0.1 ms for the read). The read opens a fresh transaction each time, so a token revoked in any
process is refused at once. PostgreSQL (a network round trip) and in-memory SQLite read it in the
thread pool, on a pooled connection.

The token's `last_used_at` is written at most once a minute per token (`actions.sessions`) and,
with `TokenTouches`, by one request of each process: without it every request in flight when the
minute passed wrote it again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from calmdesk.domain.errors import AuthenticationRequired
from calmdesk.storage.engine import write_gate
from calmdesk.storage.enums import UserRole
from calmdesk.storage.people import ApiToken, User

__all__ = ["TOKEN_LOOKUP", "LoopReader", "TokenTouches", "token_owner"]

TOKEN_LOOKUP = (
    select(
        ApiToken.id, ApiToken.revoked_at, ApiToken.last_used_at, User.id, User.username,
        User.display_name, User.role, User.team_id, User.is_active,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)  # fmt: skip
"""An integration token and its owner in one row (columns only: no ORM objects to build)."""

LOOP_BUSY_TIMEOUT_MS = 2000
"""How long a read on the event loop may wait for SQLite (only while it recovers a database or
another process holds it exclusively; a WAL read never waits for writers) before it fails."""


def token_owner(conn: Connection, token_hash: str) -> tuple[Any, ...]:
    """`(token id, last used, user id, username, display name, role, team id)` of a live token;
    AuthenticationRequired when it is unknown, revoked or its owner is deactivated."""
    found = conn.execute(TOKEN_LOOKUP, {"token_hash": token_hash}).first()
    if found is None or found[1] is not None or not found[8]:
        raise AuthenticationRequired("The API token is unknown or revoked.")
    token_id, _, last_used, user_id, username, display_name, role, team_id, _ = found
    return token_id, last_used, user_id, username, display_name, UserRole(role), team_id


class LoopReader:
    """One SQLite connection used only by the event loop's thread: the token read, and the hot
    read routes (`web.loop_reads`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # one loop uses it; a test may run two, one at a time

    @staticmethod
    def usable(engine: Engine) -> bool:
        """Reads may run on the event loop: a SQLite file (WAL; it has a write gate)."""
        return write_gate(engine) is not None

    def owner(self, token_hash: str) -> tuple[Any, ...]:
        """`token_owner` read in a transaction of its own, ended before returning."""
        with self._lock:
            return self._owner(token_hash)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on this connection for a read on the event loop (`web.loop_reads`), in a
        read transaction of its own that is ended (rolled back) when the block ends."""
        with self._lock:
            conn = self._connection()
            session = Session(bind=conn)
            try:
                yield session
            except SQLAlchemyError:
                session.close()
                self.close()  # a broken connection is opened again by the next request
                raise
            finally:
                session.close()
                if self._conn is not None and conn.in_transaction():
                    conn.rollback()

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
            raw = self._conn.connection.driver_connection
            assert raw is not None
            raw.execute(f"PRAGMA busy_timeout={LOOP_BUSY_TIMEOUT_MS}")  # outside a transaction
        return self._conn

    def _owner(self, token_hash: str) -> tuple[Any, ...]:
        conn = self._connection()
        try:
            return token_owner(conn, token_hash)
        except AuthenticationRequired:
            raise
        except Exception:
            self.close()  # a broken connection is opened again by the next request
            raise
        finally:
            if self._conn is not None and conn.in_transaction():
                conn.rollback()

    def close(self) -> None:
        """Close the connection (the app's shutdown; a later read opens another)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never handed back to the pool with another thread's state
            finally:
                conn.close()


class TokenTouches:
    """When this process last recorded each token's use (so one request does, not all)."""

    def __init__(self, every: timedelta = timedelta(minutes=1)) -> None:
        self.every = every
        self._at: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def claim(self, token_id: int, last_used: datetime | None, now: datetime) -> bool:
        """True for the one request that should record the use now (then `touch_api_token`)."""
        if last_used is not None and now - last_used < self.every:
            return False
        with self._lock:
            mine = self._at.get(token_id)
            if mine is not None and now - mine < self.every:
                return False
            if len(self._at) > 10_000:
                self._at.clear()
            self._at[token_id] = now
        return True

    def release(self, token_id: int) -> None:
        """The claimed write failed: let the next request try again."""
        with self._lock:
            self._at.pop(token_id, None)
