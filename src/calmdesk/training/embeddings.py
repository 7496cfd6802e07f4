"""Frozen sentence vectors for training sets, cached on disk by content.

Encoding ~150,000 training texts takes minutes on two cores; the cache file is named by a hash of
the model id and the exact texts, so a changed dataset can never reuse stale vectors.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from calmdesk.analysis import encoder

__all__ = ["cache_dir", "embed"]

_CHUNK = 2048


def cache_dir() -> Path:
    """`CALMDESK_CACHE_DIR`, else `~/.cache/calmdesk/embeddings`."""
    raw = os.environ.get("CALMDESK_CACHE_DIR")
    return Path(raw) if raw else Path.home() / ".cache" / "calmdesk" / "embeddings"


def _key(texts: Sequence[str], model_id: str = encoder.MODEL_ID) -> str:
    digest = hashlib.sha256(model_id.encode())
    for text in texts:
        digest.update(text.encode("utf-8", "replace"))
        digest.update(b"\x1e")
    return digest.hexdigest()[:32]


def embed(texts: Sequence[str], use_cache: bool = True, multilingual: bool = False) -> np.ndarray:
    """Vectors for `texts` (n, 384), read from or written to the on-disk cache.

    `multilingual=True`: the multilingual encoder's vectors (n, 512) instead.
    """
    from calmdesk.analysis.language import encoder as ml

    model_id, dim = (ml.MODEL_ID, ml.DIM) if multilingual else (encoder.MODEL_ID, encoder.DIM)
    run = ml.encode if multilingual else encoder.encode
    path = cache_dir() / f"{_key(texts, model_id)}.npy"
    if use_cache and path.is_file():
        cached: np.ndarray = np.load(path)
        return cached
    parts = [run(list(texts[i : i + _CHUNK])) for i in range(0, len(texts), _CHUNK)]
    vectors = np.vstack(parts) if parts else np.zeros((0, dim), dtype=np.float32)
    if use_cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors)
        tmp.replace(path)
    return vectors
