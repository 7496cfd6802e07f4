"""calmdesk's trained heads: emotion, anger, offensive, complaint and politeness of a text.

Each head is a linear model over one shared feature vector: the frozen sentence embedding, word
and character TF-IDF, a few surface cues (capitals, "!", "?") and VADER's sentiment scores.
Weights and vocabularies are plain arrays in `analysis/models/heads.npz` (no pickle), written by
`calmdesk models train`; inference is numpy and scipy only. The artefact loads once per process,
on first use.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from calmdesk.analysis import encoder
from calmdesk.domain.errors import MalformedInput, ModelUnavailable
from calmdesk.domain.signals import EMOTIONS

__all__ = [
    "ARTEFACT",
    "BINARY_HEADS",
    "CUES",
    "Featurizer",
    "HeadScores",
    "LinearHeads",
    "TextParts",
    "char_grams",
    "load",
    "predict",
    "surface_cues",
    "text_parts",
    "word_grams",
]

ARTEFACT = Path(__file__).parent / "models" / "heads.npz"
BINARY_HEADS: tuple[str, ...] = ("anger", "offensive", "complaint", "politeness")
CUES = 8
"""Dense cue columns at the end of the feature row: 4 surface cues, then VADER's 4 scores."""
_MAX_CHARS = 2000
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]|[^\sa-z0-9]")
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_lock = threading.Lock()


def _normalise(text: str) -> str:
    text = _URL.sub(" http ", text[:_MAX_CHARS].lower())
    return _MENTION.sub(" @user ", text)


def word_grams(text: str) -> list[str]:
    """Word unigrams and bigrams of a lowercased text (mentions and links collapsed)."""
    tokens = _WORD.findall(_normalise(text))
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def char_grams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (sklearn's `char_wb`), lengths low..high."""
    grams: list[str] = []
    for word in _normalise(text).split():
        padded = f" {word} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
            if n >= len(padded):
                break
    return grams


_vader: list[Any] = []


def _sentiment(text: str) -> list[float]:
    if not _vader:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        with _lock:
            if not _vader:
                _vader.append(SentimentIntensityAnalyzer())
    scores = _vader[0].polarity_scores(text)
    return [float(scores[k]) for k in ("neg", "neu", "pos", "compound")]


def surface_cues(text: str) -> list[float]:
    """Shouting, "!" and "?", length (each about 0-1), then VADER's neg, neu, pos, compound."""
    text = text[:_MAX_CHARS]
    letters = [c for c in text if c.isalpha()]
    caps = sum(c.isupper() for c in letters) / len(letters) if len(letters) >= 4 else 0.0
    return [
        caps,
        min(text.count("!"), 5) / 5,
        min(text.count("?"), 5) / 5,
        min(math.log1p(len(text)) / 8, 1.0),
        *_sentiment(text),
    ]


@dataclass(slots=True)
class TextParts:
    """What every featurizer reads of one text, computed once however many heads read it:
    word n-grams, character n-grams (filled in on first need) and the dense cues."""

    text: str
    words: list[str]
    cues: list[float]
    chars: list[str] | None = None

    def char_grams(self) -> list[str]:
        if self.chars is None:
            self.chars = char_grams(self.text)
        return self.chars


def text_parts(texts: Sequence[str]) -> list[TextParts]:
    """The shared part of the feature rows of `texts` (pass it to `predict` of several heads)."""
    return [TextParts(t, word_grams(t), surface_cues(t)) for t in texts]


@dataclass(slots=True)
class Featurizer:
    """Maps texts (and their embeddings) to one sparse row: [embedding, words, chars, cues]."""

    words: dict[str, int]
    chars: dict[str, int]
    word_idf: np.ndarray
    char_idf: np.ndarray
    embedding_scale: float = 1.0
    dim: int = encoder.DIM  # width of the sentence vector (512 for the multilingual encoder)

    @property
    def width(self) -> int:
        return self.dim + len(self.words) + len(self.chars) + CUES

    def _tfidf(self, grams: list[str], vocab: dict[str, int], idf: np.ndarray) -> tuple[Any, Any]:
        counts = Counter(vocab[g] for g in grams if g in vocab)
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        idx = np.fromiter(counts.keys(), np.int64, len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), np.float64, len(counts)))
        values = tf * idf[idx]
        return idx, (values / np.linalg.norm(values)).astype(np.float32)

    def _row(self, part: TextParts) -> tuple[np.ndarray, np.ndarray]:
        w_idx, w_val = self._tfidf(part.words, self.words, self.word_idf)
        grams = part.char_grams() if self.chars else []
        c_idx, c_val = self._tfidf(grams, self.chars, self.char_idf)
        offset = self.dim
        cue_start = offset + len(self.words) + len(self.chars)
        idx = np.concatenate([w_idx + offset, c_idx + offset + len(self.words)])
        idx = np.concatenate([idx, np.arange(cue_start, cue_start + CUES)])
        values = np.concatenate([w_val, c_val, np.asarray(part.cues, np.float32)])
        return idx, values

    def transform(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        parts: Sequence[TextParts] | None = None,
    ) -> sparse.csr_matrix:
        """The feature matrix (len(texts), width) as CSR float32; `parts` from `text_parts`."""
        rows = [self._row(p) for p in (text_parts(texts) if parts is None else parts)]
        dense = np.arange(self.dim)
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for i, (idx, values) in enumerate(rows):
            indices += [dense, idx]
            data += [embeddings[i] * self.embedding_scale, values]
            indptr.append(indptr[-1] + self.dim + len(idx))
        shape = (len(texts), self.width)
        if not rows:
            return sparse.csr_matrix(shape, dtype=np.float32)
        flat = (np.concatenate(data).astype(np.float32), np.concatenate(indices), indptr)
        return sparse.csr_matrix(flat, shape=shape)


