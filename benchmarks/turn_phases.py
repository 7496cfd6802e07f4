"""Where a posted turn's time goes under the load bench: its phases in the server, and the pauses.

Runs the load bench's SQLite variant (`benchmarks.bench_load`, same environment variables) with
`benchmarks.turn_phases_probe` imported by the server process, then prints, for all turns and for
the slowest tenth (by time in the server), the mean and median of each phase in ms: the event
loop before the hand-over (`before_pool`), the wait for a pool thread, the read before the
analysis, the analysis (queued for the batch thread, the batch, the wake-up), the write (and in
it the SQLite write gate's wait and hold), the way back to the loop; the gate over all writes,
and the garbage collector's passes inside the measured window. A diagnostic for docs/deploy.md,
not a figure of the bench: the probe costs a little itself.

    CALMDESK_BENCH_LOAD_SECONDS=10 python -m benchmarks.turn_phases
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import bench_load

PHASES = ("before_pool", "pool_wait", "read_before", "analysis_queue", "analysis_batch",
          "analysis_wake", "write", "gate_wait", "gate_held", "loop_back")  # fmt: skip


def _summary(turns: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"turns": len(turns)}
    for phase in ("server", *PHASES):
        values = [t[phase] for t in turns if phase in t]
        if values:
            out[phase] = {"mean": round(statistics.fmean(values), 1),
                          "median": round(statistics.median(values), 1)}  # fmt: skip
    return out


def _report(probe: dict[str, Any]) -> dict[str, Any]:
    turns = [r for r in probe["requests"] if r["path"].endswith("/turns") and "out" in r]
    for turn in turns:
        turn["server"] = (turn["out"] - turn["in"]) * 1000
    turns.sort(key=lambda t: t["server"])
    start = min(t["in"] for t in turns)
    end = max(t["out"] for t in turns)
    window = [g for g in probe["gc"] if start <= g[0] <= end]
    waits = sorted(w for w, _ in probe["gate"])
    holds = sorted(h for _, h in probe["gate"])
    return {
        "all": _summary(turns),
        "slowest_tenth": _summary(turns[int(len(turns) * 0.9) :]),
        "gate_ms": {
            "wait_p50": bench_load._pct(waits, 0.5),
            "wait_p95": bench_load._pct(waits, 0.95),
            "held_p50": bench_load._pct(holds, 0.5),
            "held_p95": bench_load._pct(holds, 0.95),
            "held_max": round(holds[-1], 1) if holds else None,
        },  # fmt: skip
        "gc_in_window": {
            f"gen{n}": {
                "passes": sum(1 for g in window if g[2] == n),
                "ms": round(sum(g[1] for g in window if g[2] == n), 1),
                "longest_ms": round(max((g[1] for g in window if g[2] == n), default=0.0), 1),
            }
            for n in (0, 1, 2)
        },  # fmt: skip
        "frozen_objects": probe["frozen"],
        "tracked_objects": probe["tracked"],
    }


def run() -> dict[str, Any]:
    seconds = float(os.environ.get("CALMDESK_BENCH_LOAD_SECONDS", "20"))
    turns = int(os.environ.get("CALMDESK_BENCH_LOAD_TURNS", "100"))
    reads = int(os.environ.get("CALMDESK_BENCH_LOAD_READS", "300"))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CALMDESK_TURN_PHASES_OUT"] = folder
        bench_load.SERVER = "import benchmarks.turn_phases_probe\n" + bench_load.SERVER
        result = bench_load._variant("sqlite", seconds, turns, reads)
        probe = json.loads(next(Path(folder).glob("*.json")).read_text())
    keep = ("turn", "read", "errors", "load_average_before", "load_average_after")
    return {"bench": {k: result[k] for k in keep}, "phases_ms": _report(probe)}


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=1)
    print()  # noqa: T201
