"""The default models read their files on threads of their own; a failing read stays quiet
there (the analysis reads it again and reports it)."""

from __future__ import annotations

import pytest

from calmdesk.analysis import scoring
from calmdesk.domain import ModelUnavailable


def test_scoring_warm_up_runs_every_loader_and_keeps_failures_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def broken() -> None:
        ran.append("broken")
        raise ModelUnavailable("missing file")

    monkeypatch.setattr(scoring, "_loaders", lambda: (broken, lambda: ran.append("fine")))
    threads = scoring.warm_up()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(ran) == ["broken", "fine"]
    assert not any(t.is_alive() for t in threads)


@pytest.mark.slow
def test_scoring_warm_up_reads_the_project_models() -> None:
    from calmdesk.analysis.language import detect

    for thread in scoring.warm_up():
        thread.join(timeout=120)
    assert {"all", "supported"} <= set(detect._identifiers)


def test_wait_warmed_returns_once_every_started_loader_has_finished(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    release = threading.Event()
    finished: list[str] = []

    def slow() -> None:
        release.wait(10)
        finished.append("slow")

    monkeypatch.setattr(scoring, "_loaders", lambda: (slow,))
    monkeypatch.setattr(scoring, "_warming", [])
    threads = scoring.warm_up()
    assert threads[0].is_alive()
    threading.Timer(0.2, release.set).start()
    scoring.wait_warmed()
    assert finished == ["slow"]
    assert not threads[0].is_alive()


_EXIT_DURING_WARM_UP = """
import atexit, sys, time
from calmdesk.analysis import scoring

def slow() -> None:
    time.sleep(1.0)
    print("loaded", flush=True)

scoring._loaders = lambda: (slow,)
# atexit runs its handlers last registered first: this one runs after the wait warm_up registers
atexit.register(lambda: print("alive" if any(t.is_alive() for t in scoring._warming) else "done"))
scoring.warm_up()
"""


def test_a_process_ending_during_warm_up_waits_for_the_loaders_first() -> None:
    """An exit under a loader still inside onnxruntime aborted the process (CI, 2 December 2026:
    "terminate called without an active exception", exit -6); the exit now waits for them."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _EXIT_DURING_WARM_UP],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["loaded", "done"]
