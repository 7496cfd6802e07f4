"""calmdesk's trained heads: emotion, anger, offensive, complaint and politeness of a text.

Each head is a linear model over one shared feature vector: the frozen sentence embedding (the
multilingual Universal Sentence Encoder, `analysis.language.encoder`, which every text is read
with), word and character TF-IDF, a few surface cues (capitals, "!", "?") and VADER's sentiment
scores. Weights and vocabularies are plain arrays in `analysis/models/heads.npz` (no pickle),
written by `calmdesk models train`; inference is numpy only (scipy builds the matrix for
training). The artefact loads once per process, on first use.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.analysis.artefact import Artefacts
from calmdesk.analysis.language import encoder as multilingual
from calmdesk.domain.errors import MalformedInput
from calmdesk.domain.signals import EMOTIONS

__all__ = [
    "ARTEFACT",
    "BINARY_HEADS",
    "CUES",
    "Featurizer",
    "HeadScores",
    "LinearHeads",
    "Rows",
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


_WORD_GRAMS: dict[tuple[str, int, int], list[str]] = {}
_WORD_GRAMS_MAX = 50_000  # distinct words remembered (most words of a batch are common ones)


def _word_char_grams(word: str, low: int, high: int) -> list[str]:
    key = (word, low, high)
    found = _WORD_GRAMS.get(key)
    if found is None:
        padded = f" {word} "
        found = []
        for n in range(low, high + 1):
            found.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
            if n >= len(padded):
                break
        if len(_WORD_GRAMS) >= _WORD_GRAMS_MAX:
            _WORD_GRAMS.clear()
        _WORD_GRAMS[key] = found
    return found


def char_grams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (sklearn's `char_wb`), lengths low..high."""
    grams: list[str] = []
    for word in _normalise(text).split():
        grams += _word_char_grams(word, low, high)
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
    if text.isascii():  # every ASCII capital is a letter
        letters, upper = sum(map(str.isalpha, text)), sum(map(str.isupper, text))
    else:  # elsewhere some non-letters count as capitals ("Ⓐ"): only letters are counted
        alpha = [c for c in text if c.isalpha()]
        letters, upper = len(alpha), sum(map(str.isupper, alpha))
    caps = upper / letters if letters >= 4 else 0.0
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
    dim: int = multilingual.DIM  # width of the sentence vector

    @property
    def width(self) -> int:
        return self.dim + len(self.words) + len(self.chars) + CUES

    def _tfidf(self, grams: Sequence[list[str]], vocab: dict[str, int], idf: np.ndarray) -> Rows:
        """Sublinear TF-IDF rows, L2-normalised, of every text's grams (n, len(vocab)), in one
        pass of numpy over the batch (only the vocabulary look-up is per gram)."""
        rows: list[int] = []
        cols: list[int] = []
        get = vocab.get
        for i, found in enumerate(grams):
            known = [k for k in map(get, found) if k is not None]
            cols += known
            rows += [i] * len(known)
        if not cols:
            return Rows(len(grams), len(vocab), _NO_INT, _NO_INT, np.zeros(0, np.float32))
        key = np.asarray(rows, np.int64) * len(vocab) + np.asarray(cols, np.int64)
        unique, counts = np.unique(key, return_counts=True)  # sorted: by row, then column
        r, c = np.divmod(unique, len(vocab))
        values = (1.0 + np.log(counts)) * idf[c]
        norms = np.sqrt(np.bincount(r, values * values, minlength=len(grams)))
        return Rows(len(grams), len(vocab), r, c, (values / norms[r]).astype(np.float32))

    def blocks(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        parts: Sequence[TextParts] | None = None,
        chars_for: Sequence[bool] | None = None,
    ) -> tuple[np.ndarray, Rows, Rows, np.ndarray]:
        """The four parts of the feature rows: scaled embeddings (n, dim), word and character
        TF-IDF (sparse `Rows`) and the dense cues (n, CUES); `parts` from `text_parts`;
        `chars_for`: which texts get character grams (default all; the others' stay empty)."""
        if embeddings.shape[1:] != (self.dim,) and len(texts):
            raise MalformedInput(f"The sentence vectors must have {self.dim} columns.")
        found = text_parts(texts) if parts is None else parts
        dense = np.asarray(embeddings, np.float32).reshape(len(found), self.dim)
        words = self._tfidf([p.words for p in found], self.words, self.word_idf)
        wanted = [True] * len(found) if chars_for is None else list(chars_for)
        chars = self._tfidf(
            [
                p.char_grams() if self.chars and w else []
                for p, w in zip(found, wanted, strict=True)
            ],
            self.chars,
            self.char_idf,
        )
        cues = np.asarray([p.cues for p in found], np.float32).reshape(len(found), CUES)
        return dense * np.float32(self.embedding_scale), words, chars, cues

    def transform(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        parts: Sequence[TextParts] | None = None,
    ) -> Any:
        """The feature matrix (len(texts), width) as scipy CSR float32 (for training; the heads
        themselves never build it); `parts` from `text_parts`."""
        from scipy import sparse

        dense, words, chars, cues = self.blocks(texts, embeddings, parts)
        matrix = sparse.hstack(
            [sparse.csr_matrix(dense), words.csr(), chars.csr(), sparse.csr_matrix(cues)],
            format="csr",
            dtype=np.float32,
        )
        return sparse.csr_matrix(matrix, shape=(len(texts), self.width))


