"""PostgreSQL connections are checked before use when they have been idle, not on every checkout.

SQLAlchemy's `pool_pre_ping` sends a `SELECT 1` each time a connection leaves the pool. A request
takes one several times (its session hands the connection back at each commit: the token lookup,
the access check, the read before a post, the write transaction), so under load about one round
trip in three was a ping, and it was a tenth of a read's CPU (py-spy, issue 9). A connection
handed back a moment ago by this process is as alive as it was then: `install` pings only a
connection idle for `IDLE_PING_S` or more (or new to the pool's reuse). One that fails the ping is
thrown away and the pool takes another (SQLAlchemy's `DisconnectionError` protocol, as with
`pool_pre_ping`).

A server restarted within the last `IDLE_PING_S` can still hand a request a dead connection: that
request fails (503 or 500 with nothing stored, as one in flight during the restart would), and
SQLAlchemy then drops every connection of the pool, so the next requests connect afresh.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["IDLE_PING_S", "install"]

IDLE_PING_S = 1.0
"""A pooled connection idle at least this long (seconds) is pinged before use."""

_RETURNED = "calmdesk_returned_at"


def install(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """Ping `engine`'s connections on checkout when idle `idle_s` or more (module docstring)."""

    def checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info[_RETURNED] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is not None and time.monotonic() - returned < idle_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # noqa: BLE001 - any failure: not usable, take another
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc
        if not alive:
            raise DisconnectionError("a pooled connection failed its ping")

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)
