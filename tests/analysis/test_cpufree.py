"""`analysis.cpufree`: the cores other work leaves free, from the machine's CPU time."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from calmdesk.analysis import cpufree


def _sampled(
    monkeypatch: pytest.MonkeyPatch,
    busy_ticks: float,
    own_seconds: float,
    cores: int = 2,
) -> float | None:
    """`free_cores` over 10 ticks a core in which all cores were busy `busy_ticks` and this
    process used `own_seconds` of CPU (100 ticks a second)."""
    samples: Iterator[tuple[float, float]] = iter([(0.0, 0.0), (busy_ticks, 10.0 * cores)])
    clock: Iterator[float] = iter([5.0, 5.0 + own_seconds])
    monkeypatch.setattr(cpufree.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(cpufree.os, "sysconf", lambda name: 100)
    monkeypatch.setattr(cpufree, "_busy_and_total", lambda: next(samples))
    monkeypatch.setattr(cpufree.time, "process_time", lambda: next(clock))
    monkeypatch.setattr(cpufree.time, "sleep", lambda seconds: None)
    return cpufree.free_cores()


@pytest.mark.parametrize(
    ("busy", "own", "free"),
    [
        (0.0, 0.0, 2.0),  # an idle machine
        (10.0, 0.1, 2.0),  # only this process (its model-loading threads): nothing else
        (10.0, 0.0, 1.0),  # one other process on one core
        (20.0, 0.0, 0.0),  # both cores busy with other work
        (15.0, 0.05, 1.0),  # one and a half cores busy, half a core of it ours
    ],
)
def test_this_process_s_own_time_is_not_counted_as_busy(
    monkeypatch: pytest.MonkeyPatch, busy: float, own: float, free: float
) -> None:
    assert _sampled(monkeypatch, busy, own) == pytest.approx(free)


def test_an_unreadable_machine_gives_none(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cpufree, "_STAT", tmp_path / "no-stat")
    assert cpufree.free_cores(0.0) is None
    garbled = tmp_path / "stat"
    garbled.write_bytes(b"intr 1 2 3\n")
    monkeypatch.setattr(cpufree, "_STAT", garbled)
    assert cpufree.free_cores(0.0) is None


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="Linux only")
def test_the_real_machine_gives_a_share_of_its_cores() -> None:
    free = cpufree.free_cores(0.05)
    assert free is not None and 0.0 <= free <= (os.cpu_count() or 1)
