"""What a server process holds from its start, kept out of the garbage collector's full passes.

A server process holds about 275,000 objects the collector tracks once its app is built (the
libraries, the routes and their models, the tables), and nearly all of them live as long as the
process. Each full pass of the collector walked all of them: about 105 ms with every thread of
the process stopped, two or three times in ten seconds under the load bench (issue 9: 100
customer turns and 300 reads a second). A pause that long held the write gate of a SQLite file
with it, and the turns queued behind it made most of a posted turn's p95.

`freeze_startup_heap` runs once per process, as the first app starts serving: a full collection,
then `gc.freeze()` moves what survived to the permanent generation, which the collector no longer
walks (it is still freed by reference counting when released). A full pass then walks only what
was made since, about 40,000 objects: 11-14 ms (load bench, 2 December 2026). The app calls it
unless `Settings.freeze_heap` is off (`CALMDESK_FREEZE_HEAP=false`; the tests run with it off).
"""

from __future__ import annotations

import gc
import threading

__all__ = ["freeze_startup_heap"]

_lock = threading.Lock()
_done = False


def freeze_startup_heap() -> bool:
    """Collect, then freeze what the process holds now; once per process (True the first time).

    Only the first app of a process freezes (a test run builds many apps: freezing each would
    keep each alive for good, and collect each time)."""
    global _done
    with _lock:
        if _done:
            return False
        _done = True
        gc.collect()
        gc.freeze()
    return True
