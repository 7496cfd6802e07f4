"""Fixtures shared by every test area; area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# --- databases: SQLite and a throwaway PostgreSQL 15 cluster ---------------------------------

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin")
_db_counter = itertools.count()


def _pg_bin(name: str) -> str:
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(
            f"PostgreSQL's {name} was not found; run `make system-deps` (installs PostgreSQL 15)."
        )
    return found


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the `postgres` user when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder on a loopback port; yields its base URL."""
    data = Path(tempfile.mkdtemp(prefix="calmdesk-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    _run(
        [
            _pg_bin("initdb"),
            "-D",
            str(data / "db"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "-N",
        ]
    )
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    _run(
        [
            _pg_bin("pg_ctl"),
            "-D",
            str(data / "db"),
            "-o",
            opts,
            "-l",
            str(data / "log"),
            "-w",
            "start",
        ]
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        _run([_pg_bin("pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(data, ignore_errors=True)


def _pg_admin(base_url: str, statement: str) -> None:
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_template(pg_server: str) -> str:
    """Name of a database migrated once; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    from calmdesk.storage import upgrade

    _pg_admin(pg_server, "CREATE DATABASE calmdesk_template")
    upgrade(f"{pg_server}/calmdesk_template")
    return "calmdesk_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    from calmdesk.storage import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL: once on SQLite, once on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "calmdesk.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    server = request.getfixturevalue("pg_server")
    template = request.getfixturevalue("pg_template")
    name = f"t_{os.getpid()}_{next(_db_counter)}"
    _pg_admin(server, f"CREATE DATABASE {name} TEMPLATE {template}")
    yield f"{server}/{name}"
    _pg_admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db_sessions(db_url: str) -> Iterator[object]:
    """A session factory over `db_url` (a `calmdesk.storage.SessionFactory`)."""
    from calmdesk.storage import make_engine, make_session_factory

    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def world(db_sessions: object, monkeypatch: pytest.MonkeyPatch) -> object:
    """A `tests.factories.World`: teams, staff personas and customers made through the actions.

    Password hashing uses a cheaper scrypt cost here (the cost is stored in each hash)."""
    from datetime import UTC, datetime

    from tests.factories import FixedClock, build_world

    monkeypatch.setattr("calmdesk.actions.passwords._N", 2**8)

    return build_world(db_sessions, FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))  # type: ignore[arg-type]
