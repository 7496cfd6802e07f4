"""Engines and sessions, with durability settings enforced at start, not assumed.

SQLite: every connection gets WAL, foreign keys on, a busy timeout and `synchronous` NORMAL (the
default) or FULL; the settings are read back and calmdesk refuses to start if they did not take (an
in-memory database cannot use WAL, so it is refused; OFF is never accepted). In WAL mode NORMAL
keeps every committed transaction across a killed server process (kill -9, an out-of-memory kill:
the WAL is written before the commit returns, and the operating system keeps it); only a crash of
the operating system or a power cut can lose the last transactions before a checkpoint, and the
database stays consistent. FULL (`CALMDESK_SQLITE_SYNCHRONOUS=full`) also survives those, at the
price of one disk flush per commit while the write lock is held (4-12 ms on the development disk:
the write lock's capacity at 100 posts a second). PostgreSQL: `fsync` and `synchronous_commit` must
be on (concurrent commits share WAL flushes).

Pools: `pool_size` connections per process (default 40, the threads serving requests), so a
request never waits for a connection another thread could give back. A PostgreSQL connection is
pinged before use when it has been idle a second or more (`storage.pool_ping`).

Write queue (SQLite): a file database takes one writer at a time. Left to SQLite, forty threads
waiting for its lock poll it with growing sleeps, and one that waits past the busy timeout fails
with "database is locked". So each process keeps its own queue in front of the lock: a write
transaction (`factory.begin()`) first waits for the process's write gate, at most `write_wait_s`
seconds (default 30), and only then sends BEGIN IMMEDIATE; the busy timeout is then only for
writers in *other* processes (the worker, the CLI). A write that waits out its bound is refused
before it starts (`WritesBacklogged`, E871, 503 with Retry-After): nothing was written. PostgreSQL
takes concurrent writers itself and has no gate.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from calmdesk.domain import ConfigError
from calmdesk.domain.errors import WritesBacklogged
from calmdesk.storage.audit import install_audit_guard
from calmdesk.storage.pool_ping import install as install_pool_ping

__all__ = [
    "SessionFactory",
    "WriteGate",
    "check_durability",
    "make_engine",
    "make_session_factory",
    "write_gate",
]

_WRITE = "calmdesk_write"
WRITE_WAIT_S = 30.0
"""How long a write transaction waits for a SQLite file's write gate before it is refused."""


class WriteGate:
    """One writer at a time per process in front of a SQLite file (module docstring).

    Re-entrant, so a write transaction that opens another in the same thread does not wait for
    itself (SQLite would make it wait for its own lock); `waiting` counts the threads queued."""

    def __init__(self, wait_s: float = WRITE_WAIT_S) -> None:
        self.wait_s = wait_s
        self.waiting = 0
        self._lock = threading.RLock()
        self._count = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the gate for the block; WritesBacklogged when it is not free within `wait_s`."""
        if not self._lock.acquire(blocking=False):
            with self._count:
                self.waiting += 1
            try:
                got = self._lock.acquire(timeout=self.wait_s)
            finally:
                with self._count:
                    self.waiting -= 1
            if not got:
                raise WritesBacklogged(
                    f"calmdesk's database had more writes queued than it could take in "
                    f"{self.wait_s:g} s; nothing was saved. Try again shortly.",
                    retry_after=max(1, round(self.wait_s / 10)),
                )
        try:
            yield
        finally:
            self._lock.release()


_GATES: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()


def write_gate(engine: Engine) -> WriteGate | None:
    """The write gate of a SQLite file engine (None for PostgreSQL and in-memory SQLite)."""
    return _GATES.get(engine)


class SessionFactory(sessionmaker[Session]):
    """Sessions for reads (`factory()`) and write transactions (`factory.begin()`).

    On SQLite a write transaction starts with BEGIN IMMEDIATE, taking the write lock up front so
    concurrent writers queue (busy timeout) instead of failing mid-transaction; reads start with a
    plain BEGIN and never block writers (WAL)."""

    def begin(self) -> AbstractContextManager[Session]:
        bind = self.kw["bind"]
        gate = write_gate(bind)
        if gate is None:
            session = self(bind=bind.execution_options(**{_WRITE: True}))
            return session._maker_context_manager()
        return self._gated(gate, bind)

    @contextmanager
    def _gated(self, gate: WriteGate, bind: Engine) -> Iterator[Session]:
        with gate.held():  # refused here, before the transaction, when the queue is too long
            session = self(bind=bind.execution_options(**{_WRITE: True}))
            with session._maker_context_manager() as inside:
                yield inside


_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
)
_SYNCHRONOUS = {"normal": 1, "full": 2}
_PG_DURABLE_COMMIT = {"on", "remote_write", "remote_apply", "local"}
POOL_SIZE = 40
"""Database connections per process by default: anyio's thread limit for sync routes."""


