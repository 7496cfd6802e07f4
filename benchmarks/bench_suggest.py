"""Offline suggestions for the demo conversations: how many pass every applicable check, and speed.

For each demo conversation (`calmdesk/demo/conversations.yaml`) the suggestion answers the turns up
to and including the last customer turn. The analysis is not run (signals are None), so the
composer and the review read cues in the words only: the figure is a floor for what the full
pipeline gives. Reported: pass rate, failures per check, and latency per suggestion (p50, p99).

Run: `python -m benchmarks.bench_suggest`; `run()` returns the same dict.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import yaml

from calmdesk.analysis.suggest import failed_checks, suggest_reply
from calmdesk.domain import Conversation, Role, Turn

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
REPEATS = 5


def demo_conversations() -> list[Conversation]:
    text = resources.files("calmdesk").joinpath("demo/conversations.yaml").read_text("utf-8")
    out = []
    for raw in yaml.safe_load(text)["conversations"]:
        turns = [Turn(Role(role), said, NOW) for t in raw["turns"] for role, said in t.items()]
        out.append(Conversation(str(raw["id"]), tuple(turns)))
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run() -> dict[str, Any]:
    """Suggest for every demo conversation; pass rate, failures per check, latency."""
    conversations = demo_conversations()
    failures: Counter[str] = Counter()
    failing_ids: list[str] = []
    times: list[float] = []
    for conv in conversations:
        for _ in range(REPEATS):
            started = time.perf_counter()
            suggestion = suggest_reply(conv, None, now=NOW)
            times.append(1000 * (time.perf_counter() - started))
        failed = failed_checks(suggestion.review)
        failures.update(failed)
        if failed:
            failing_ids.append(f"{conv.id}: {', '.join(failed)}")
    passing = len(conversations) - len(failing_ids)
    return {
        "conversations": len(conversations),
        "pass_all_applicable_checks": passing,
        "pass_rate": round(passing / max(len(conversations), 1), 4),
        "failures_per_check": dict(sorted(failures.items())),
        "failing": failing_ids,
        "latency_ms_p50": round(statistics.median(times), 2),
        "latency_ms_p99": round(_percentile(times, 0.99), 2),
        "signals": "none (cues in the words only)",
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
