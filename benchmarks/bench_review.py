"""Reply review measured: speed, per-check precision/recall, and politeness on public data.

* latency: `review_draft` of a typical draft after a 10-turn conversation whose signals are
  already computed (as in `calmdesk analyze`), p50/p99 over repeated runs;
* checks: per check, precision and recall of `fail` (the review's job is to flag what fails),
  and 3-way accuracy (pass / fail / not_needed), on `tests/data/replies.jsonl` (310 replies
  written for this project). Customer signals come from the real pipeline when its models load
  ("pipeline"), and from the review's own word cues alone ("rules"). Cases r001-r200 (`dev`) were
  used to tune the rules; r201-r310 (`holdout`) were not looked at while tuning;
* politeness: the review's rule-based `lexical_politeness` and the politeness head against the
  Stanford Politeness Corpus in `../shared/data/politeness` (polite vs impolite quartiles; rows
  with `fold_of(id) == 0`, the fold `calmdesk eval politeness` holds out).

Run: `python -m benchmarks.bench_review` (prints JSON); `run()` returns the same dict.
"""

from __future__ import annotations

import csv
import json
import statistics
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from calmdesk.analysis.reply import lexical_politeness, review_draft
from calmdesk.domain import CalmdeskError, Conversation, Role, Turn, TurnAnalysis

CASES_WRITTEN_AT = datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
"""When the labelled drafts count as written (a Tuesday morning): a promise "by 5pm today" is
judged the same whatever the clock says when the benchmark runs."""

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "replies.jsonl"
POLITENESS = ROOT.parent / "shared" / "data" / "politeness"

TEN_TURNS = [
    (
        Role.CUSTOMER,
        "Hi, I ordered a standing desk three weeks ago, order 44120, and it still hasn't arrived.",
    ),
    (Role.AGENT, "Sorry about that! Let me check the tracking for you."),
    (Role.CUSTOMER, "The tracking page just says 'label created' and nothing since."),
    (Role.AGENT, "Thanks. I've asked the warehouse for an update and will come back to you."),
    (Role.CUSTOMER, "That was two days ago and I heard nothing. I work from home and need it."),
    (Role.AGENT, "I understand. The warehouse says it was packed but missed the courier pickup."),
    (Role.CUSTOMER, "So it's just sitting there? Why did nobody tell me?"),
    (Role.AGENT, "You're right, we should have told you. I'm chasing it now."),
    (
        Role.CUSTOMER,
        "This is ridiculous. I've been patient but I'm really fed up now. I want it "
        "this week or my money back.",
    ),
]
TYPICAL_DRAFT = (
    "I'm really sorry - your desk has been stuck at the warehouse and nobody kept you informed, "
    "and I completely understand why you're fed up. I've booked it on tomorrow's express courier, "
    "so it will arrive by Friday at 5pm, and I'll email you the tracking number by 10am tomorrow. "
    "If it doesn't arrive by Friday, I'll refund you in full straight away. Does that work for you?"
)


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _history(case: dict[str, Any]) -> list[Turn]:
    return [Turn(Role(t["role"]), t["text"]) for t in case["turns"]]


def _pipeline_analyses(cases: list[dict[str, Any]]) -> list[list[TurnAnalysis]] | None:
    try:
        from calmdesk.analysis.pipeline import analyze_many

        convos = [Conversation(c["id"], tuple(_history(c))) for c in cases]
        return [a.turns for a in analyze_many(convos)]
    except (ImportError, CalmdeskError):
        return None


