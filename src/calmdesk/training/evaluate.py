"""`calmdesk eval TASK`: train a head for a standard dataset and report the literature's metric.

Splits (the test splits are kept back by the data's owners, so figures are on dev data):
- tweeteval-emotion / tweeteval-offensive: train -> val; macro-F1.
- goemotions: a fixed quarter of train (`fold_of(id, 4) == 0`, as the product heads use) -> dev;
  macro-F1 over the 28 labels (multi-label: the top label plus any other above 0.3).
- politeness: polite vs impolite quartiles of both communities; rows with `fold_of(id) == 0` held
  out; macro-F1.
- complaints: complaint vs not; `fold_of(id) == 0` held out; macro-F1.
- banking77: only train is here, so `fold_of(row) == 0` (20%) is held out; accuracy.
- clinc150: train + oos_train -> val + oos_val; in-scope accuracy and out-of-scope recall.
- cga: derailment from the turns before the last; five folds by conversation id; F1 of "derailed".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from calmdesk.domain.errors import UnsupportedValue
from calmdesk.training import data as d
from calmdesk.training.fit import DEFAULT_SETTINGS, FitSettings, macro_f1
from calmdesk.training.single import EvalResult, single_label, train_predict, with_vectors

__all__ = ["TASKS", "EvalResult", "evaluate", "single_label", "task_splits"]

GOEMOTIONS_THRESHOLD = 0.3


def _splits_for(task: str, root: Path, s: FitSettings) -> tuple[d.Labelled, d.Labelled]:
    if task in ("tweeteval-emotion", "tweeteval-offensive"):
        name = task.split("-")[1]
        return d.tweeteval(root, name, "train"), d.tweeteval(root, name, "val")
    if task == "goemotions":
        train = d.goemotions(root, "train")
        quarter = train.subset([d.fold_of(i, s.goemotions_folds) == 0 for i in train.ids])
        return quarter, d.goemotions(root, "dev")
    if task == "politeness":
        full = with_vectors(d.politeness(root))
        return full.subset([y != "middle" for y in full.labels]).split()
    if task == "complaints":
        return with_vectors(d.complaints(root)).split()
    if task == "banking77":
        return with_vectors(d.banking77(root)).split()
    if task == "clinc150":
        return d.clinc150(root, "train"), d.clinc150(root, "val")
    raise UnsupportedValue(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")


def task_splits(
    task: str,
    root: Path,
    train: Path | None = None,
    test: Path | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
) -> tuple[d.Labelled, d.Labelled]:
    """The (train, test) sets of a text task; `train`/`test` CSV files replace the defaults."""
    needs_default = train is None or test is None
    empty = (d.Labelled(), d.Labelled())
    default_train, default_test = _splits_for(task, root, settings) if needs_default else empty
    multi = task == "goemotions"
    return (
        _read_file(train, multi) if train else default_train,
        _read_file(test, multi) if test else default_test,
    )


def _read_file(path: Path, multi: bool) -> d.Labelled:
    out = d.Labelled()
    for number, row in enumerate(d.read_rows(path)):
        label = tuple(row["label"].split(";")) if multi else row["label"]
        out.add(row["text"], label, row.get("id") or f"{path.name}:{number}")
    return out


def _goemotions(train: d.Labelled, test: d.Labelled, s: FitSettings) -> EvalResult:
    texts, labels, weights, vectors = [], [], [], []
    base = with_vectors(train).vectors
    assert base is not None
    for i, (text, names) in enumerate(zip(train.texts, train.labels, strict=True)):
        for name in names:
            texts.append(text)
            labels.append(name)
            weights.append(1.0 / len(names))
            vectors.append(i)
    expanded = d.Labelled(texts, labels, [str(i) for i in vectors], base[vectors])
    probs, classes = train_predict(expanded, test, s, weights)
    chosen = (probs >= GOEMOTIONS_THRESHOLD) | (probs == probs.max(axis=1, keepdims=True))
    truth = np.array([[c in names for c in classes] for names in test.labels])
    pairs = [(truth[:, k].astype(int), chosen[:, k].astype(int)) for k in range(len(classes))]
    f1s = [macro_f1(t.tolist(), p.tolist(), [1]) for t, p in pairs]
    return EvalResult("", {"macro_f1": float(np.mean(f1s))}, len(train), len(test))


def _clinc(train: d.Labelled, test: d.Labelled, s: FitSettings) -> EvalResult:
    result = single_label(train, test, s)
    preds = np.asarray(result.predictions)
    truth = np.asarray([str(y) for y in test.labels])
    inscope = truth != "oos"
    result.metrics = {
        "in_scope_accuracy": float(np.mean(preds[inscope] == truth[inscope])),
        "oos_recall": float(np.mean(preds[~inscope] == "oos")),
    }
    return result


_Runner = Callable[[d.Labelled, d.Labelled, FitSettings], EvalResult]
TASKS: dict[str, _Runner] = {
    "tweeteval-emotion": single_label,
    "tweeteval-offensive": single_label,
    "goemotions": _goemotions,
    "politeness": single_label,
    "complaints": single_label,
    "banking77": single_label,
    "clinc150": _clinc,
    "cga": single_label,  # replaced by the conversation runner in `evaluate`
}


def evaluate(
    task: str,
    root: Path,
    train: Path | None = None,
    test: Path | None = None,
    settings: FitSettings = DEFAULT_SETTINGS,
) -> EvalResult:
    """Train the head for `task` and measure it on the held-out data."""
    if task not in TASKS:
        raise UnsupportedValue(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    if task == "cga":
        from calmdesk.training.conversations import evaluate_cga

        return replace(evaluate_cga(root, train, test, settings), task=task)
    train_set, test_set = task_splits(task, root, train, test, settings)
    return replace(TASKS[task](train_set, test_set, settings), task=task)
