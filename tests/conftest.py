"""Fixtures shared by every test area; area-specific fixtures live in tests/<area>/conftest.py."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# A test run builds hundreds of apps in one process: freezing the heap as the first starts
# (`web/heap.py`, for a server's long-lived process) would make later full collections walk the
# growing rest far more often and shift the timing of tests; tests/web/test_heap.py turns it on.
os.environ.setdefault("CALMDESK_FREEZE_HEAP", "false")

# --- databases: SQLite and a throwaway PostgreSQL 15 cluster ---------------------------------

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin")


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
    """A PostgreSQL cluster in a temporary folder on a loopback port; yields its base URL.

    On tmpfs where there is one (a throwaway cluster; fsync stays on, calmdesk checks it). A
    watchdog stops it even if this test process is killed before its teardown runs."""
    data = _fast_tmpdir()
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    db, port = str(data / "db"), _free_port()
    _run([_pg_bin("initdb"), "-D", db, "-A", "trust", "-U", "postgres", "-E", "UTF8", "-N"])
    opts = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    _run([_pg_bin("pg_ctl"), "-D", db, "-o", opts, "-l", str(data / "log"), "-w", "start"])
    stop = [_pg_bin("pg_ctl"), "-D", db, "-m", "immediate", "-w", "stop"]
    watchdog = _watchdog(stop, data)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        os.killpg(watchdog.pid, signal.SIGTERM)  # the watchdog and its sleep
        watchdog.wait(timeout=10)
        _run(stop)
        shutil.rmtree(data, ignore_errors=True)


def _watchdog(stop: list[str], data: Path) -> subprocess.Popen[bytes]:
    command = " ".join(shlex.quote(a) for a in _as_postgres(stop))
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; "
        f"{command}; rm -rf {shlex.quote(str(data))}"
    )
    return subprocess.Popen(
        ["sh", "-c", script],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _pg_admin(base_url: str, statement: str) -> None:
    import psycopg

    dsn = base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_database(pg_server: str) -> str:
    """URL of a database migrated once with the packaged migrations; tests empty it in turn."""
    from calmdesk.storage import upgrade

    _pg_admin(pg_server, "CREATE DATABASE calmdesk_test")
    upgrade(f"{pg_server}/calmdesk_test")
    return f"{pg_server}/calmdesk_test"


def _pg_empty(url: str) -> None:
    """Empty every table (triggers off for this session only, so the audit log can go too).

    Cheaper than a database per test: CREATE DATABASE costs about a second on a busy disk."""
    import psycopg

    from calmdesk.storage import Base

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("SET session_replication_role = replica")
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f"DELETE FROM {table.name}")  # type: ignore[arg-type]


def _fast_tmpdir() -> Path:
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="calmdesk-db-", dir=shm if shm.is_dir() else None))


@pytest.fixture(scope="session")
def sqlite_dir() -> Iterator[Path]:
    """Where test SQLite files live: tmpfs where there is one (WAL and FULL sync stay on)."""
    folder = _fast_tmpdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(sqlite_dir: Path) -> Path:
    """A SQLite file migrated once; each test copies it."""
    from calmdesk.storage import upgrade

    path = sqlite_dir / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database URL: once on SQLite, once on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        target = request.getfixturevalue("sqlite_dir") / f"{tmp_path.name}.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        return
    url = request.getfixturevalue("pg_database")
    _pg_empty(url)
    yield url


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
