"""Accuracy per dev task: calmdesk's head beside VADER, TextBlob and alt-profanity-check.

calmdesk's figure is exactly `calmdesk eval TASK`. The baselines are mapped to each task by
`baselines.fit_and_predict` on the same training split and scored on the same held-out split;
for GoEmotions they learn each text's first label and predict one label per text.

Run: `python -m benchmarks.bench_accuracy [--save] [TASK ...]` (prints JSON; `--save` merges the
rows into results/accuracy.json and rewrites results/README.md); `run()` returns the dict.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.baselines import BASELINES, Scorer, fit_and_predict
from calmdesk.config import default_data_dir
from calmdesk.training import data as d
from calmdesk.training.conversations import FOLDS, as_labelled
from calmdesk.training.evaluate import TASKS, evaluate, task_splits
from calmdesk.training.fit import macro_f1

PRIMARY = {
    "tweeteval-emotion": "macro_f1",
    "tweeteval-offensive": "macro_f1",
    "goemotions": "macro_f1",
    "politeness": "macro_f1",
    "complaints": "macro_f1",
    "banking77": "accuracy",
    "clinc150": "in_scope_accuracy",
    "cga": "f1",
}
PUBLISHED = {
    "tweeteval-emotion": "RoBERTa-base 76.1, BERTweet 79.3 (test)",
    "tweeteval-offensive": "RoBERTa-base 79.5-80.5 (test)",
    "goemotions": "BERT 46 (test)",
    "banking77": "BERT 93.7 (test)",
    "clinc150": "BERT 96.9 in-scope; OOS recall 40-52 (test)",
    "cga": "CRAFT 65-68 (test)",
}


def _single(truth: list[str], predicted: list[str]) -> dict[str, float]:
    classes = sorted(set(truth) | set(predicted))
    t = [classes.index(y) for y in truth]
    p = [classes.index(y) for y in predicted]
    accuracy = float(np.mean(np.asarray(t) == np.asarray(p)))
    return {"macro_f1": macro_f1(t, p, range(len(classes))), "accuracy": accuracy}


def _clinc(truth: list[str], predicted: list[str]) -> dict[str, float]:
    t, p = np.asarray(truth), np.asarray(predicted)
    inscope = t != "oos"
    return {
        "in_scope_accuracy": float(np.mean(p[inscope] == t[inscope])),
        "oos_recall": float(np.mean(p[~inscope] == "oos")),
    }


def _goemotions(scorer: Scorer, train: d.Labelled, test: d.Labelled) -> dict[str, float]:
    first = [names[0] for names in train.labels]
    predicted = fit_and_predict(scorer, train.texts, first, test.texts)
    classes = sorted({n for names in train.labels for n in names})
    f1s = []
    for c in classes:
        t = [int(c in names) for names in test.labels]
        f1s.append(macro_f1(t, [int(p == c) for p in predicted], [1]))
    return {"macro_f1": float(np.mean(f1s))}


def _cga(scorer: Scorer, root: Path) -> dict[str, float]:
    full = as_labelled(d.cga(root / "cga" / "cmv.jsonl"))
    truth: list[str] = []
    predicted: list[str] = []
    for fold in range(FOLDS):
        rest, held = full.split(fold, FOLDS)
        predicted += fit_and_predict(scorer, rest.texts, [str(y) for y in rest.labels], held.texts)
        truth += [str(y) for y in held.labels]
    f1 = macro_f1(
        [int(y == "derailed") for y in truth], [int(y == "derailed") for y in predicted], [1]
    )
    return {"f1": f1}


def baseline(task: str, scorer: Scorer, root: Path) -> dict[str, float]:
    """One baseline's metrics on `task`'s held-out split."""
    if task == "cga":
        return _cga(scorer, root)
    train, test = task_splits(task, root)
    if task == "goemotions":
        return _goemotions(scorer, train, test)
    predicted = fit_and_predict(scorer, train.texts, [str(y) for y in train.labels], test.texts)
    truth = [str(y) for y in test.labels]
    return _clinc(truth, predicted) if task == "clinc150" else _single(truth, predicted)


def _percent(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(100 * v, 1) for k, v in metrics.items()}


def run_task(task: str, root: Path) -> dict[str, Any]:
    start = time.perf_counter()
    ours = evaluate(task, root)
    row: dict[str, Any] = {"task": task, "metric": PRIMARY[task], "notes": ours.notes}
    row["calmdesk"] = _percent(ours.metrics)
    row["n_train"], row["n_test"] = ours.n_train, ours.n_test
    for name, scorer in BASELINES.items():
        row[name] = _percent(baseline(task, scorer, root))
    row["published"] = PUBLISHED.get(task, "")
    row["seconds"] = round(time.perf_counter() - start, 1)
    return row


def run(tasks: list[str] | None = None, root: Path | None = None) -> dict[str, Any]:
    """Every task's row; `tasks` limits the list."""
    chosen = tasks or list(TASKS)
    data_dir = root or default_data_dir()
    return {"kind": "accuracy", "tasks": [run_task(t, data_dir) for t in chosen]}


def save(rows: list[dict[str, Any]]) -> None:
    """Replace these tasks' rows in results/accuracy.json and rewrite the results README."""
    from benchmarks.run import RESULTS, write_readme

    path = RESULTS / "accuracy.json"
    old = json.loads(path.read_text("utf-8")) if path.is_file() else {"kind": "accuracy"}
    fresh = {r["task"]: r for r in rows}
    kept = [r for r in old.get("tasks", []) if r["task"] not in fresh]
    order = list(TASKS)
    old["tasks"] = sorted(kept + rows, key=lambda r: order.index(r["task"]))
    old["_meta"] = {"when": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
    path.write_text(json.dumps(old, indent=2) + "\n", "utf-8")
    write_readme()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--save"]
    result = run(args or None)
    if "--save" in sys.argv:
        save(result["tasks"])
    print(json.dumps(result, indent=2))
