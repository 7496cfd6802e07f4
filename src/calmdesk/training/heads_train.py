"""`calmdesk models train`: rebuild `analysis/models/heads.npz` from the shared data.

Each head's training rows (labels mapped onto calmdesk's own; soft labels become two weighted rows):
- emotion: a fixed quarter of GoEmotions train (28 labels mapped by `GOEMOTIONS_MAP`; the quarter
  keeps training within minutes on two cores) + TweetEval emotion train + customer-service text
  at half weight (Bitext requests neutral, flagged ones anger/frustration; complaints frustration);
- anger: the same texts; anger/disgust 1, annoyance half, Bitext's flagged ones 1, the rest 0;
- offensive: TweetEval offensive train, TweetEval hate train's hateful tweets, Bitext's flagged
  utterances and a fixed eighth of its others;
- complaint: the complaints corpus without its held-out fold;
- politeness: Stanford Politeness without its held-out fold; polite 1, impolite 0, middle half.
Every row is read with the multilingual encoder (`analysis.language.encoder`), the one the analysis
reads every text with. Same data and code give the same file: no randomness is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from calmdesk.analysis.heads import ARTEFACT, BINARY_HEADS, LinearHeads
from calmdesk.domain.errors import MalformedInput
from calmdesk.domain.signals import EMOTIONS
from calmdesk.training import data as d
from calmdesk.training.embeddings import embed
from calmdesk.training.fit import DEFAULT_SETTINGS, FitSettings, fit_featurizer, fit_logistic

__all__ = ["GOEMOTIONS_MAP", "TWEETEVAL_MAP", "Rows", "head_rows", "train_heads"]

GOEMOTIONS_MAP: dict[str, str] = {
    **dict.fromkeys(("anger", "disgust"), "anger"),
    **dict.fromkeys(("annoyance", "disapproval"), "frustration"),
    **dict.fromkeys(
        ("sadness", "disappointment", "grief", "remorse", "embarrassment"), "sadness"
    ),
    **dict.fromkeys(("fear", "nervousness"), "anxiety"),
    "confusion": "confusion",
    **dict.fromkeys(
        (
            "admiration", "amusement", "approval", "caring", "excitement", "gratitude",
            "joy", "love", "optimism", "pride", "relief", "desire",
        ),
        "satisfaction",
    ),
    **dict.fromkeys(("neutral", "curiosity", "realization", "surprise"), "neutral"),
}  # fmt: skip
TWEETEVAL_MAP = {"anger": "anger", "joy": "satisfaction", "optimism": "satisfaction"}
TWEETEVAL_MAP["sadness"] = "sadness"


@dataclass(slots=True)
class Rows:
    """Training rows of one head: texts, their vectors, integer labels and weights."""

    texts: list[str] = field(default_factory=list)
    vectors: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def add(self, text: str, vector: np.ndarray, label: int, weight: float = 1.0) -> None:
        self.texts.append(text)
        self.vectors.append(vector)
        self.labels.append(label)
        self.weights.append(weight)

    def add_soft(self, text: str, vector: np.ndarray, p: float) -> None:
        """A row whose label is a probability: p of it positive, 1-p negative."""
        for label, w in ((1, p), (0, 1.0 - p)):
            if w > 0:
                self.add(text, vector, label, w)


def _vectors(data: d.Labelled) -> np.ndarray:
    if data.vectors is None:
        data.vectors = embed(data.texts, multilingual=True)
    return data.vectors


def _emotion_and_anger(root: Path, settings: FitSettings) -> tuple[Rows, Rows]:
    emotion, anger = Rows(), Rows()
    goemo = d.goemotions(root, "train")
    goemo = goemo.subset([d.fold_of(i, settings.goemotions_folds) == 0 for i in goemo.ids])
    for text, names, v in zip(goemo.texts, goemo.labels, _vectors(goemo), strict=True):
        mapped = sorted({GOEMOTIONS_MAP[n] for n in names if n in GOEMOTIONS_MAP})
        for name in mapped:
            emotion.add(text, v, EMOTIONS.index(name), 1.0 / len(mapped))
        angry = 1.0 if {"anger", "disgust"} & set(names) else 0.5 if "annoyance" in names else 0
        anger.add_soft(text, v, angry)
    tweets = d.tweeteval(root, "emotion", "train")
    for text, label, v in zip(tweets.texts, tweets.labels, _vectors(tweets), strict=True):
        emotion.add(text, v, EMOTIONS.index(TWEETEVAL_MAP[label]))
        anger.add(text, v, int(label == "anger"))
    _support_emotions(root, settings, emotion, anger)
    return emotion, anger


def _support_emotions(root: Path, settings: FitSettings, emotion: Rows, anger: Rows) -> None:
    """Customer-service text, so plain requests read as neutral (weights are half a row)."""
    support = _bitext(root, settings)
    for text, label, v in zip(support.texts, support.labels, _vectors(support), strict=True):
        if label == "1":
            emotion.add(text, v, EMOTIONS.index("anger"), 0.25)
            emotion.add(text, v, EMOTIONS.index("frustration"), 0.25)
        else:
            emotion.add(text, v, EMOTIONS.index("neutral"), 0.5)
        anger.add(text, v, int(label == "1"), 0.5)
    rest, _ = _with_split(d.complaints(root))
    for text, label, v in zip(rest.texts, rest.labels, _vectors(rest), strict=True):
        if label == "complaint":
            emotion.add(text, v, EMOTIONS.index("frustration"), 0.5)


def _bitext(root: Path, settings: FitSettings) -> d.Labelled:
    """Bitext's offensive-flagged utterances and a fixed share of the others."""
    support = d.bitext(root)
    keep = [
        y == "1" or d.fold_of(i, settings.bitext_folds) == 0
        for i, y in zip(support.ids, support.labels, strict=True)
    ]
    return support.subset(keep)


