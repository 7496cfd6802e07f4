"""Fewer garbage collections while a batch is read: a scope that raises the first threshold.

Reading a batch keeps most of what it makes (the analyses, the caches of recent texts and
conversations), so the collector's passes find little garbage while each full pass walks every
object the process holds (about 250,000 with the models loaded). With the default first
threshold (700) a 12,000-turn `analyze_many` ran about 350 young, 30 middle and 3 full passes
there, 0.5-0.6 s of CPU; with `BATCH_THRESHOLD` about 20, 2 and 1, 0.15-0.3 s (one process,
thread CPU time measured in `gc.callbacks`, 2 December 2026, load 3.9-4.0).

The scope is process-wide for its duration (the collector has one setting): the first scope to
enter saves the thresholds and raises the first one, the last to leave puts the saved ones back.
A process whose first threshold is 0 (collection off) or already higher is left as it is.
Nothing is freed later than reference counting frees it; only cycles wait a little longer.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["BATCH_THRESHOLD", "fewer_collections"]

BATCH_THRESHOLD = 10_000
"""The collector's first threshold while a batch is read."""

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the scope, the first threshold is at least `BATCH_THRESHOLD` (see the module)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            current = gc.get_threshold()
            _saved = None
            if 0 < current[0] < BATCH_THRESHOLD:
                _saved = current
                gc.set_threshold(BATCH_THRESHOLD, current[1], current[2])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
