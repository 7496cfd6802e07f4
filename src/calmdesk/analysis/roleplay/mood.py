"""How the simulated customer's mood moves: events read from the trainee's reply, then weights.

The events come from the same review checks and reply signals that coach live replies; the persona's
weights and temperament say how much each one matters to this customer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from calmdesk.analysis.roleplay.scenario import TEMPERAMENTS, Scenario
from calmdesk.domain import AgentSignals, CheckStatus, Review

__all__ = ["Mood", "Reading", "move", "read_reply", "resolved"]

_POLICY = re.compile(
    r"\b(policy|policies|terms and conditions|terms of service|our rules|not permitted|"
    r"there is nothing (?:i|we) can do|unable to make an exception|no exceptions?)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_ASKING = re.compile(
    r"\s*(?:could|can|would|will) you (?:please )?(?:tell|give|send|share|confirm|let)|"
    r"\s*(?:please )?(?:tell|give|send|share|confirm) me\b",
    re.IGNORECASE,
)
_STEP = 0.4
"""The most one reply can move upset (before temperament); weights add up, diminishing."""


@dataclass(frozen=True, slots=True)
class Mood:
    upset: float
    trust: float
    mishandled: int = 0
    revealed: frozenset[str] = frozenset()
    happened: frozenset[str] = frozenset()  # calm events seen so far
    boundary_set: bool = False
    overpromised_at: int | None = None  # trainee turn index of an unkept over-promise

    def rounded(self) -> dict[str, float]:
        return {"upset": round(self.upset, 3), "trust": round(self.trust, 3)}


@dataclass(frozen=True, slots=True)
class Reading:
    """What one trainee reply did, in the simulator's terms."""

    anger: tuple[str, ...]
    calm: tuple[str, ...]
    asked_for: tuple[str, ...]  # facts the reply asks for
    failed_checks: tuple[str, ...] = ()
    fixes: tuple[str, ...] = field(default_factory=tuple)


def _status(review: Review, check: str) -> CheckStatus | None:
    return next((c.status for c in review.checks if c.check == check), None)


def _questions(text: str) -> str:
    """The reply's asking sentences: ending in "?" or opening like a request for information."""
    sentences = _SENTENCE.findall(text)
    return " ".join(s for s in sentences if s.rstrip().endswith("?") or _ASKING.match(s)).lower()


def _asked_for(text: str, scenario: Scenario, signals: AgentSignals) -> tuple[str, ...]:
    if signals.asks_question < 0.5:
        return ()
    asked = _questions(text)
    return tuple(f.key for f in scenario.facts if any(c in asked for c in f.asked_by))


def _calm_events(review: Review, signals: AgentSignals) -> list[str]:
    passed = {c.check for c in review.checks if c.status is CheckStatus.PASS}
    events = [
        name
        for check, name in (
            ("P2", "reflection"),
            ("P3", "empathy"),
            ("P7", "apology"),
            ("P10", "timeline"),
            ("P12", "checks_fit"),
            ("P13", "boundary"),
            ("P14", "escalation"),
        )
        if check in passed
    ]
    if "P9" in passed and signals.offers_solution >= 0.5:
        events.append("concrete_option")
    return events


def _anger_events(
    text: str, review: Review, calm: list[str], pending_question: bool, upset: float
) -> list[str]:
    failed = {c.check for c in review.checks if c.status is CheckStatus.FAIL}
    kinds = {t.kind for t in review.tone_problems}
    events = []
    if "P5" in failed:
        events.append("blame")
    if "calm_down" in kinds:
        events.append("calm_down")
    if kinds - {"calm_down"} or ("P4" in failed and "calm_down" not in kinds):
        events.append("tone")
    if "P3" in failed and upset >= 0.55 and "boundary" not in calm:
        events.append("no_empathy")  # a calmer customer does not need the feeling named again
    if "P11" in failed:
        events.append("overpromise")
    if _POLICY.search(text) and "concrete_option" not in calm:
        events.append("policy_wall")
    if pending_question and not {"concrete_option", "timeline", "reflection"} & set(calm):
        events.append("ignored")
    return events


def read_reply(
    text: str, signals: AgentSignals, scenario: Scenario, mood: Mood, *, pending_question: bool
) -> Reading:
    """The events of one trainee reply, from its review and signals."""
    review = signals.review
    if review is None or not text.strip():
        return Reading(("silence",), (), ())
    calm = _calm_events(review, signals)
    anger = _anger_events(text, review, calm, pending_question, mood.upset)
    asked = _asked_for(text, scenario, signals)
    if any(key in mood.revealed for key in asked):
        anger.append("asked_again")
    failed = [c for c in review.checks if c.status is CheckStatus.FAIL]
    return Reading(
        tuple(anger),
        tuple(calm),
        tuple(k for k in asked if k not in mood.revealed),
        tuple(c.check for c in failed),
        tuple(c.fix for c in failed if c.fix),
    )


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def _solution_counts(scenario: Scenario, mood: Mood) -> bool:
    return all(key in mood.revealed for key in scenario.needs_facts)


def move(scenario: Scenario, mood: Mood, reading: Reading, turn: int) -> Mood:
    """The mood after one reply: persona weights times temperament, boundaries, unkept promises."""
    hot, cool = TEMPERAMENTS[scenario.temperament]
    calm = [e for e in reading.calm if e != "concrete_option" or _solution_counts(scenario, mood)]
    boundary = mood.boundary_set or "boundary" in calm
    gain = sum(scenario.angered_by.get(e, 0.1 if e == "silence" else 0.0) for e in reading.anger)
    relief = sum(scenario.calmed_by.get(e, 0.0) for e in calm)
    if scenario.requires_boundary and not boundary:
        relief *= 0.25  # abuse goes on until a limit is set (P13)
    worse, better = _STEP * hot * (1 - math.exp(-gain)), _STEP * cool * (1 - math.exp(-relief))
    upset = mood.upset + worse - better
    trust = mood.trust - 0.8 * worse + 0.8 * better
    if scenario.requires_boundary and not boundary:
        upset = max(upset, scenario.start_upset - 0.1)
    mishandled = mood.mishandled + (1 if gain > relief else 0)
    overpromised = mood.overpromised_at
    if "overpromise" in reading.anger and overpromised is None:
        overpromised = turn
    return replace(
        mood,
        upset=_clamp(upset),
        trust=_clamp(trust),
        mishandled=mishandled,
        revealed=mood.revealed | set(reading.asked_for),
        happened=mood.happened | set(calm),
        boundary_set=boundary,
        overpromised_at=overpromised,
    )


def resolved(scenario: Scenario, mood: Mood) -> bool:
    """The persona's success: calm enough, trusting enough, and what it needs has happened."""
    return (
        mood.upset < scenario.success_upset_below
        and mood.trust >= scenario.success_trust_at_least
        and set(scenario.needs) <= mood.happened
        and (not scenario.requires_boundary or mood.boundary_set)
    )