def _confusion(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    tp = sum(1 for e, p in pairs if e == p == "fail")
    fp = sum(1 for e, p in pairs if p == "fail" and e != "fail")
    fn = sum(1 for e, p in pairs if e == "fail" and p != "fail")
    return {
        "fail_precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "fail_recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "accuracy": round(sum(e == p for e, p in pairs) / len(pairs), 3),
        "expected": dict(Counter(e for e, _ in pairs)),
    }


def score_cases(
    cases: list[dict[str, Any]], analyses: list[list[TurnAnalysis]] | None
) -> dict[str, Any]:
    """Per-check figures for one source of customer signals, overall and per split."""
    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    wrong: dict[str, list[str]] = {}
    for i, case in enumerate(cases):
        history = _history(case)
        found = analyses[i] if analyses else [TurnAnalysis(t.role, None) for t in history]
        review = review_draft(case["draft"], history, found, now=CASES_WRITTEN_AT)
        got = {c.check: c.status.value for c in review.checks}
        for check, expected in case["expected"].items():
            for split in ("all", case.get("split", "dev")):
                pairs.setdefault((split, check), []).append((expected, got[check]))
            if got[check] != expected:
                wrong.setdefault(check, []).append(case["id"])
    out: dict[str, Any] = {}
    for (split, check), items in sorted(
        pairs.items(), key=lambda kv: (kv[0][0], int(kv[0][1][1:]))
    ):
        out.setdefault(split, {})[check] = _confusion(items)
    out["wrong_ids"] = {k: v[:15] for k, v in wrong.items()}
    return out


def latency(repeats: int = 300) -> dict[str, Any]:
    history = [Turn(role, text) for role, text in TEN_TURNS]
    analyses = _pipeline_analyses(
        [{"id": "ten", "turns": [{"role": t.role.value, "text": t.text} for t in history]}]
    )
    found = analyses[0] if analyses else [TurnAnalysis(t.role, None) for t in history]
    review_draft(TYPICAL_DRAFT, history, found, politeness=0.8)  # warm caches and imports
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        review_draft(TYPICAL_DRAFT, history, found, politeness=0.8)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    wall.sort()
    cpu.sort()
    return {
        "turns_before_draft": len(history),
        "repeats": repeats,
        "p50_ms": round(statistics.median(wall), 2),
        "p99_ms": round(wall[int(0.99 * (len(wall) - 1))], 2),
        "max_ms": round(wall[-1], 2),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p99_ms": round(cpu[int(0.99 * (len(cpu) - 1))], 2),
        "note": "wall time on a shared 2-core machine; cpu time excludes waiting for the core",
    }


def _politeness_rows() -> list[tuple[str, float, str]]:
    from calmdesk.training.data import fold_of

    rows: list[tuple[str, float, str]] = []
    for name in ("wikipedia", "stackexchange"):
        with (POLITENESS / f"{name}.csv").open(encoding="utf-8") as fh:
            rows += [
                (r["text"], float(r["score"]), r["label"])
                for r in csv.DictReader(fh)
                if fold_of(r["id"]) == 0
            ]
    return rows


def _auc(pos: list[float], neg: list[float]) -> float:
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 3)


def _spearman(a: list[float], b: list[float]) -> float:
    def ranks(x: list[float]) -> list[float]:
        order = sorted(range(len(x)), key=x.__getitem__)
        r = [0.0] * len(x)
        for rank, i in enumerate(order):
            r[i] = float(rank)
        return r

    ra, rb = ranks(a), ranks(b)
    return round(statistics.correlation(ra, rb), 3)


def _polite_figures(pred: list[float], rows: list[tuple[str, float, str]]) -> dict[str, Any]:
    pos = [p for p, r in zip(pred, rows, strict=True) if r[2] == "polite"]
    neg = [p for p, r in zip(pred, rows, strict=True) if r[2] == "impolite"]
    hits = sum(p >= 0.5 for p in pos) + sum(p < 0.5 for p in neg)
    return {
        "auc_polite_vs_impolite": _auc(pos, neg),
        "accuracy_at_0_5": round(hits / (len(pos) + len(neg)), 3),
        "spearman_with_score": _spearman(pred, [r[1] for r in rows]),
        "polite": len(pos),
        "impolite": len(neg),
        "all_rows": len(rows),
    }


def politeness() -> dict[str, Any]:
    if not POLITENESS.is_dir():
        return {"skipped": f"{POLITENESS} not found"}
    rows = _politeness_rows()
    texts = [r[0] for r in rows]
    out: dict[str, Any] = {"rules": _polite_figures([lexical_politeness(t) for t in texts], rows)}
    try:
        from calmdesk.analysis.heads import predict

        head = [float(x) for x in predict(texts).politeness]
        out["head"] = _polite_figures(head, rows)
    except (ImportError, CalmdeskError) as exc:
        out["head"] = {"skipped": str(exc)}
    return out


def run() -> dict[str, Any]:
    cases = load_cases()
    analyses = _pipeline_analyses(cases)
    return {
        "cases": len(cases),
        "latency": latency(),
        "checks_pipeline": score_cases(cases, analyses) if analyses else {"skipped": "no models"},
        "checks_rules": score_cases(cases, None),
        "politeness": politeness(),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
