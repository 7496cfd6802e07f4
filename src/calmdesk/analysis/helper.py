"""A second process for big batches: `analyze_many` hands it some of its groups of conversations.

The analysis is single-threaded Python and numpy for the most part, so one process uses one core.
For an input of more than one batch, `analyze_many` starts one helper (`python -m
calmdesk.analysis.helper_serve`, a fresh interpreter: nothing of the caller's script is imported
again) and keeps it for the life of the process. The helper loads the same models and reads each
group exactly as the caller would; the caller keeps reading the other groups meanwhile and yields
every analysis in input order. Messages are pickles over the helper's own stdin/stdout pipes (the
helper writes nothing else there). A helper that cannot start or dies is not an error: its groups
are read in the calling process instead, with the same results.
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from calmdesk.analysis import cpufree, fastpickle

__all__ = ["PROCESSES_ENV", "Helper", "helper", "processes", "running"]

PROCESSES_ENV = "CALMDESK_ANALYSIS_PROCESSES"
"""How many processes a big `analyze_many` uses: 1 (no helper) or 2; by default 2 when a core is
free (see `processes`)."""

READY = "ready"

FREE_FOR_HELPER = 1.5
"""Cores other work must leave free, measured now, for the helper despite a high load average:
one for this process and most of one for the helper."""


def processes(*, measure: bool = False) -> int:
    """`CALMDESK_ANALYSIS_PROCESSES` (1 or 2), else 2 where a core is free for the helper: two
    cores or more and a 1-minute load average at least one below the core count (this process
    counts for one). On a machine other work keeps busy, starting the helper (about 2 s of CPU
    to load its models) cost more than it gave: 225 turns/s against 320 in one process, for 3,000
    turns at load 3.6 on 2 cores (`benchmarks/bench_speed.py`). With `measure` (a long input:
    `analyze_many`), a load average over that is checked against a tenth of a second of the
    machine's CPU time (`cpufree.free_cores`): the average remembers the last minute, so a run
    just after another saw an idle machine as busy; 2 where other work leaves at least
    `FREE_FOR_HELPER` cores free now."""
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return min(int(raw), 2)
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not measurable here: assume the machine is ours
        load = 0.0
    if cores >= 2 and load > cores - 1 and measure:
        free = cpufree.free_cores()
        return 2 if free is not None and free >= FREE_FOR_HELPER else 1
    return 2 if cores >= 2 and load <= cores - 1 else 1


class Helper:
    """One helper process and the groups sent to it that have not come back yet."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["CALMDESK_ENCODER_THREADS"] = "1"  # one core each: the caller has the other
        env[PROCESSES_ENV] = "1"  # the helper never starts a helper of its own
        # the same code as this process: its import path, whatever put calmdesk on it
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "calmdesk.analysis.helper_serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        self._lock = threading.Lock()  # the table of waiting batches (never held while writing)
        self._write_lock = threading.Lock()  # one message at a time on the helper's stdin
        self._waiting: dict[int, Future[Any]] = {}
        self._next = 0
        self.sent = 0  # batches handed to the helper so far
        self._alive = True
        self.ready: Future[Any] = Future()
        self._waiting[-1] = self.ready
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self._alive and self._proc.poll() is None

    def submit(
        self, conversations: Sequence[Any], max_chars: int, playbook: str | None
    ) -> Future[Any]:
        """The analyses of `conversations` (a list), read by the helper; fails if it is gone."""
        future: Future[Any] = Future()
        stdin = self._proc.stdin
        with self._lock:
            if not self.alive or stdin is None:
                future.set_exception(RuntimeError("the analysis helper is not running"))
                return future
            seq = self._next
            self._next += 1
            self.sent += 1
            self._waiting[seq] = future
        try:
            message = fastpickle.dumps((seq, list(conversations), max_chars, playbook))
        except Exception as exc:  # not picklable: the caller reads this batch itself
            with self._lock:
                self._waiting.pop(seq, None)
            future.set_exception(RuntimeError(f"the batch cannot be sent: {exc}"))
            return future
        # Written without the table's lock: a full pipe waits for the helper, which may first
        # have to hand back an earlier batch, and the reader thread needs the table for that.
        try:
            with self._write_lock:
                stdin.write(message)
                stdin.flush()
        except (OSError, ValueError) as exc:
            with self._lock:
                self._fail_all()
            if not future.done():
                future.set_exception(RuntimeError(f"the analysis helper is gone: {exc}"))
        return future

    def _read(self) -> None:
        out = self._proc.stdout
        try:
            while out is not None:
                seq, ok, value = pickle.load(out)
                with self._lock:
                    future = self._waiting.pop(seq, None)
                if future is None:
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(RuntimeError(value))
        except Exception:  # EOF or a broken pipe: the helper is gone
            pass
        with self._lock:
            self._fail_all()

    def _fail_all(self) -> None:
        self._alive = False
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError("the analysis helper stopped"))
        self._waiting.clear()

    def close(self) -> None:
        with self._lock:
            self._alive = False
        with self._write_lock:
            if self._proc.stdin is not None:
                try:
                    self._proc.stdin.close()
                except OSError:
                    pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5)
        self._reader.join(timeout=5)  # it ends at the end of the helper's output
        if self._proc.stdout is not None and not self._reader.is_alive():
            self._proc.stdout.close()


_helper: list[Helper] = []
_helper_lock = threading.Lock()


def running() -> Helper | None:
    """The process's helper when one is running and has loaded its models; never starts one."""
    with _helper_lock:
        found = _helper[0] if _helper else None
    if found is None or not found.alive or not found.ready.done():
        return None
    return found if found.ready.exception() is None else None


def helper() -> Helper | None:
    """The process's helper, started on first need; None where it cannot start."""
    with _helper_lock:
        if _helper and not _helper[0].alive:
            _helper.pop().close()
        if not _helper:
            try:
                _helper.append(Helper())
            except OSError:
                return None
        return _helper[0]


def _close_helper() -> None:
    with _helper_lock:
        while _helper:
            _helper.pop().close()


atexit.register(_close_helper)
