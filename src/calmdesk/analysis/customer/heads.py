"""The customer heads over the multilingual encoder: sarcasm, cause topic, and the mood heads
that read turns not in English.

One linear model per head over one feature row: the multilingual sentence vector
(`analysis.language.encoder`, 512-d), word and character TF-IDF and the surface cues, the same
`Featurizer` as `analysis.heads`; only the offensive head has character-gram weights (the
others' are zero). Heads:
- `sarcasm`: iSarcasmEval (authors' own labels), English;
- `cause`: the topic of the turn over `CAUSE_TOPICS` (Bitext and banking77 intents mapped to
  calmdesk causes, project-written sentences and the dev part of the project's labelled set);
  whether it is a complaint at all stays with the complaint head;
- `emotion` (7 classes), `anger`, `offensive`, `complaint`, `politeness`: BRIGHTER (de/es/pt),
  GermEval 2018 and the English sets, so that German, Spanish, French, Portuguese and Italian turns
  get scores from a model that has read those languages (or shares their vector space).
Weights are plain arrays in `analysis/models/customer_heads.npz` (no pickle), written by
`calmdesk models train`; loaded once per process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calmdesk.analysis.artefact import Artefacts
from calmdesk.analysis.heads import LinearHeads, TextParts
from calmdesk.analysis.language import encoder as multilingual
from calmdesk.domain.errors import MalformedInput, ModelUnavailable
from calmdesk.domain.signals import EMOTIONS, Cause

__all__ = ["ARTEFACT", "BINARY", "CAUSE_TOPICS", "CustomerHeadScores", "load", "predict"]

ARTEFACT = Path(__file__).resolve().parent.parent / "models" / "customer_heads.npz"
CAUSE_TOPICS: tuple[str, ...] = tuple(
    c.value for c in Cause if c is not Cause.NONE
)  # the named causes, then "other" (any other topic)
BINARY: tuple[str, ...] = ("sarcasm", "anger", "offensive", "complaint", "politeness")


@dataclass(frozen=True, slots=True)
class CustomerHeadScores:
    """Scores of n texts: `cause` (n, len(CAUSE_TOPICS)) and `emotion` (n, 7) rows sum to 1;
    `vectors` are the multilingual vectors they were read from (the learned signals read them)."""

    sarcasm: np.ndarray
    cause: np.ndarray
    emotion: np.ndarray
    anger: np.ndarray
    offensive: np.ndarray
    complaint: np.ndarray
    politeness: np.ndarray
    vectors: np.ndarray

    def __len__(self) -> int:
        return int(self.sarcasm.shape[0])

    def causes(self, i: int) -> dict[str, float]:
        return {name: float(p) for name, p in zip(CAUSE_TOPICS, self.cause[i], strict=True)}

    def emotions(self, i: int) -> dict[str, float]:
        return {name: float(p) for name, p in zip(EMOTIONS, self.emotion[i], strict=True)}


def _read(path: Path) -> LinearHeads:
    heads = LinearHeads.read(path)
    if heads.featurizer.dim != multilingual.DIM:
        raise ModelUnavailable(f"{path} was not trained on the multilingual encoder.")
    return heads


_artefacts = Artefacts(_read, "customer heads")


def load(path: Path = ARTEFACT) -> LinearHeads:
    """The customer heads in `path`, read once per process."""
    return _artefacts.get(path)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def predict(
    texts: Sequence[str],
    vectors: np.ndarray | None = None,
    path: Path = ARTEFACT,
    *,
    parts: Sequence[TextParts] | None = None,
    offensive_for: Sequence[bool] | None = None,
) -> CustomerHeadScores:
    """Score `texts`; pass `vectors` from `language.encoder.encode(texts)` to encode once, and
    `parts` from `analysis.heads.text_parts(texts)` when other heads read the same texts.

    `offensive_for`: which texts need the offensive head (the scoring passes the turns not in
    English, whose offensive score comes from here); only those are split into the character
    grams it alone reads, and the others' `offensive` is NaN. Default: every text."""
    if isinstance(texts, str | bytes) or not all(isinstance(t, str) for t in texts):
        raise MalformedInput("predict() takes a list of texts (str).")
    clean = list(texts)
    if parts is not None and len(parts) != len(clean):
        raise MalformedInput("predict() takes one TextParts per text.")
    if offensive_for is not None and len(offensive_for) != len(clean):
        raise MalformedInput("predict() takes one offensive_for flag per text.")
    if vectors is None:
        vectors = multilingual.encode(clean)
    if vectors.shape != (len(clean), multilingual.DIM):
        raise MalformedInput(f"vectors must have shape ({len(clean)}, {multilingual.DIM}).")
    heads = load(path)
    z = heads.logits(clean, vectors, parts, offensive_for)

    def block(name: str) -> np.ndarray:
        start, end = heads.columns[name]
        return z[:, start:end]

    binary = {name: _sigmoid(block(name)[:, 0]) for name in BINARY}
    if offensive_for is not None:
        binary["offensive"][~np.asarray(offensive_for, bool)] = np.nan
    return CustomerHeadScores(
        cause=_softmax(block("cause")),
        emotion=_softmax(block("emotion")),
        vectors=np.asarray(vectors, dtype=np.float32),
        **binary,
    )
