"""Running the encoder and heads over many texts at once, remembering recent texts' results.

A conversation re-sends its earlier turns each time it is analysed; the cache makes the cost of
one more turn the cost of that turn alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from calmdesk.analysis.context import Encode, HeadRow

__all__ = ["CACHE_SIZE", "Models", "Predict", "Scored", "default_models"]

CACHE_SIZE = 8192

Predict = Callable[[Sequence[str], np.ndarray], list[HeadRow]]


@dataclass(frozen=True, slots=True)
class Scored:
    """A text's head scores and its sentence vector (None for an empty text)."""

    heads: HeadRow
    embedding: np.ndarray | None


_EMPTY = Scored(HeadRow.neutral(), None)


@dataclass(slots=True, eq=False)
class Models:
    """An encoder and heads behind a small LRU cache keyed by the cleaned text."""

    encode: Encode
    predict: Predict
    cache_size: int = CACHE_SIZE
    _cache: OrderedDict[str, Scored] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _run(self, texts: list[str]) -> dict[str, Scored]:
        vectors = np.asarray(self.encode(texts), dtype=np.float32)
        rows = self.predict(texts, vectors)
        return {t: Scored(r, vectors[i]) for i, (t, r) in enumerate(zip(texts, rows, strict=True))}

    def score(self, texts: Sequence[str]) -> dict[str, Scored]:
        """Scores of every distinct text in `texts`, new ones computed in one batch."""
        wanted = {t for t in texts if t.strip()}
        with self._lock:
            found = {t: self._cache[t] for t in wanted if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = sorted(wanted - found.keys(), key=len)
        if missing:
            fresh = self._run(missing)
            self._remember(fresh)
            found.update(fresh)
        found.update({t: _EMPTY for t in texts if not t.strip()})
        return found

    def _remember(self, fresh: dict[str, Scored]) -> None:
        with self._lock:
            for text, scored in fresh.items():
                self._cache[text] = scored
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


def _head_rows(texts: Sequence[str], vectors: np.ndarray) -> list[HeadRow]:
    """English heads for English turns; the multilingual heads for every other language.

    Every text also gets the customer heads (sarcasm, cause topic) and its detected language.
    """
    from calmdesk.analysis import heads
    from calmdesk.analysis.customer import heads as customer_heads
    from calmdesk.analysis.language import detect_language
    from calmdesk.analysis.language import encoder as multilingual

    scores = heads.predict(list(texts), vectors)
    extra = customer_heads.predict(list(texts), multilingual.encode(list(texts)))
    rows = []
    for i, text in enumerate(texts):
        found = detect_language(text)
        english = found.code == "en"
        source: heads.HeadScores | customer_heads.CustomerHeadScores = scores if english else extra
        rows.append(
            HeadRow(
                source.emotions(i),
                float(source.anger[i]),
                float(source.offensive[i]),
                float(source.complaint[i]),
                float(source.politeness[i]),
                sarcasm=float(extra.sarcasm[i]),
                cause=extra.causes(i),
                language=found.code,
                language_supported=found.supported,
            )
        )
    return rows


def _encode(texts: Sequence[str]) -> np.ndarray:
    from calmdesk.analysis import encoder

    return encoder.encode(list(texts))


_default: list[Models] = []


def default_models() -> Models:
    """The project's encoder and trained heads, shared by the process (loaded on first use)."""
    if not _default:
        _default.append(Models(_encode, _head_rows))
    return _default[0]
