"""The dev figures of the heads read with each sentence encoder, in one run of the same code.

This is how the switch of 2 December 2026 (issue 8 item 6: the English and reply heads moved from
all-MiniLM-L6-v2 to the multilingual encoder) was decided: for every `calmdesk eval` task and for
the reply heads' dev cross-validation, the same recipe is run twice, once on MiniLM's vectors and
once on the multilingual encoder's (`training.embeddings.embed(..., multilingual=...)`), and the
figures are printed side by side as JSON lines. Nothing is written to the models folder. Vectors
come from the embedding cache (`~/.cache/calmdesk/embeddings`); a cold cache costs minutes.

Run: `python -m benchmarks.encoder_swap [replies] [TASK ...]` (default: replies and every task).
Not a `bench_*` module, so `make bench` does not run it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from calmdesk.config import default_data_dir
from calmdesk.training import conversations, embeddings, heads_train, reply_train, single
from calmdesk.training.evaluate import TASKS, evaluate

ENCODERS = ("minilm", "multilingual")
_REAL = embeddings.embed


def _embed_with(name: str) -> Callable[..., np.ndarray]:
    def embed(texts: Sequence[str], use_cache: bool = True, multilingual: bool = False) -> Any:
        del multilingual  # the caller's choice is overridden: that is the experiment
        return _REAL(texts, use_cache=use_cache, multilingual=name == "multilingual")

    return embed


def _use(name: str) -> None:
    for module in (single, heads_train, conversations, reply_train):
        module.embed = _embed_with(name)  # type: ignore[attr-defined]
    reply_train._vectors = _reply_vectors(name)  # type: ignore[attr-defined]


def _reply_vectors(name: str) -> Callable[..., dict[str, np.ndarray]]:
    def vectors(texts: list[str], use_cache: bool = True) -> dict[str, np.ndarray]:
        unique = sorted(set(texts))
        found = dict(zip(unique, _embed_with(name)(unique, use_cache), strict=True))
        return {t: found[t] for t in texts}

    return vectors


def replies() -> dict[str, float]:
    """Each reply head's best dev cross-validated ROC AUC, as `train_reply_heads` chooses it."""
    from calmdesk.analysis.reply.model import SIGNALS

    settings = reply_train.DEFAULT
    rows = reply_train.reply_rows(reply_train.read_replies(split="dev"), default_data_dir())
    out = {}
    for signal in SIGNALS:
        weights = settings.public_weights if signal in reply_train.PUBLIC else (0.0,)
        aucs = [
            reply_train.cv_auc(rows, signal, c, w, settings) for w in weights for c in settings.cs
        ]
        out[signal] = round(float(np.nanmax(aucs)), 4)
    return out


def task(name: str) -> dict[str, float]:
    result = evaluate(name, default_data_dir())
    return {k: round(100 * v, 1) for k, v in result.metrics.items()}


def main(argv: list[str]) -> None:
    for what in argv or ["replies", *TASKS]:
        for encoder in ENCODERS:
            _use(encoder)
            start = time.perf_counter()
            figures = replies() if what == "replies" else task(what)
            seconds = round(time.perf_counter() - start, 1)
            row = {"what": what, "encoder": encoder, "figures": figures, "seconds": seconds}
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