def _with_split(full: d.Labelled) -> tuple[d.Labelled, d.Labelled]:
    _vectors(full)
    return full.split()


def _offensive(root: Path, settings: FitSettings) -> Rows:
    rows = Rows()
    off = d.tweeteval(root, "offensive", "train")
    for text, label, v in zip(off.texts, off.labels, _vectors(off), strict=True):
        rows.add(text, v, int(label == "offensive"))
    hate = d.tweeteval(root, "hate", "train")
    for text, label, v in zip(hate.texts, hate.labels, _vectors(hate), strict=True):
        if label == "hate":
            rows.add(text, v, 1)
    support = _bitext(root, settings)
    for text, label, v in zip(support.texts, support.labels, _vectors(support), strict=True):
        rows.add(text, v, int(label == "1"))
    return rows


def _complaint(root: Path, settings: FitSettings) -> Rows:
    rows = Rows()
    rest, _ = _with_split(d.complaints(root))
    for text, label, v in zip(rest.texts, rest.labels, _vectors(rest), strict=True):
        rows.add(text, v, int(label == "complaint"))
    return rows


def _politeness(root: Path, settings: FitSettings) -> Rows:
    rows = Rows()
    rest, _ = _with_split(d.politeness(root))
    score = {"polite": 1.0, "middle": 0.5, "impolite": 0.0}
    for text, label, v in zip(rest.texts, rest.labels, _vectors(rest), strict=True):
        rows.add_soft(text, v, score[label])
    return rows


def head_rows(root: Path, settings: FitSettings = DEFAULT_SETTINGS) -> dict[str, Rows]:
    """Every head's training rows, read from the data folder `root`."""
    emotion, anger = _emotion_and_anger(root, settings)
    readers: dict[str, Callable[[Path, FitSettings], Rows]] = {
        "offensive": _offensive,
        "complaint": _complaint,
        "politeness": _politeness,
    }
    return {"emotion": emotion, "anger": anger} | {k: f(root, settings) for k, f in readers.items()}


def train_heads(
    root: Path, out: Path = ARTEFACT, settings: FitSettings = DEFAULT_SETTINGS
) -> LinearHeads:
    """Fit the featurizer on every head's texts, then each head, and write the artefact."""
    rows = head_rows(root, settings)
    for name, r in rows.items():
        wanted = len(EMOTIONS) if name == "emotion" else 2
        if len(set(r.labels)) < wanted:
            raise MalformedInput(f"The data in {root} lacks examples of some {name} labels.")
    corpus = sorted({t for r in rows.values() for t in r.texts})
    featurizer = fit_featurizer(corpus, settings)
    coefs, biases, columns, start = [], [], {}, 0
    for name in ("emotion", *BINARY_HEADS):
        r = rows[name]
        x = featurizer.transform(r.texts, np.vstack(r.vectors))
        coef, bias = fit_logistic(x, r.labels, r.weights, settings)
        coefs.append(coef)
        biases.append(bias)
        columns[name] = (start, start + coef.shape[1])
        start += coef.shape[1]
    heads = LinearHeads(featurizer, np.hstack(coefs), np.concatenate(biases), columns)
    out.parent.mkdir(parents=True, exist_ok=True)
    heads.save(out)
    return heads
