"""PostgreSQL connections are pinged only after being idle, and a dead one is replaced unseen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, text

from calmdesk.storage import make_engine, pool_ping

pytestmark = pytest.mark.postgres


def _pings(engine: Engine) -> list[int]:
    seen: list[int] = []
    real = engine.dialect.do_ping

    def counting(dbapi_conn: Any) -> bool:
        seen.append(1)
        return bool(real(dbapi_conn))

    engine.dialect.do_ping = counting  # type: ignore[method-assign,assignment]
    return seen


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_handed_back_a_moment_ago_is_not_pinged(pg_database: str) -> None:
    engine = make_engine(pg_database, check=False, pool_size=2)
    try:
        pings = _pings(engine)
        first = _backend_pid(engine)  # a new connection: pinged once
        assert len(pings) == 1
        for _ in range(5):
            assert _backend_pid(engine) == first  # the same connection, straight back
        assert len(pings) == 1
    finally:
        engine.dispose()


def test_an_idle_connection_killed_by_the_server_is_replaced_before_use(
    pg_database: str,
) -> None:
    engine = make_engine(pg_database, check=False, pool_size=1)
    pool_ping.install(engine, idle_s=0.0)  # every checkout counts as idle here
    try:
        pings = _pings(engine)
        victim = _backend_pid(engine)
        killer = make_engine(pg_database, check=False, pool_size=1)
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
            conn.commit()
        killer.dispose()
        fresh = _backend_pid(engine)  # no error: the dead connection failed its ping
        assert fresh != victim and pings
    finally:
        engine.dispose()
