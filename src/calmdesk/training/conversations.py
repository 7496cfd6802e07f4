"""Conversations Gone Awry: will a conversation derail, judged from the turns before the last.

A conversation is represented by the mean sentence vector of its turns (the last of them counted
twice, as the freshest) and the TF-IDF of their joined text; the head is the same logistic
regression as the others. With no `--test` file the figure is five-fold cross-validation with the
folds fixed by a hash of the conversation id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from calmdesk.training import data as d
from calmdesk.training.embeddings import embed
from calmdesk.training.fit import FitSettings, macro_f1
from calmdesk.training.single import EvalResult, single_label

__all__ = ["as_labelled", "evaluate_cga"]

FOLDS = 5


def as_labelled(conversations: list[d.Conversation]) -> d.Labelled:
    """One row a conversation: joined turns, label "derailed"/"civil", pooled vectors."""
    turns = [t for c in conversations for t in c.turns]
    vectors = embed(turns, multilingual=True)  # the encoder the analysis reads turns with
    out, start = d.Labelled(), 0
    pooled = []
    for c in conversations:
        block = vectors[start : start + len(c.turns)]
        start += len(c.turns)
        weights = np.ones(len(block))
        if len(block):
            weights[-1] = 2.0
        mean = (block * weights[:, None]).sum(axis=0) if len(block) else np.zeros(vectors.shape[1])
        pooled.append(mean / max(float(np.linalg.norm(mean)), 1e-9))
        out.add("\n".join(c.turns), "derailed" if c.derailed else "civil", c.id)
    out.vectors = np.asarray(pooled, dtype=np.float32).reshape(len(conversations), -1)
    return out


def _f1_derailed(truth: list[str], predicted: list[str]) -> float:
    t = [int(y == "derailed") for y in truth]
    p = [int(y == "derailed") for y in predicted]
    return macro_f1(t, p, [1])


def evaluate_cga(
    root: Path, train: Path | None, test: Path | None, settings: FitSettings
) -> EvalResult:
    """F1 of the class "derailed" (and accuracy) on held-out conversations."""
    if train is not None and test is not None:
        train_set, test_set = as_labelled(d.cga(train)), as_labelled(d.cga(test))
        result = single_label(train_set, test_set, settings)
        f1 = _f1_derailed(test_set.labels, [str(p) for p in result.predictions])
        return EvalResult("cga", {"f1": f1, **result.metrics}, len(train_set), len(test_set))
    full = as_labelled(d.cga(train or root / "cga" / "cmv.jsonl"))
    truth: list[str] = []
    predicted: list[str] = []
    for fold in range(FOLDS):
        rest, held = full.split(fold, FOLDS)
        result = single_label(rest, held, settings)
        truth += [str(y) for y in held.labels]
        predicted += [str(p) for p in result.predictions]
    accuracy = float(np.mean(np.asarray(truth) == np.asarray(predicted)))
    f1 = _f1_derailed(truth, predicted)
    notes = f"{FOLDS}-fold cross-validation by conversation id"
    return EvalResult("cga", {"f1": f1, "accuracy": accuracy}, len(full), len(full), notes)
