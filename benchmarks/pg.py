"""A throwaway PostgreSQL 15 cluster for benchmarks, like the one `tests/conftest.py` starts.

The data folder is on the ordinary disk (not tmpfs), so commits pay for a real WAL flush:
`fsync` and `synchronous_commit` stay on, as calmdesk requires.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["throwaway_postgres"]

_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin")


def _bin(name: str) -> str:
    for folder in _BIN_DIRS:
        if (Path(folder) / name).exists():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} was not found; run `make system-deps`.")
    return found


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_postgres(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")


@contextmanager
def throwaway_postgres(max_connections: int = 200) -> Iterator[str]:
    """Start a cluster on a free loopback port; yields the URL of an empty database `bench`."""
    import psycopg

    data = Path(tempfile.mkdtemp(prefix="calmdesk-bench-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    db = str(data / "db")
    _run([_bin("initdb"), "-D", db, "-A", "trust", "-U", "postgres", "-E", "UTF8"])
    opts = (
        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 "
        f"-c max_connections={max_connections} -c shared_buffers=256MB"
    )
    _run([_bin("pg_ctl"), "-D", db, "-o", opts, "-l", str(data / "log"), "-w", "start"])
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE DATABASE bench")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/bench"
    finally:
        _run([_bin("pg_ctl"), "-D", db, "-m", "fast", "-w", "stop"])
        shutil.rmtree(data, ignore_errors=True)
