"""What a check sees: the customer's state before the draft, and the draft's phrase hits."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from calmdesk.analysis.reply.cues import CUSTOMER_CUES
from calmdesk.analysis.reply.lexicon import ACRONYMS, DRAFT_PATTERNS, STOPWORDS
from calmdesk.analysis.reply.playbook import Playbook
from calmdesk.domain import (
    AbuseKind,
    Cause,
    CustomerSignals,
    MentionKind,
    Role,
    Span,
    Turn,
    TurnAnalysis,
)

__all__ = ["CustomerState", "ReviewContext", "customer_state", "draft_hits", "key_terms"]

_FAILURE_CAUSES = frozenset(
    {
        Cause.DELIVERY_DELAY,
        Cause.DEFECT,
        Cause.BILLING,
        Cause.SERVICE_FAILURE,
        Cause.ACCOUNT_ACCESS,
        Cause.EXPECTATIONS,
        Cause.COMMUNICATION,
    }
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d{3,}")
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
_NOT_ABUSE = frozenset({"people", "bunch", "all", "such", "just", "get", "piece", "lot"})


@dataclass(frozen=True, slots=True)
class CustomerState:
    """The customer as the draft must meet them (the turns since the last agent reply, mostly)."""

    text: str
    concern: str  # where the customer said what went wrong: the recent turns or an earlier one
    satisfied: bool  # the newest turns thank or confirm a fix, with no new trouble in them
    upset: float
    abusive: bool
    abuse_words: tuple[str, ...]
    let_down: bool
    cause_known: bool
    unclear: bool
    wants_escalation: bool
    has_signals: bool
    answered: tuple[str, ...] = ()  # the customer turns the draft answers (at most 3, oldest first)


@dataclass(frozen=True, slots=True)
class ReviewContext:
    draft: str
    customer: CustomerState
    playbook: Playbook
    hits: dict[str, tuple[Span, ...]]
    now: datetime | None = None
    memo: dict[str, Any] = field(default_factory=dict)  # results several checks share
    scores: dict[str, float] = field(default_factory=dict)  # learned + rule scores (signals.py)

    def score(self, name: str) -> float:
        """The draft's combined score for signal `name` (0 when the review has none)."""
        return self.scores.get(name, 0.0)

    def found(self, name: str) -> tuple[Span, ...]:
        return self.hits.get(name, ())


def draft_hits(draft: str) -> dict[str, tuple[Span, ...]]:
    """Every lexicon pattern's matches in the draft, as labelled spans (the draft lowercased once
    for all of them: `prefilter.Guarded`)."""
    lowered = draft.lower() if draft.isascii() else draft
    return {
        name: tuple(
            Span(m.start(), m.end(), m.group(0), name) for m in pattern.matches(draft, lowered)
        )
        for name, pattern in DRAFT_PATTERNS.items()
    }


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    word = word.lower().strip("'-")
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:6]


@functools.lru_cache(maxsize=8192)
def key_terms(text: str) -> frozenset[str]:
    """Content-word stems of a text (stopwords dropped), used to see if a draft reflects it.
    Remembered for recent texts: one review asks about the same turns many times."""
    return frozenset(
        _stem(w) for w in _WORD.findall(text) if w.lower() not in STOPWORDS and len(w) > 2
    )


def _recent(history: Sequence[Turn], analyses: Sequence[TurnAnalysis]) -> list[int]:
    """Indices of the customer turns since the last agent turn (or the last customer turn)."""
    recent: list[int] = []
    for i in range(len(history) - 1, -1, -1):
        role = history[i].role
        if role is Role.CUSTOMER:
            recent.append(i)
        elif role is Role.AGENT and recent:
            break
    return sorted(recent)


def _signals(analyses: Sequence[TurnAnalysis], i: int) -> CustomerSignals | None:
    if i < len(analyses) and isinstance(analyses[i].signals, CustomerSignals):
        return analyses[i].signals  # type: ignore[return-value]
    return None


def _abuse_words(text: str, sig: CustomerSignals | None) -> set[str]:
    """The insulting words themselves (not 'you are ...'), from the cues and the model's spans."""
    phrases = [m.group(0) for m in CUSTOMER_CUES["insult"].finditer(text)]
    if sig is not None:
        phrases += [s.text for s in sig.abuse_spans]
    words = {w.lower() for p in phrases for w in _WORD.findall(p)}
    return {w for w in words if w not in STOPWORDS and w not in _NOT_ABUSE and len(w) > 2}


