"""The scope head: a shop-intent classifier with an out-of-scope class (banking77/CLINC style).

A linear softmax over the sentence embedding, trained by `training/bot_scope.py` on Bitext's
customer-service intents (in scope) and CLINC150 queries outside a shop plus CLINC's
out-of-scope set (label `oos`). Weights are plain arrays in `analysis/models/bot_scope.npz` (no
pickle). A text is out of scope when `oos` wins or no intent reaches the artefact's threshold.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ARTEFACT", "ScopeHead", "default_scope"]

ARTEFACT = Path(__file__).resolve().parent.parent / "models" / "bot_scope.npz"
_lock = threading.Lock()
_loaded: dict[str, ScopeHead | None] = {}


@dataclass(frozen=True, slots=True)
class ScopeHead:
    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray
    classes: tuple[str, ...]
    threshold: float

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self.weights + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        out: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return out

    def predict(self, vectors: np.ndarray) -> list[tuple[str, float, bool]]:
        """(intent, probability, in_scope) per row."""
        probs = self.probabilities(vectors)
        out = []
        for row in probs:
            best = int(row.argmax())
            intent = self.classes[best]
            out.append((intent, float(row[best]),
                        intent != "oos" and float(row[best]) >= self.threshold))  # fmt: skip
        return out

    def save(self, path: Path) -> None:
        meta = {"classes": list(self.classes), "threshold": self.threshold}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)),
                            weights=self.weights.astype(np.float16), bias=self.bias)  # fmt: skip

    @classmethod
    def read(cls, path: Path) -> ScopeHead:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(z["weights"].astype(np.float32), z["bias"].astype(np.float32),
                       tuple(meta["classes"]), float(meta["threshold"]))  # fmt: skip


def _head() -> ScopeHead | None:
    with _lock:
        if "head" not in _loaded:
            _loaded["head"] = ScopeHead.read(ARTEFACT) if ARTEFACT.exists() else None
        return _loaded["head"]


def default_scope() -> Callable[[str], tuple[str, float, bool]] | None:
    """A ScopeCheck over the shipped head and the project's encoder, or None without the file."""
    head = _head()
    if head is None:
        return None
    from calmdesk.analysis.encoder import encode

    def check(text: str) -> tuple[str, float, bool]:
        return head.predict(encode([text]))[0]

    return check


def classify(texts: Sequence[str], vectors: np.ndarray, head: ScopeHead) -> list[str]:
    """Predicted labels (`oos` when out of scope) for already-encoded texts."""
    return [intent if ok else "oos" for intent, _, ok in head.predict(vectors)]
