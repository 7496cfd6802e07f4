"""Reply signals on the project's labelled replies: ROC AUC on the TEST split beside baselines.

The test split of `tests/data/labelled/agent_replies.jsonl` is read here and nowhere else (the
heads train on the dev split). For each signal, in one run:
* `calmdesk`: the score the review reports and its checks use (`review_draft`: learned heads
  combined with the lexicon), the reply reviewed after its customer turns;
* `learned`: the reply heads alone (`model.score_replies`);
* `lexicon`: the rule scores the review used before the heads (`signals.rule_scores`);
* `regex` (apology): `sorry|apolog` in the reply; `qmark` (asks_question): "?" in the reply.
Dev figures (5-fold cross-validation inside dev, from the artefact) are listed beside them.
Target: ROC AUC >= 0.90 for every signal.

Run: `python -m benchmarks.run replies` (or `python -m benchmarks.bench_replies`).
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from typing import Any

TARGET = 0.90


def _baselines(reply: str) -> dict[str, float]:
    return {
        "regex": 1.0 if re.search(r"sorry|apolog", reply, re.IGNORECASE) else 0.0,
        "qmark": 1.0 if "?" in reply else 0.0,
    }


def run() -> dict[str, Any]:
    from calmdesk.analysis.reply import review_draft
    from calmdesk.analysis.reply.context import ReviewContext, customer_state, draft_hits
    from calmdesk.analysis.reply.model import SIGNALS, load, score_replies
    from calmdesk.analysis.reply.playbook import default_playbook
    from calmdesk.analysis.reply.signals import rule_scores
    from calmdesk.domain import Role, Turn, TurnAnalysis
    from calmdesk.training.reply_train import read_replies, roc_auc

    test = read_replies(split="test")
    truth: dict[str, list[int]] = {s: [r.labels[s] for r in test] for s in SIGNALS}
    shown: dict[str, dict[str, list[float]]] = {
        k: {s: [] for s in SIGNALS} for k in ("calmdesk", "learned", "lexicon")
    }
    base: dict[str, list[float]] = {"regex": [], "qmark": []}
    learned = score_replies([r.reply for r in test], [r.context for r in test])
    start = time.perf_counter()
    for row, heads in zip(test, learned, strict=True):
        history = [Turn(Role.CUSTOMER, t) for t in row.context]
        analyses = [TurnAnalysis(Role.CUSTOMER, None) for _ in history]
        review = review_draft(row.reply, history, analyses)
        ctx = ReviewContext(
            row.reply, customer_state(history, analyses), default_playbook(), draft_hits(row.reply)
        )
        rules = rule_scores(ctx)
        for s in SIGNALS:
            shown["calmdesk"][s].append(float(getattr(review, s)))
            shown["learned"][s].append(heads[s])
            shown["lexicon"][s].append(rules[s])
        for k, v in _baselines(row.reply).items():
            base[k].append(v)
    seconds = time.perf_counter() - start
    meta = load().meta
    rows = []
    for s in SIGNALS:
        row_out: dict[str, Any] = {"signal": s, "positives": sum(truth[s]), "n": len(test)}
        for k in shown:
            row_out[k] = round(roc_auc(truth[s], shown[k][s]), 3)
        if s == "apology":
            row_out["regex"] = round(roc_auc(truth[s], base["regex"]), 3)
        if s == "asks_question":
            row_out["qmark"] = round(roc_auc(truth[s], base["qmark"]), 3)
        row_out["dev_cv"] = meta["heads"][s]["cv_auc"]
        row_out["met"] = row_out["calmdesk"] >= TARGET
        rows.append(row_out)
    return {
        "kind": "replies",
        "test_rows": len(test),
        "dev_rows": meta["dev_rows"],
        "target_roc_auc": TARGET,
        "signals": rows,
        "review_ms_per_reply": round(1000 * seconds / max(1, len(test)), 2),
        "heads": {s: dataclasses.asdict(_Choice(**meta["heads"][s])) for s in SIGNALS},
    }


@dataclasses.dataclass
class _Choice:
    c: float
    public_weight: float
    cv_auc: float


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
