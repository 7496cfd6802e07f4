"""The scope head: may the bot answer this at all? (banking77/CLINC-style out-of-scope detection)

A prototype head over the sentence embedding. In-scope prototypes: k-means centres of Bitext's 27
customer-service intents (8 per intent) plus, at run time, every passage of the team's own
knowledge base; out-of-scope prototypes: 400 k-means centres of CLINC150 queries a shop's help
bot does not cover (weather, travel, banking, small talk ...) and CLINC's out-of-scope set. A
question is in scope when its nearest in-scope prototype is at least as similar as its nearest
out-of-scope one minus `margin`. Trained by `training/bot_scope.py`; plain arrays in
`analysis/models/bot_scope.npz` (no pickle).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calmdesk.analysis.kb.index import KbIndex

__all__ = ["ARTEFACT", "ScopeHead", "default_scope"]

ARTEFACT = Path(__file__).resolve().parent.parent / "models" / "bot_scope.npz"
_lock = threading.Lock()
_loaded: dict[str, ScopeHead | None] = {}


@dataclass(frozen=True, slots=True)
class ScopeHead:
    inside: np.ndarray  # (n, dim) unit vectors
    labels: tuple[str, ...]  # the intent of each inside prototype
    outside: np.ndarray  # (m, dim) unit vectors
    margin: float

    def check(
        self, vector: np.ndarray, kb: np.ndarray | None = None, kb_ids: tuple[str, ...] = ()
    ) -> tuple[str, float, bool]:
        """(intent, similarity of the nearest in-scope prototype, in_scope) for one vector."""
        sims = self.inside @ vector
        best = int(sims.argmax())
        intent, near = self.labels[best], float(sims[best])
        if kb is not None and len(kb):
            kb_sims = kb @ vector
            k = int(kb_sims.argmax())
            if float(kb_sims[k]) > near:
                intent, near = f"kb:{kb_ids[k]}" if kb_ids else "kb", float(kb_sims[k])
        far = float((self.outside @ vector).max())
        return intent, round(near, 4), near + self.margin >= far

    def save(self, path: Path) -> None:
        meta = {"labels": list(self.labels), "margin": self.margin}
        np.savez_compressed(path, meta=np.array(json.dumps(meta)),
                            inside=self.inside.astype(np.float16),
                            outside=self.outside.astype(np.float16))  # fmt: skip

    @classmethod
    def read(cls, path: Path) -> ScopeHead:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(z["inside"].astype(np.float32), tuple(meta["labels"]),
                       z["outside"].astype(np.float32), float(meta["margin"]))  # fmt: skip


def _head() -> ScopeHead | None:
    with _lock:
        if "head" not in _loaded:
            _loaded["head"] = ScopeHead.read(ARTEFACT) if ARTEFACT.exists() else None
        return _loaded["head"]


def default_scope(index: KbIndex | None = None) -> Callable[[str], tuple[str, float, bool]] | None:
    """A ScopeCheck over the shipped head (plus `index`'s passages as in-scope prototypes), or
    None when the artefact is missing."""
    head = _head()
    if head is None:
        return None
    from calmdesk.analysis.encoder import encode

    kb = index.vectors if index is not None and len(index.passages) else None
    ids = tuple(p.article_id for p in index.passages) if index is not None else ()

    def check(text: str) -> tuple[str, float, bool]:
        return head.check(encode([text])[0], kb, ids)

    return check
