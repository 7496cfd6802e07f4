"""Promise extraction measured on the hand-written cases in tests/data/promises.jsonl.

A predicted promise matches an expected one when their actions agree (case, spacing and
punctuation ignored); each expected promise is matched at most once. Reported:
* action precision/recall: matched promises over predicted / expected;
* due precision/recall: matches whose due instant is also exactly right (None == None);
* owner accuracy over matched promises; the ids of the cases that were not fully right.

Figures are given for all cases and per split: `dev` cases were written while the rules were
built; `holdout` cases were written afterwards and not used to tune the rules.

Run: `python -m benchmarks.bench_promises` (prints JSON); `run()` returns the same dict.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from calmdesk.analysis.promises.commitments import extract_commitments
from calmdesk.domain import Commitment

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "promises.jsonl"


def _norm(action: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", action.lower())).strip()


def _due(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def load_cases(path: Path = CASES) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def predict(case: dict[str, Any]) -> list[Commitment]:
    return extract_commitments(
        case["text"],
        datetime.fromisoformat(case["now"]),
        case.get("tz", "UTC"),
        case.get("business_days", "Mon,Tue,Wed,Thu,Fri"),
    )


def _score_case(case: dict[str, Any], found: list[Commitment]) -> tuple[int, int, int]:
    """(action matches, due matches, owner matches) for one case."""
    left = list(case["expected"])
    actions = dues = owners = 0
    for got in found:
        hit = next((e for e in left if _norm(e["action"]) == _norm(got.action)), None)
        if hit is None:
            continue
        left.remove(hit)
        actions += 1
        dues += _due(hit["due"]) == got.due
        owners += hit["owner"] == got.owner
    return actions, dues, owners


def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 1.0


def _score(cases: list[dict[str, Any]]) -> dict[str, Any]:
    predicted = expected = actions = dues = owners = 0
    wrong: list[str] = []
    for case in cases:
        found = predict(case)
        a, d, o = _score_case(case, found)
        predicted, expected = predicted + len(found), expected + len(case["expected"])
        actions, dues, owners = actions + a, dues + d, owners + o
        if not (a == d == o == len(found) == len(case["expected"])):
            wrong.append(case["id"])
    return {
        "cases": len(cases),
        "expected_promises": expected,
        "predicted_promises": predicted,
        "action_precision": _ratio(actions, predicted),
        "action_recall": _ratio(actions, expected),
        "due_precision": _ratio(dues, predicted),
        "due_recall": _ratio(dues, expected),
        "owner_accuracy": _ratio(owners, actions),
        "cases_not_fully_right": wrong,
    }


def run() -> dict[str, Any]:
    """Score every case; return precision/recall of action and exact due date, per split too."""
    cases = load_cases()
    predict({"text": "I'll call you on 3 March.", "now": "2026-11-25T10:00:00+00:00"})  # warm-up
    started = time.perf_counter()
    result = _score(cases)
    elapsed = time.perf_counter() - started
    for split in ("dev", "holdout"):
        part = [c for c in cases if c.get("split", "dev") == split]
        result[split] = {k: v for k, v in _score(part).items() if k != "cases_not_fully_right"}
    result["ms_per_case"] = round(1000 * elapsed / max(len(cases), 1), 3)
    result["ms_worst_20k_chars"] = _worst_case_ms()
    return result


def _worst_case_ms() -> float:
    """Slowest of a few 20,000-character replies packed with promise openings."""
    now = datetime.fromisoformat("2026-11-25T10:00:00+00:00")
    texts = ["I will " * 2800, "I'll call you by Friday, " * 800, "A refund will arrive by " * 800]
    worst = 0.0
    for text in texts:
        runs = []
        for _ in range(3):  # best of three: the shared machine adds noise, not the code
            started = time.perf_counter()
            extract_commitments(text[:20_000], now, "Europe/Berlin")
            runs.append(time.perf_counter() - started)
        worst = max(worst, min(runs))
    return round(1000 * worst, 1)


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
