"""The learned reply signals: empathy, apology, reflection, question, solution, blame, politeness.

One logistic head per signal over one feature row built from the reply *and* the customer turns
it answers: the reply's sentence vector, the context's vector, their element-wise product and
cosine, then the rule features (how often each lexicon pattern of `lexicon.DRAFT_PATTERNS` hits,
"?" and "!", capitals, length, the lexical politeness estimate, and how many of the customer's
content words come back). The rules stay the explanation (spans) and the hard checks; the heads
turn wording the lexicon does not know ("That sounds incredibly stressful, with the wedding
tomorrow") into scores. Weights are plain arrays in `analysis/models/reply_heads.npz` (no pickle),
written by `calmdesk models train`; inference is numpy only and loads once per process.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.analysis.artefact import Artefacts
from calmdesk.analysis.language import encoder
from calmdesk.analysis.reply.context import key_terms
from calmdesk.analysis.reply.lexicon import ACRONYMS, DRAFT_PATTERNS
from calmdesk.analysis.reply.politeness import lexical_politeness
from calmdesk.domain import Span
from calmdesk.domain.errors import MalformedInput

__all__ = [
    "ARTEFACT",
    "RULE_NAMES",
    "SIGNALS",
    "ReplyHeads",
    "context_vector",
    "feature_matrix",
    "load",
    "rule_features",
    "score_replies",
]

ARTEFACT = Path(__file__).resolve().parent.parent / "models" / "reply_heads.npz"
SIGNALS: tuple[str, ...] = (
    "empathy",
    "apology",
    "reflection",
    "asks_question",
    "offers_solution",
    "blame",
    "politeness",
)
"""The reply signals, in the artefact column order (the labelled set says `polite`)."""

RULE_NAMES: tuple[str, ...] = tuple(DRAFT_PATTERNS)
_EXTRA = (
    "question_marks",
    "exclamations",
    "capitals",
    "length",
    "lexical_politeness",
    "shared_terms",
    "shared_share",
    "you",
    "first_person_action",
    "context_present",
)
FEATURE_NAMES: tuple[str, ...] = (
    *(f"rule:{n}" for n in RULE_NAMES),
    *_EXTRA,
    "cosine",
)
_WIDTH_RULES = len(FEATURE_NAMES)
_GENERIC = frozenset(
    "sorry frustr upset annoy apolog underst experi issue proble situat inconv concer patien "
    "happen thank please help custom servic".split()
)
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_YOU = re.compile(r"\byou(?:r|rs|'re|'ve|'ll|'d)?\b", re.IGNORECASE)
_ACTION = re.compile(
    r"\b(?:I|we)(?:'ve|'ll| have| will| can| am going to|'m going to)\s+\w+", re.IGNORECASE
)


def rule_features(
    reply: str, context: Sequence[str], hits: Mapping[str, Sequence[Span]] | None = None
) -> np.ndarray:
    """The rule part of the feature row (without the cosine), each value about 0-1."""
    if hits is None:
        from calmdesk.analysis.reply.context import draft_hits

        hits = draft_hits(reply)
    counts = [min(len(hits.get(name, ())), 2) / 2 for name in RULE_NAMES]
    letters = [c for c in reply if c.isalpha()]
    shout = sum(1 for w in _CAPS.findall(reply) if w not in ACRONYMS)
    last = context[-1] if context else ""
    wanted = key_terms(last) - _GENERIC
    shared = len(key_terms(reply) & wanted)
    extra = [
        min(reply.count("?"), 3) / 3,
        min(reply.count("!"), 3) / 3,
        min(shout, 3) / 3 if len(letters) >= 4 else 0.0,
        min(math.log1p(len(reply)) / 7, 1.0),
        lexical_politeness(reply),
        min(shared, 4) / 4,
        shared / len(wanted) if wanted else 0.0,
        min(len(_YOU.findall(reply)), 4) / 4,
        min(len(_ACTION.findall(reply)), 3) / 3,
        1.0 if any(t.strip() for t in context) else 0.0,
    ]
    return np.asarray(counts + extra, dtype=np.float32)


def context_vector(vectors: np.ndarray) -> np.ndarray:
    """One unit vector for the customer turns a reply answers: the last counts double."""
    if len(vectors) == 0:
        return np.zeros(encoder.DIM, dtype=np.float32)
    weights = np.full(len(vectors), 0.5, dtype=np.float32)
    weights[-1] = 1.0
    mixed = (vectors * weights[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(mixed))
    unit: np.ndarray = (mixed / norm if norm > 0 else mixed).astype(np.float32)
    return unit


def feature_matrix(reply_vecs: np.ndarray, context_vecs: np.ndarray, rules: np.ndarray) -> Any:
    """Rows [reply vector, context vector, their product, rules, cosine] (n, 3 * 512 + rules)."""
    cosine = np.sum(reply_vecs * context_vecs, axis=1, keepdims=True)
    return np.hstack([reply_vecs, context_vecs, reply_vecs * context_vecs, rules, cosine]).astype(
        np.float32
    )


@dataclass(slots=True)
class ReplyHeads:
    """Standardisation and one logistic head per signal, columns in `SIGNALS` order."""

    mean: np.ndarray  # (width,)
    scale: np.ndarray  # (width,)
    weights: np.ndarray  # (width, len(SIGNALS))
    bias: np.ndarray  # (len(SIGNALS),)
    meta: dict[str, Any]

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)

    def save(self, path: Path) -> None:
        meta = dict(self.meta)
        meta |= {"signals": list(SIGNALS), "features": list(FEATURE_NAMES)}
        meta["encoder"] = encoder.MODEL_ID
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta, sort_keys=True)),
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
        )

    @classmethod
    def read(cls, path: Path) -> ReplyHeads:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            heads = cls(z["mean"], z["scale"], z["weights"], z["bias"], meta)
        if tuple(meta.get("signals", ())) != SIGNALS or tuple(meta.get("features", ())) != (
            FEATURE_NAMES
        ):
            raise ValueError("the reply heads were trained on other signals or features")
        if meta.get("encoder") != encoder.MODEL_ID:
            raise ValueError("the reply heads were trained on another sentence encoder")
        return heads


_artefacts = Artefacts(ReplyHeads.read, "reply heads")


def load(path: Path = ARTEFACT) -> ReplyHeads:
    """The reply heads in `path`, read once per process."""
    return _artefacts.get(path)


Vectors = Callable[[Sequence[str]], np.ndarray]


def _vectors_for(
    texts: Sequence[str], known: Mapping[str, np.ndarray] | None, encode: Vectors
) -> dict[str, np.ndarray]:
    found = {
        t: v
        for t in texts
        if known is not None
        and (v := known.get(t)) is not None
        and v.shape == (encoder.DIM,)  # another encoder's vectors cannot be read: encode those
    }
    missing = sorted({t for t in texts if t not in found and t.strip()})
    if missing:
        found |= dict(zip(missing, np.asarray(encode(missing), dtype=np.float32), strict=True))
    return found


def score_replies(
    replies: Sequence[str],
    contexts: Sequence[Sequence[str]],
    *,
    hits: Sequence[Mapping[str, Sequence[Span]] | None] | None = None,
    vectors: Mapping[str, np.ndarray] | None = None,
    encode: Vectors | None = None,
    path: Path = ARTEFACT,
) -> list[dict[str, float]]:
    """Each reply's signal scores (0-1), read with the customer turns it answers.

    `vectors` maps texts to sentence vectors already computed (the pipeline's), so nothing is
    encoded twice; texts not in it are encoded with `encode` (default: the project's encoder)."""
    if len(replies) != len(contexts) or (hits is not None and len(hits) != len(replies)):
        raise MalformedInput("score_replies() takes one context (and hits) per reply.")
    heads = load(path)
    if not replies:
        return []
    every = [*replies, *(t for c in contexts for t in c)]
    found = _vectors_for(every, vectors, encode or encoder.encode)
    zero = np.zeros(encoder.DIM, dtype=np.float32)
    reply_vecs = np.stack([found.get(r, zero) for r in replies])
    context_vecs = np.stack(
        [context_vector(np.stack([found.get(t, zero) for t in c] or [zero])) for c in contexts]
    )
    rules = np.stack(
        [
            rule_features(r, c, None if hits is None else hits[i])
            for i, (r, c) in enumerate(zip(replies, contexts, strict=True))
        ]
    )
    probs = heads.probabilities(feature_matrix(reply_vecs, context_vecs, rules))
    return [
        {name: float(p) for name, p in zip(SIGNALS, row, strict=True)} for row in probs.tolist()
    ]
