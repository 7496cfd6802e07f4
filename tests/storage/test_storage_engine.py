from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session, sessionmaker

from calmdesk.domain import ConfigError
from calmdesk.storage import (
    Customer,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)


@pytest.mark.parametrize(
    "url",
    ["sqlite:///:memory:", "sqlite://", "mysql://u@localhost/x", "not a url at all"],
)
def test_make_engine_refuses_non_durable_or_unknown_databases(url: str) -> None:
    with pytest.raises(ConfigError):
        make_engine(url)


@pytest.mark.parametrize(("synchronous", "level"), [("normal", 1), ("full", 2), ("FULL", 2)])
def test_make_engine_sqlite_sets_wal_sync_and_foreign_keys(
    tmp_path: Path, synchronous: str, level: int
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'x.db'}", synchronous=synchronous)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == level
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_make_engine_sqlite_defaults_to_normal_sync_in_wal(tmp_path: Path) -> None:
    """WAL + NORMAL: durable across a killed process (tests/web/test_crash_durability.py)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    engine.dispose()


@pytest.mark.parametrize("synchronous", ["off", "0", "extra-fast", ""])
def test_make_engine_refuses_sqlite_sync_off_or_unknown(tmp_path: Path, synchronous: str) -> None:
    with pytest.raises(ConfigError, match="normal or full"):
        make_engine(f"sqlite:///{tmp_path / 'x.db'}", synchronous=synchronous)


def test_check_durability_refuses_a_connection_below_the_asked_sync(tmp_path: Path) -> None:
    from sqlalchemy import event

    from calmdesk.storage import check_durability

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    engine.dispose()

    @event.listens_for(engine, "connect")
    def _lower(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    with pytest.raises(ConfigError, match="synchronous is 0"):
        check_durability(engine, "normal")
    engine.dispose()


def test_make_engine_pools_as_many_connections_as_request_threads(tmp_path: Path) -> None:
    from calmdesk.storage.engine import POOL_SIZE

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert engine.pool.size() == POOL_SIZE == 40  # type: ignore[attr-defined]
    engine.dispose()
    small = make_engine(f"sqlite:///{tmp_path / 'y.db'}", pool_size=3)
    assert small.pool.size() == 3  # type: ignore[attr-defined]
    small.dispose()


def test_upgrade_reaches_head_and_is_idempotent(db_url: str) -> None:
    assert current_revision(db_url) == head_revision()
    assert upgrade(db_url) == head_revision()


def test_postgres_durability_is_checked(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW fsync")).scalar() == "on"
            assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
        else:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize(
    "given",
    [
        datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_utc_datetime_stores_utc_and_returns_aware(
    db_sessions: sessionmaker[Session], given: datetime
) -> None:
    with db_sessions.begin() as session:
        session.add(Customer(name="Ana", created_at=given))
    with db_sessions() as session:
        stored = session.scalars(select(Customer)).one().created_at
    assert stored.tzinfo is not None
    assert stored == given
    assert stored.utcoffset() == timedelta(0)


def test_utc_datetime_refuses_naive_values(db_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Exception, match="naive"), db_sessions.begin() as session:
        session.add(Customer(name="Ana", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        session.flush()


@pytest.mark.postgres
def test_make_engine_refuses_postgres_without_synchronous_commit(pg_server: str) -> None:
    from tests.conftest import _pg_admin

    _pg_admin(pg_server, "CREATE DATABASE lax")
    _pg_admin(pg_server, "ALTER DATABASE lax SET synchronous_commit = off")
    with pytest.raises(ConfigError, match="synchronous_commit=off"):
        make_engine(f"{pg_server}/lax")


def test_make_engine_reports_an_unreachable_postgres_clearly() -> None:
    with pytest.raises(ConfigError, match="Cannot open the database"):
        make_engine("postgresql://nobody@127.0.0.1:1/none")


def test_an_open_read_session_does_not_block_writers(db_sessions: sessionmaker[Session]) -> None:
    with db_sessions() as reader:
        assert reader.scalars(select(Customer)).all() == []  # a read transaction is open
        with db_sessions.begin() as writer:
            writer.add(Customer(name="Ana"))
    with db_sessions() as session:
        assert [c.name for c in session.scalars(select(Customer))] == ["Ana"]


@given(
    when=st.datetimes(
        min_value=datetime(1970, 1, 2),  # noqa: DTZ001 - hypothesis bounds are naive
        max_value=datetime(9998, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=13, minutes=45))]
        ),
    )
)
@settings(max_examples=40, deadline=None)
def test_utc_datetime_round_trips_any_aware_datetime(when: datetime) -> None:
    from calmdesk.storage import UTCDateTime

    column = UTCDateTime()
    dialect = sqlite.dialect()
    stored = column.process_bind_param(when, dialect)
    assert column.process_result_value(stored, dialect) == when
