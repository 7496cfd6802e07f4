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