@dataclass(slots=True)
class LinearHeads:
    """One weight matrix for every head; `columns` says which columns each head owns."""

    featurizer: Featurizer
    weights: np.ndarray  # (width, outputs)
    bias: np.ndarray  # (outputs,)
    columns: dict[str, tuple[int, int]]

    def logits(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        parts: Sequence[TextParts] | None = None,
    ) -> np.ndarray:
        features = self.featurizer.transform(texts, embeddings, parts)
        out: np.ndarray = np.asarray(features @ self.weights) + self.bias
        return out

    def save(self, path: Path) -> None:
        f = self.featurizer
        meta = {"columns": self.columns, "embedding_scale": f.embedding_scale, "dim": f.dim}
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta, sort_keys=True)),
            words=np.array(sorted(f.words, key=f.words.__getitem__)),
            chars=np.array(sorted(f.chars, key=f.chars.__getitem__)),
            word_idf=f.word_idf.astype(np.float32),
            char_idf=f.char_idf.astype(np.float32),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )

    @classmethod
    def read(cls, path: Path) -> LinearHeads:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            featurizer = Featurizer(
                {w: i for i, w in enumerate(z["words"].tolist())},
                {c: i for i, c in enumerate(z["chars"].tolist())},
                z["word_idf"].astype(np.float64),
                z["char_idf"].astype(np.float64),
                float(meta["embedding_scale"]),
                int(meta.get("dim", encoder.DIM)),
            )
            columns = {k: (int(v[0]), int(v[1])) for k, v in meta["columns"].items()}
            return cls(featurizer, z["weights"].astype(np.float32), z["bias"], columns)


@dataclass(frozen=True, slots=True)
class HeadScores:
    """Scores of n texts: `emotion` (n, 7) in `EMOTIONS` order, rows sum to 1; the rest (n,)."""

    emotion: np.ndarray
    anger: np.ndarray
    offensive: np.ndarray
    complaint: np.ndarray
    politeness: np.ndarray

    def __len__(self) -> int:
        return int(self.anger.shape[0])

    def emotions(self, i: int) -> dict[str, float]:
        """Text i's emotion distribution as a dict over `EMOTIONS`."""
        return {name: float(p) for name, p in zip(EMOTIONS, self.emotion[i], strict=True)}


_loaded: dict[Path, LinearHeads] = {}


def load(path: Path = ARTEFACT) -> LinearHeads:
    """The heads in `path`, read once per process."""
    with _lock:
        if path not in _loaded:
            try:
                _loaded[path] = LinearHeads.read(path)
            except (OSError, ValueError, KeyError) as exc:
                raise ModelUnavailable(f"Cannot read the heads file {path}.") from exc
        return _loaded[path]


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def _check(texts: Sequence[str], embeddings: np.ndarray | None) -> list[str]:
    if isinstance(texts, str | bytes) or not isinstance(texts, Sequence):
        raise MalformedInput("predict() takes a list of texts, not a single value.")
    if not all(isinstance(t, str) for t in texts):
        raise MalformedInput("predict() takes texts (str) only.")
    if embeddings is not None and embeddings.shape != (len(texts), encoder.DIM):
        raise MalformedInput(f"embeddings must have shape ({len(texts)}, {encoder.DIM}).")
    return list(texts)


def predict(
    texts: Sequence[str],
    embeddings: np.ndarray | None = None,
    path: Path = ARTEFACT,
    *,
    parts: Sequence[TextParts] | None = None,
) -> HeadScores:
    """Score `texts`; pass `embeddings` from `encoder.encode(texts)` to avoid encoding twice,
    and `parts` from `text_parts(texts)` when other heads read the same texts."""
    clean = _check(texts, embeddings)
    if parts is not None and len(parts) != len(clean):
        raise MalformedInput("predict() takes one TextParts per text.")
    vectors = encoder.encode(clean) if embeddings is None else embeddings
    heads = load(path)
    z = heads.logits(clean, vectors, parts)
    start, end = heads.columns["emotion"]
    binary = {name: _sigmoid(z[:, heads.columns[name][0]]) for name in BINARY_HEADS}
    return HeadScores(emotion=_softmax(z[:, start:end]), **binary)
