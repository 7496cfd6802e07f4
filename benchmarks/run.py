"""`make bench`: run every `benchmarks/bench_*.py` that exposes `run() -> dict`.

Each result is written to `benchmarks/results/<name>.json` and all of them (including results
of earlier runs that were not repeated) are summarised in `benchmarks/results/README.md`.

Usage: `python -m benchmarks.run [NAME ...]` where NAME is e.g. `speed` for `bench_speed.py`.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.report import render

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def discover() -> list[str]:
    """Names of the bench modules, e.g. ["accuracy", "promises", "speed"]."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def run_one(name: str) -> dict[str, Any]:
    module = importlib.import_module(f"benchmarks.bench_{name}")
    start = time.perf_counter()
    try:
        result = dict(module.run())
    except Exception:  # one broken bench must not hide the others' figures
        result = {"error": traceback.format_exc(limit=5)}
    result["_meta"] = {
        "seconds": round(time.perf_counter() - start, 1),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    return result


def main(argv: list[str]) -> int:
    names = argv or discover()
    unknown = sorted(set(names) - set(discover()))
    if unknown:
        print(f"unknown bench: {', '.join(unknown)}; have {', '.join(discover())}")
        return 2
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        print(f"running bench_{name} ...", flush=True)
        result = run_one(name)
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
        print(f"  done in {result['_meta']['seconds']} s", flush=True)
    write_readme()
    print(f"wrote {RESULTS / 'README.md'}")
    return 0


def write_readme() -> None:
    """Summarise every results/*.json into results/README.md."""
    results = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(RESULTS.glob("*.json"))}
    (RESULTS / "README.md").write_text(render(results), "utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
