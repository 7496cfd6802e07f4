"""How many cores other work leaves free right now: a short sample of the machine's CPU time.

The 1-minute load average remembers the last minute: a command run just after another (a second
`calmdesk analyze`, the benchmark's long run after its short ones) sees a load of 1.2-1.5 on an
idle 2-core machine and would read in one process. `free_cores` looks at the last tenth of a
second instead: the busy time of every core (`/proc/stat`), less this process's own CPU time
over the same interval (its threads may be loading models), gives the cores that other work
keeps busy; the rest are free.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["SAMPLE_S", "free_cores"]

SAMPLE_S = 0.1
"""How long the sample lasts (10 clock ticks of each core at the usual 100 Hz)."""

_STAT = Path("/proc/stat")


def _busy_and_total() -> tuple[float, float] | None:
    """Seconds (in clock ticks) all cores were busy and in all, since boot; None where unknown."""
    try:
        with _STAT.open("rb") as handle:
            first = handle.readline().split()
    except OSError:
        return None
    if len(first) < 5 or first[0] != b"cpu":
        return None
    try:
        ticks = [float(x) for x in first[1:]]
    except ValueError:
        return None
    # user nice system idle iowait irq softirq steal [guest guest_nice, already in user/nice]
    total = sum(ticks[:8])
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0.0)
    return total - idle, total


def free_cores(interval: float = SAMPLE_S) -> float | None:
    """Cores not busy with other work over the next `interval` seconds (this process's own CPU
    time does not count as busy), or None where the machine's CPU time cannot be read."""
    cores = os.cpu_count() or 1
    before = _busy_and_total()
    if before is None:
        return None
    own = time.process_time()
    time.sleep(interval)
    after = _busy_and_total()
    own = time.process_time() - own
    if after is None or after[1] <= before[1]:
        return None
    ticks_per_core = (after[1] - before[1]) / cores
    busy_cores = (after[0] - before[0]) / ticks_per_core
    seconds = ticks_per_core / (os.sysconf("SC_CLK_TCK") or 100)
    others = max(0.0, busy_cores - own / seconds)
    return max(0.0, cores - others)