def _sqlite_on_connect(synchronous: str) -> Any:
    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy issue BEGIN itself (see SessionFactory: writes take the lock up front).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in (*_SQLITE_PRAGMAS, f"PRAGMA synchronous={synchronous.upper()}"):
            cursor.execute(pragma)
        cursor.close()

    return on_connect


def _sqlite_on_begin(conn: Any) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(
    database_url: str,
    *,
    check: bool = True,
    synchronous: str = "normal",
    pool_size: int = POOL_SIZE,
    write_wait_s: float = WRITE_WAIT_S,
) -> Engine:
    """Build the engine for `database_url`; with `check`, refuse non-durable settings.

    `synchronous` (SQLite only): `normal` or `full` (module docstring); `pool_size`: connections
    kept per process; `write_wait_s` (SQLite files): the write gate's bound."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ConfigError(f"CALMDESK_DATABASE_URL is not a database URL: {database_url!r}") from exc
    if synchronous.lower() not in _SYNCHRONOUS:
        raise ConfigError(
            f"CALMDESK_SQLITE_SYNCHRONOUS is {synchronous!r}; use normal or full "
            "(off could lose acknowledged records)."
        )
    pool = {"pool_size": max(1, pool_size), "max_overflow": max(1, pool_size) // 2}
    backend = url.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(
            url.render_as_string(hide_password=False), url.database, synchronous, pool
        )
        if _is_file(url.database):
            _GATES[engine] = WriteGate(max(0.0, write_wait_s))
    elif backend == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, hide_parameters=True, **pool)
        install_pool_ping(engine)  # a connection idle for a second or more is pinged first
    else:
        raise ConfigError(f"Unsupported database {backend!r}; use sqlite:/// or postgresql://.")
    install_audit_guard()
    if check:
        try:
            check_durability(engine, synchronous)
        except ConfigError:
            engine.dispose()
            raise
    return engine


def _sqlite_engine(
    url: str, database: str | None, synchronous: str, pool: dict[str, int]
) -> Engine:
    file = _is_file(database)
    if file:
        Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"timeout": 10.0}, hide_parameters=True, **(pool if file else {})
    )
    event.listen(engine, "connect", _sqlite_on_connect(synchronous))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _is_file(database: str | None) -> bool:
    return bool(database) and database != ":memory:" and not str(database).startswith("file:")


def check_durability(engine: Engine, synchronous: str = "normal") -> None:
    """Raise ConfigError unless the database will keep acknowledged writes across a crash of the
    server process (and, with SQLite `synchronous` full or PostgreSQL, of the machine)."""
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                _check_sqlite(conn, _SYNCHRONOUS.get(synchronous.lower(), 2))
            else:
                _check_postgres(conn)
    except OperationalError as exc:
        raise ConfigError(f"Cannot open the database: {exc.orig}") from exc


def _check_sqlite(conn: Any, wanted: int = 1) -> None:
    mode = str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower()
    sync = int(conn.exec_driver_sql("PRAGMA synchronous").scalar())
    fks = int(conn.exec_driver_sql("PRAGMA foreign_keys").scalar())
    if mode != "wal":
        raise ConfigError(f"SQLite journal_mode is {mode!r}, not 'wal'; use a file database.")
    if sync < max(1, wanted):
        raise ConfigError(
            f"SQLite synchronous is {sync}, below what was asked ({wanted}); records could be "
            "lost on a crash."
        )
    if fks != 1:
        raise ConfigError("SQLite foreign keys are off; this SQLite build cannot be used.")


def _check_postgres(conn: Any) -> None:
    fsync = str(conn.execute(text("SHOW fsync")).scalar())
    commit = str(conn.execute(text("SHOW synchronous_commit")).scalar())
    if fsync != "on":
        raise ConfigError("PostgreSQL has fsync=off; turn it on before storing records.")
    if commit not in _PG_DURABLE_COMMIT:
        raise ConfigError(
            f"PostgreSQL has synchronous_commit={commit}; set it to on before storing records."
        )


def make_session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded values after commit (actions return the rows they wrote)."""
    return SessionFactory(engine, expire_on_commit=False)
