"""One head fit on a training set and measured on a test set: what every `eval` task shares."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calmdesk.training import data as d
from calmdesk.training.embeddings import embed
from calmdesk.training.fit import FitSettings, fit_featurizer, fit_logistic, macro_f1

__all__ = ["EvalResult", "single_label", "train_predict", "with_vectors"]


@dataclass(slots=True)
class EvalResult:
    task: str
    metrics: dict[str, float]
    n_train: int
    n_test: int
    notes: str = ""
    predictions: list[object] = field(default_factory=list, repr=False)


def with_vectors(data: d.Labelled) -> d.Labelled:
    """`data` with its sentence vectors: the multilingual encoder's, as the product heads read."""
    if data.vectors is None:
        data.vectors = embed(data.texts, multilingual=True)
    return data


def train_predict(
    train: d.Labelled, test: d.Labelled, settings: FitSettings, weights: list[float] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Class probabilities of `test` (n, k) and the class names, from a head fit on `train`."""
    classes = sorted({str(y) for y in train.labels})
    index = {c: i for i, c in enumerate(classes)}
    featurizer = fit_featurizer(train.texts, settings)
    train_vectors: np.ndarray = with_vectors(train).vectors  # type: ignore[assignment]
    featurizer.dim = int(train_vectors.shape[1])  # whichever encoder the caller's vectors are from
    x_train = featurizer.transform(train.texts, train_vectors)
    coef, bias = fit_logistic(x_train, [index[str(y)] for y in train.labels], weights, settings)
    x_test = featurizer.transform(test.texts, with_vectors(test).vectors)  # type: ignore[arg-type]
    z = np.asarray(x_test @ coef) + bias
    if z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.stack([1 - p, p], axis=1), classes
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True), classes


def single_label(train: d.Labelled, test: d.Labelled, s: FitSettings) -> EvalResult:
    """Fit on `train`, predict the most likely class of each `test` text."""
    probs, classes = train_predict(train, test, s)
    predicted = probs.argmax(axis=1)
    truth = [classes.index(str(y)) if str(y) in classes else -1 for y in test.labels]
    f1 = macro_f1(truth, predicted.tolist(), range(len(classes)))
    acc = float(np.mean(np.asarray(truth) == predicted))
    preds = [classes[i] for i in predicted]
    return EvalResult("", {"macro_f1": f1, "accuracy": acc}, len(train), len(test), "", preds)
