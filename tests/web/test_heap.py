"""A server process's startup heap is frozen once, as its first app starts serving (`web.heap`):
the collector's full passes then skip it (issue 9, speed under load)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_SERVE_ONE_APP = """
import gc, sys
from fastapi.testclient import TestClient
from calmdesk.actions.context import LibraryAnalyzer
from calmdesk.config import Settings
from calmdesk.web import create_app

settings = Settings(database_url="sqlite:///" + sys.argv[1], _env_file=None)
before = gc.get_freeze_count()
with TestClient(create_app(settings, analyzer=LibraryAnalyzer(settings))) as client:
    assert client.get("/api/v1/health").status_code == 200
    first = gc.get_freeze_count()
    with TestClient(create_app(settings, analyzer=LibraryAnalyzer(settings))):
        second = gc.get_freeze_count()
print(before, first, second)
"""


def _freeze_counts(tmp_path: Path, freeze: str) -> list[str]:
    """The freeze counts a fresh process prints around its two apps, `CALMDESK_FREEZE_HEAP` set."""
    from calmdesk.storage import upgrade

    database = tmp_path / "heap.db"
    upgrade(f"sqlite:///{database}")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "CALMDESK_FREEZE_HEAP": freeze}
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_ONE_APP, str(database)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_first_app_start_freezes_the_heap_once(tmp_path: Path) -> None:
    before, first, second = (int(n) for n in _freeze_counts(tmp_path, "true"))
    assert before == 0
    assert first > 10_000  # the libraries and the app, frozen as it started
    assert second <= first  # a second app freezes nothing more (frozen objects may be freed)


def test_freeze_heap_off_freezes_nothing(tmp_path: Path) -> None:
    assert _freeze_counts(tmp_path, "false") == ["0", "0", "0"]
