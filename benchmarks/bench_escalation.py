"""Does `escalation_risk` see trouble coming? Measured on Conversations Gone Awry (CMV).

Each conversation's comments before the last one are read as customer turns (the corpus has no
agents); the label says whether the conversation later derailed into a personal attack. Reported:
ROC-AUC of `escalation_risk`, of the last turn's `upset` and of the largest `abuse` seen, and the
accuracy at risk >= 0.5. Published CRAFT reaches F1 about 65-68 on this task with a model trained
for it; calmdesk's risk is not trained on it at all, so this is a check of direction, not a match.

Run: `python -m benchmarks.bench_escalation` (prints JSON); `run()` returns the same dict.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from calmdesk.analysis import analyze_many
from calmdesk.config import default_data_dir
from calmdesk.domain import Conversation, CustomerSignals, Role, Turn


def load(data_dir: Path | None = None) -> list[tuple[Conversation, bool]]:
    path = (data_dir or default_data_dir()) / "cga" / "cmv.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [
        (
            Conversation(str(r["convo_id"]), tuple(Turn(Role.CUSTOMER, t) for t in r["context"])),
            bool(r["label"]),
        )
        for r in rows
    ]


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def run() -> dict[str, Any]:
    cases = load()
    labels = [y for _, y in cases]
    start = time.perf_counter()
    results = list(analyze_many(c for c, _ in cases))
    seconds = time.perf_counter() - start
    risk = [r.escalation_risk for r in results]
    customer = [
        [t.signals for t in r.turns if isinstance(t.signals, CustomerSignals)] for r in results
    ]
    upset = [s[-1].upset if s else 0.0 for s in customer]
    abuse = [max((t.abuse for t in s), default=0.0) for s in customer]
    hits = sum((r >= 0.5) == y for r, y in zip(risk, labels, strict=True))
    return {
        "conversations": len(cases),
        "roc_auc_escalation_risk": round(roc_auc(risk, labels), 4),
        "roc_auc_last_upset": round(roc_auc(upset, labels), 4),
        "roc_auc_max_abuse": round(roc_auc(abuse, labels), 4),
        "accuracy_risk_at_0_5": round(hits / len(cases), 4),
        "seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
