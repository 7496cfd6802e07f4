"""Where a conversation is heading: trend, escalation risk (0-1) and reasons a person can read.

Everything here is computed from the customer turns' signals, in order. Each piece of evidence
has a weight; the risk is their noisy-or, damped when the customer is cooling down. Reasons are
listed strongest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calmdesk.analysis.customer import UPSET_AT
from calmdesk.analysis.patterns import combine
from calmdesk.domain.signals import Cause, CustomerSignals, MentionKind, Trend

__all__ = ["ANGRY_AT", "Outlook", "outlook"]

ANGRY_AT = 0.5
"""Anger at or above this counts as an angry turn."""

_TIMES = {1: "", 2: " twice"}
_ABUSE_WORDS = {"profanity": "swearing", "insult": "insults", "threat": "threats of harm"}


@dataclass(frozen=True, slots=True)
class Outlook:
    trend: Trend
    escalation_risk: float
    reasons: list[str]


def _times(n: int) -> str:
    return _TIMES.get(n, f" {n} times")


def _trend(upset: Sequence[float]) -> Trend:
    if not upset:
        return Trend.STEADY
    last = upset[-1]
    if len(upset) == 1:
        return Trend.HEATING if last >= UPSET_AT else Trend.STEADY
    before = upset[-3:-1]
    delta = last - sum(before) / len(before)
    if delta <= -0.2 or (last < 0.3 and max(before) >= UPSET_AT):
        return Trend.COOLING
    if delta >= 0.15:
        return Trend.HEATING
    return Trend.STEADY


def _streak(values: Sequence[float], at: float) -> int:
    count = 0
    for value in reversed(values):
        if value < at:
            break
        count += 1
    return count


def _rising(values: Sequence[float]) -> int:
    """How many turns, ending with the last, show anger going up each time."""
    count = 1
    for i in range(len(values) - 1, 0, -1):
        if values[i] - values[i - 1] < 0.05:
            break
        count += 1
    return count if len(values) > 1 else 0


def _same_problem(turns: Sequence[CustomerSignals]) -> int:
    """Complaint turns about the last turn's cause (a named cause only)."""
    cause = turns[-1].cause
    if cause in (Cause.NONE, Cause.OTHER):
        return 0
    return sum(1 for t in turns if t.cause is cause and t.complaint >= 0.5)


def _mention_count(turns: Sequence[CustomerSignals], kind: MentionKind) -> int:
    return sum(1 for t in turns for m in (*t.requests, *t.threats) if m.kind is kind)


def _mood_evidence(turns: Sequence[CustomerSignals]) -> list[tuple[float, str]]:
    anger = [t.anger for t in turns]
    found: list[tuple[float, str]] = [(0.45 * turns[-1].upset, "")]
    streak, rising = _streak(anger, ANGRY_AT), _rising(anger)
    if streak >= 2:
        found.append((0.25 if streak == 2 else 0.45, f"{streak} angry turns in a row"))
    if rising >= 3 and anger[-1] >= 0.3:
        found.append((0.3, f"anger rising over {rising} turns"))
    kinds = [k.value for t in turns if t.abuse >= 0.5 for k in t.abuse_kinds]
    if any(t.abuse >= 0.5 for t in turns):
        words = ", ".join(dict.fromkeys(_ABUSE_WORDS.get(k, k) for k in kinds)) or "abuse"
        found.append((0.35, f"abusive language ({words})"))
    repeated = _same_problem(turns)
    if repeated >= 3:
        cause = turns[-1].cause.value.replace("_", " ")
        found.append((0.25, f"raised the same {cause} problem {repeated} times"))
    if turns[-1].urgency >= 0.6:
        found.append((0.15, "says it is urgent"))
    if turns[-1].waiting >= 0.5:
        found.append((0.2, "complains of waiting or of nobody answering"))
    if turns[-1].sarcasm >= 0.6:
        found.append((0.1, "sarcastic"))
    return found


_MENTION_REASONS: tuple[tuple[MentionKind, float, float, str], ...] = (
    (MentionKind.SUPERVISOR, 0.35, 0.55, "asked for a manager{n}"),
    (MentionKind.LEGAL, 0.5, 0.6, "threatened legal action"),
    (MentionKind.CHARGEBACK, 0.45, 0.55, "threatened to dispute the charge with their bank"),
    (MentionKind.PUBLIC_REVIEW, 0.35, 0.45, "threatened a public review or social media post"),
    (MentionKind.CANCEL, 0.3, 0.4, "wants to cancel or leave"),
    (MentionKind.REPEAT_CONTACT, 0.3, 0.4, "says they have had to contact you before"),
    (MentionKind.REFUND, 0.15, 0.2, "asked for a refund"),
)


def _mention_evidence(turns: Sequence[CustomerSignals]) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    for kind, once, more, text in _MENTION_REASONS:
        n = _mention_count(turns, kind)
        if n:
            found.append((once if n == 1 else more, text.format(n=_times(n))))
    return found


_PRESSING = (
    MentionKind.LEGAL,
    MentionKind.CHARGEBACK,
    MentionKind.PUBLIC_REVIEW,
    MentionKind.CANCEL,
)


def _presses(last: CustomerSignals) -> bool:
    """A threat, a manager request or abuse in the newest turn: whatever the tone, not calming."""
    kinds = {m.kind for m in (*last.requests, *last.threats)}
    return last.abuse >= 0.5 or MentionKind.SUPERVISOR in kinds or bool(kinds & set(_PRESSING))


def outlook(turns: Sequence[CustomerSignals]) -> Outlook:
    """Trend, escalation risk and reasons from the customer turns' signals, oldest first."""
    if not turns:
        return Outlook(Trend.STEADY, 0.0, [])
    trend = _trend([t.upset for t in turns])
    if trend is Trend.COOLING and (_presses(turns[-1]) or not turns[-1].language_supported):
        trend = Trend.STEADY  # pressing on, or a turn not read (Polish): never "calming down"
    evidence = _mood_evidence(turns) + _mention_evidence(turns)
    if trend is Trend.HEATING and len(turns) > 1:
        evidence.append((0.15, ""))
    risk = combine(weight for weight, _ in evidence)
    if trend is Trend.COOLING:
        risk *= 0.4
    ranked = sorted((e for e in evidence if e[1]), key=lambda e: -e[0])
    reasons = [reason for _, reason in ranked]
    if trend is Trend.COOLING:
        reasons.insert(0, "the customer is calming down")
    elif trend is Trend.HEATING and len(turns) > 1:
        reasons.insert(0, "the customer is getting more upset")
    reasons.extend(_limits(turns))
    return Outlook(trend, round(min(1.0, risk), 4), reasons)


def _limits(turns: Sequence[CustomerSignals]) -> list[str]:
    """ "analysis limited: Polish" for each unsupported language the customer wrote in."""
    from calmdesk.analysis.language import language_name

    codes = dict.fromkeys(t.language for t in turns if not t.language_supported)
    return [f"analysis limited: {language_name(code)}" for code in codes]
