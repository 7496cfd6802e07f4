"""The learned customer signals: upset, anger, abuse, sarcasm, urgency, waiting, the requests
(manager, cancel) and the threats (legal, chargeback, public).

One logistic head per signal over one feature row of the turn: its multilingual sentence vector
(`analysis.language.encoder`, which every turn already gets for the customer heads and carries in
`HeadRow.vector`, so every language is read and no other encoder runs), optionally the pipeline's
sentence vector (a head trained with it; the packaged file is not, since the analysis reads every
text with that same multilingual encoder), and the rule features (`rule_features`: the head scores,
the tone and cue pieces, the rule scorers' outputs, which requests and threats the rules found, and
how many earlier turns the customer wrote; the earlier turns' own scores are not features, since at
run time they are the learned scores and in training the rules' ones). The rules stay the
explanation (spans) and the hard checks (`scorers.learned_signals`); the heads read wording the
lexicons do not know ("I'll be taking this up with my card company") into scores.

A turn costs one (1 x ~560) by (560 x 11) product: the standardisation is folded into the
weights at training. Weights are plain arrays in `analysis/models/customer_signals.npz` (no
pickle), written by `calmdesk models train --heads signals`; loaded once per process.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calmdesk.analysis.artefact import Artefacts
from calmdesk.analysis.customer.anger_cues import CUE_NAMES, anger_cues
from calmdesk.analysis.customer.grams import GramReader
from calmdesk.domain.signals import EMOTIONS, CustomerSignals, MentionKind

__all__ = [
    "ARTEFACT",
    "MENTION_SIGNALS",
    "RULE_NAMES",
    "SIGNALS",
    "SignalHeads",
    "load",
    "rule_features",
]

ARTEFACT = Path(__file__).resolve().parent.parent / "models" / "customer_signals.npz"
SIGNALS: tuple[str, ...] = (
    "upset",
    "anger",
    "abuse",
    "sarcasm",
    "urgency",
    "waiting",
    "manager_request",
    "cancel_request",
    "legal_threat",
    "chargeback_threat",
    "public_threat",
)
"""The learned signals, in the artefact's column order (the labelled set's label names)."""

MENTION_SIGNALS: dict[str, MentionKind] = {
    "manager_request": MentionKind.SUPERVISOR,
    "cancel_request": MentionKind.CANCEL,
    "legal_threat": MentionKind.LEGAL,
    "chargeback_threat": MentionKind.CHARGEBACK,
    "public_threat": MentionKind.PUBLIC_REVIEW,
}
"""The request and threat signals and the mention kind each stands for."""

_TONE = (
    "shouting",
    "exclaiming",
    "negative",
    "gratitude",
    "urgency",
    "waiting",
    "mild",
    "positive",
    "contrast",
)
_DONE = ("sarcasm", "waiting", "abuse", "anger", "complaint", "urgency", "upset", "politeness")
RULE_NAMES: tuple[str, ...] = (
    *(f"head:emotion:{e}" for e in EMOTIONS),
    "head:anger",
    "head:offensive",
    "head:complaint",
    "head:politeness",
    "head:sarcasm",
    *(f"tone:{t}" for t in _TONE),
    "cue:irony",
    *(f"rule:{d}" for d in _DONE),
    *(f"rule:emotion:{e}" for e in EMOTIONS),
    *(f"mention:{k.value}" for k in MentionKind),
    "abuse_spans",
    "earlier_turns",
    "not_english",
    "not_supported",
    "length",
    "question_marks",
    *(f"said:{c}" for c in CUE_NAMES),
)


def rule_features(
    ctx: Any, done: Mapping[str, Any], history: Sequence[CustomerSignals] = ()
) -> np.ndarray:
    """The rule part of a turn's feature row (each value about 0-1), from its `TurnContext` and
    the rule scorers' outputs `done`; `history` holds the earlier customer turns' signals."""
    heads, tone = ctx.heads, ctx.tone
    kinds = {m.kind for m in (*done["requests"], *done["threats"])}
    text = ctx.text
    values = [
        *(float(heads.emotion.get(e, 0.0)) for e in EMOTIONS),
        heads.anger,
        heads.offensive,
        heads.complaint,
        heads.politeness,
        heads.sarcasm,
        *(float(getattr(tone, t)) for t in _TONE),
        float(ctx.cues.irony),
        *(float(done[d]) for d in _DONE),
        *(float(done["emotion"].get(e, 0.0)) for e in EMOTIONS),
        *(1.0 if k in kinds else 0.0 for k in MentionKind),
        1.0 if done["abuse_spans"] else 0.0,
        min(len(history), 3) / 3,
        0.0 if heads.language == "en" else 1.0,
        0.0 if heads.language_supported else 1.0,
        min(math.log1p(len(text)) / 7, 1.0),
        min(text.count("?"), 3) / 3,
        *anger_cues(text),
    ]
    return np.asarray(values, dtype=np.float32)


@dataclass(slots=True)
class SignalHeads:
    """One logistic head per signal, with the standardisation folded into the weights.

    A row's logit is `vector_logits(multilingual) + english @ w_english + rules @ w_rules +
    gram_logits(texts) + bias` (each weight (width, len(SIGNALS))); `w_english` may have zero
    rows (not used) and `grams` may be empty (no character n-gram block: `w_grams` has zero
    rows); a head that does not read the grams has zeros in its column of `w_grams`."""

    w_multilingual: np.ndarray
    w_english: np.ndarray
    w_rules: np.ndarray
    bias: np.ndarray
    meta: dict[str, Any]
    grams: tuple[str, ...] = ()
    gram_idf: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    w_grams: np.ndarray = field(default_factory=lambda: np.zeros((0, len(SIGNALS)), np.float32))
    _reader: GramReader | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.grams:
            vocabulary = {g: i for i, g in enumerate(self.grams)}
            self._reader = GramReader(vocabulary, self.gram_idf, self.w_grams)

    def vector_logits(self, vectors: np.ndarray) -> np.ndarray:
        """The multilingual vectors' share of every head's logit (n, len(SIGNALS))."""
        share: np.ndarray = np.asarray(vectors, dtype=np.float32) @ self.w_multilingual
        return share

    def gram_logits(self, texts: Sequence[str]) -> np.ndarray:
        """The character n-grams' share of every head's logit (n, len(SIGNALS))."""
        out = np.zeros((len(texts), len(SIGNALS)), np.float32)
        if self._reader is not None:
            for i, text in enumerate(texts):
                out[i] = self._reader.logits(text)
        return out

    def probabilities(
        self,
        vector_part: np.ndarray,
        english: np.ndarray | None,
        rules: np.ndarray,
        gram_part: np.ndarray | None = None,
    ) -> np.ndarray:
        """Every head's probability for rows whose vector share is `vector_part` (and whose
        n-gram share is `gram_part`, from `gram_logits`)."""
        z = vector_part + rules @ self.w_rules + self.bias
        if english is not None and self.w_english.shape[0]:
            z = z + english @ self.w_english
        if gram_part is not None:
            z = z + gram_part
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))), dtype=np.float64)

    @property
    def thresholds(self) -> dict[str, float]:
        """The probability at which each request or threat counts as found without a rule span
        (0.5 for one not named)."""
        found: dict[str, float] = self.meta.get("thresholds", {})
        return found

    def threshold(self, signal: str) -> float:
        return float(self.thresholds.get(signal, 0.5))

    def save(self, path: Path) -> None:
        meta = dict(self.meta) | {"signals": list(SIGNALS), "rules": list(RULE_NAMES)}
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(meta, sort_keys=True)),
            w_multilingual=self.w_multilingual.astype(np.float32),
            w_english=self.w_english.astype(np.float32),
            w_rules=self.w_rules.astype(np.float32),
            bias=self.bias.astype(np.float32),
            grams=np.array(list(self.grams), dtype=str),
            gram_idf=np.asarray(self.gram_idf, np.float32),
            w_grams=np.asarray(self.w_grams, np.float32).reshape(len(self.grams), len(SIGNALS)),
        )

    @classmethod
    def read(cls, path: Path) -> SignalHeads:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            heads = cls(
                z["w_multilingual"],
                z["w_english"],
                z["w_rules"],
                z["bias"],
                meta,
                tuple(str(g) for g in z["grams"].tolist()) if "grams" in z else (),
                z["gram_idf"] if "gram_idf" in z else np.zeros(0, np.float32),
                z["w_grams"] if "w_grams" in z else np.zeros((0, len(SIGNALS)), np.float32),
            )
        if tuple(meta.get("signals", ())) != SIGNALS or tuple(meta.get("rules", ())) != RULE_NAMES:
            raise ValueError("the customer signal heads were trained on other signals or features")
        if heads.w_grams.shape != (len(heads.grams), len(SIGNALS)) or heads.gram_idf.shape != (
            len(heads.grams),
        ):
            raise ValueError("the customer signal heads' n-gram block is inconsistent")
        return heads


_artefacts = Artefacts(SignalHeads.read, "customer signals")


def load(path: Path = ARTEFACT) -> SignalHeads:
    """The learned customer signal heads in `path`, read once per process."""
    return _artefacts.get(path)


def read(ctx: Any, done: Mapping[str, Any], path: Path = ARTEFACT) -> dict[str, float] | None:
    """The learned probability of every signal for one turn; None for a turn the heads did not
    read (an empty text has no vector), which keeps its rule scores."""
    vector = ctx.heads.vector
    if vector is None:
        return None
    heads = load(path)
    english = ctx.embedding
    if english is not None and english.shape[0] != heads.w_english.shape[0]:
        english = None
    rules = rule_features(ctx, done, ctx.history)
    grams = heads.gram_logits([ctx.text])[0]
    row = heads.probabilities(heads.vector_logits(vector[None, :])[0], english, rules, grams)
    return {name: float(p) for name, p in zip(SIGNALS, row.tolist(), strict=True)}