def _upset_from_words(text: str, abuse: set[str]) -> float:
    caps = sum(1 for w in _CAPS.findall(text) if w not in ACRONYMS)
    cues = len(CUSTOMER_CUES["upset"].findall(text)) + 1.2 * len(abuse) + 0.7 * min(caps, 2)
    return min(1.0, 0.25 * cues)


def _abusive(sig: CustomerSignals) -> bool:
    kinds = {AbuseKind.INSULT, AbuseKind.HARASSMENT}
    return bool(kinds & set(sig.abuse_kinds)) or sig.abuse >= 0.8


def _answered(history: Sequence[Turn], recent: list[int], earlier: str) -> tuple[str, ...]:
    """The customer turns a draft answers, at most 3, the one it answers last: the recent ones,
    oldest first; when they do not say what went wrong ("Yes please."), the earlier turn that does
    comes last, as the turn the draft answers (the reply heads read the last turn most)."""
    turns = [history[i].text for i in recent if history[i].text.strip()][-3:]
    if earlier:
        turns = [*turns[-2:], earlier]
    return tuple(turns)


@functools.lru_cache(maxsize=8192)
def _has(cue: str, text: str) -> bool:
    """Whether the customer cue `cue` is found in `text`; remembered for recent texts (a review
    asks about the same turns several times, and the next reply about them again)."""
    return CUSTOMER_CUES[cue].search(text) is not None


def _earlier_concern(history: Sequence[Turn], recent: list[int], text: str, abuse: set[str]) -> str:
    """The earlier customer turn that says what went wrong, or "" when the recent text does."""
    skip = {_stem(w) for w in abuse}
    if _has("let_down", text) and len(key_terms(text) - skip) >= 3:
        return ""
    first = min(recent, default=len(history))
    earlier = [
        history[i].text for i in range(first - 1, -1, -1) if history[i].role is Role.CUSTOMER
    ]
    for said in earlier:
        if _has("let_down", said):
            return said
    if len(key_terms(text) - skip) >= 3:
        return ""
    for said in earlier:
        if len(key_terms(said) - skip) >= 3:
            return said
    return ""


def customer_state(history: Sequence[Turn], analyses: Sequence[TurnAnalysis]) -> CustomerState:
    """Combine the model's customer signals (when given) with cues from the customer's words."""
    recent = _recent(history, analyses)
    text = "\n".join(history[i].text for i in recent)
    all_text = "\n".join(t.text for t in history if t.role is Role.CUSTOMER)
    sigs = [s for s in (_signals(analyses, i) for i in recent) if s is not None]
    every = [s for s in (_signals(analyses, i) for i in range(len(history))) if s is not None]
    abuse = set().union(*(_abuse_words(history[i].text, _signals(analyses, i)) for i in recent))
    let_down_cue = _has("let_down", all_text)
    cause_known = any(s.cause in _FAILURE_CAUSES and s.cause_confidence >= 0.4 for s in every)
    let_down = cause_known or let_down_cue or any(s.complaint >= 0.5 for s in every)
    upset = max([s.upset for s in sigs] + [_upset_from_words(text, abuse)])
    if let_down and not _has("calm", text):
        upset = max(upset, 0.45)
    abusive = bool(abuse) or any(_abusive(s) for s in sigs)
    troubled = upset >= 0.4 or abusive
    terms = len(key_terms(all_text) - {_stem(w) for w in abuse})
    wants = any(m.kind is MentionKind.SUPERVISOR for s in sigs for m in s.requests)
    wants = wants or _has("escalation_request", text)
    asks = _has("request", text)
    unclear = (
        terms < 7
        and not wants
        and (
            _has("vague", text)
            or (not asks and troubled and not let_down_cue and terms < 4)
            or (not asks and let_down and terms < 2)
        )
    )
    satisfied = (
        _has("satisfied", text)
        and not _has("let_down", text)
        and not _has("ongoing", text)  # "thanks a lot, still no refund"
        and not abusive
        and not wants
        and max([s.upset for s in sigs], default=0.0) < 0.4
        and max([s.complaint for s in sigs], default=0.0) < 0.5  # "oh wonderful, five days late"
    )
    earlier = _earlier_concern(history, recent, text, abuse)
    return CustomerState(
        text=text,
        concern=f"{earlier}\n{text}" if earlier else text,
        satisfied=satisfied,
        upset=upset,
        abusive=abusive,
        abuse_words=tuple(sorted(abuse)),
        let_down=let_down,
        cause_known=cause_known,
        unclear=unclear,
        wants_escalation=wants,
        has_signals=bool(sigs),
        answered=_answered(history, recent, earlier),
    )