_NO_INT = np.zeros(0, np.int64)


@dataclass(frozen=True, slots=True)
class Rows:
    """Sparse rows (n, width) as coordinates sorted by row: what a TF-IDF block holds."""

    n: int
    width: int
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """`rows @ weights` (n, k) in numpy: each entry's weighted row summed per text."""
        out = np.zeros((self.n, weights.shape[1]), np.float32)
        if len(self.col):
            contributions = weights[self.col] * self.value[:, None]
            starts = np.flatnonzero(np.r_[True, self.row[1:] != self.row[:-1]])
            out[self.row[starts]] = np.add.reduceat(contributions, starts, axis=0)
        return out

    def csr(self) -> Any:
        from scipy import sparse

        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.row, minlength=self.n))])
        return sparse.csr_matrix((self.value, self.col, indptr), shape=(self.n, self.width))


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
        chars_for: Sequence[bool] | None = None,
    ) -> np.ndarray:
        """Every head's logits (n, outputs); `chars_for` as in `Featurizer.blocks` (a head with
        character weights is then not meaningful for the texts left out)."""
        f = self.featurizer
        dense, words, chars, cues = f.blocks(texts, embeddings, parts, chars_for)
        w = self.weights
        at_words, at_chars = f.dim, f.dim + len(f.words)
        at_cues = at_chars + len(f.chars)
        out: np.ndarray = dense @ w[: f.dim] + cues @ w[at_cues:] + self.bias
        out += words.dot(w[at_words:at_chars])
        out += chars.dot(w[at_chars:at_cues])
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
                int(meta.get("dim", multilingual.DIM)),
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


_artefacts = Artefacts(LinearHeads.read, "heads")


def load(path: Path = ARTEFACT) -> LinearHeads:
    """The heads in `path`, read once per process."""
    return _artefacts.get(path)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))


def _check(texts: Sequence[str], embeddings: np.ndarray | None, dim: int) -> list[str]:
    if isinstance(texts, str | bytes) or not isinstance(texts, Sequence):
        raise MalformedInput("predict() takes a list of texts, not a single value.")
    if not all(isinstance(t, str) for t in texts):
        raise MalformedInput("predict() takes texts (str) only.")
    if embeddings is not None and embeddings.shape != (len(texts), dim):
        raise MalformedInput(f"embeddings must have shape ({len(texts)}, {dim}).")
    return list(texts)


def predict(
    texts: Sequence[str],
    embeddings: np.ndarray | None = None,
    path: Path = ARTEFACT,
    *,
    parts: Sequence[TextParts] | None = None,
) -> HeadScores:
    """Score `texts`; pass `embeddings` from `language.encoder.encode(texts)` to avoid encoding
    twice, and `parts` from `text_parts(texts)` when other heads read the same texts."""
    heads = load(path)
    clean = _check(texts, embeddings, heads.featurizer.dim)
    if parts is not None and len(parts) != len(clean):
        raise MalformedInput("predict() takes one TextParts per text.")
    vectors = multilingual.encode(clean) if embeddings is None else embeddings
    z = heads.logits(clean, vectors, parts)
    start, end = heads.columns["emotion"]
    binary = {name: _sigmoid(z[:, heads.columns[name][0]]) for name in BINARY_HEADS}
    return HeadScores(emotion=_softmax(z[:, start:end]), **binary)
