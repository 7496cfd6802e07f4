"""A role-play session: the simulated customer reacts to each trainee reply until an outcome.

`Session(scenario, seed)` opens with the customer's first message; `reply(text)` reads the trainee's
reply with the live analysis (review checks and reply signals), moves the mood by the persona's
weights, and returns the customer's next message (None once the session has ended). `result()` is
the `calmdesk roleplay run` object. Pass `reader` to use another analysis, `backend` to let an
OpenAI-compatible model phrase the customer's turns (the offline phrasing takes over on any error).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from calmdesk.analysis.llm import ChatBackend
from calmdesk.analysis.reply import MAX_DRAFT_CHARS
from calmdesk.analysis.roleplay.mood import Mood, Reading, move, read_reply, resolved
from calmdesk.analysis.roleplay.scenario import TEMPERAMENTS, Scenario
from calmdesk.analysis.roleplay.voice import compose, rng_for
from calmdesk.domain import AgentSignals, Conversation, ConversationAnalysis, Role, Turn
from calmdesk.domain.errors import Conflict, MalformedInput

__all__ = ["OUTCOMES", "Reader", "Session", "Step"]

OUTCOMES = ("resolved", "escalated", "abandoned", "ongoing")
Reader = Callable[[Conversation], ConversationAnalysis]
_REACTION = (
    ("silence", "silence"),
    ("calm_down", "told_to_calm"),
    ("blame", "blamed"),
    ("asked_again", "asked_again"),
    ("policy_wall", "policy"),
    ("ignored", "unanswered"),
)
_MAX_BACKEND_CHARS = 800


def _default_reader(conversation: Conversation) -> ConversationAnalysis:
    from calmdesk.analysis.pipeline import analyze_conversation

    return analyze_conversation(conversation)


@dataclass(frozen=True, slots=True)
class Step:
    """One trainee reply and what it did to the customer."""

    reply: str
    reading: Reading
    before: Mood
    after: Mood
    review_score: int
    answer: str | None


class Session:
    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        *,
        reader: Reader | None = None,
        backend: ChatBackend | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self._reader = reader or _default_reader
        self._backend = backend
        self._id = f"roleplay-{uuid.uuid4().hex}"
        self.mood = Mood(scenario.start_upset, scenario.start_trust)
        self.steps: list[Step] = []
        self.outcome = "ongoing"
        self.finished = False
        self._scored: tuple[Conversation, ConversationAnalysis] | None = None
        opening = self._say(["opening"], (), 0)
        self.turns: list[Turn] = [Turn(Role.CUSTOMER, opening)]

    @property
    def opening(self) -> str:
        return self.turns[0].text

    def _say(self, kinds: list[str], reveal: tuple[str, ...], turn: int) -> str:
        offline = compose(kinds, self.scenario, rng_for(self.scenario.id, self.seed, turn), reveal)
        if self._backend is None:
            return offline
        return self._phrase(kinds, reveal, offline)

    def _phrase(self, kinds: list[str], reveal: tuple[str, ...], offline: str) -> str:
        s = self.scenario
        hidden = [f.value for f in s.facts if f.key not in self.mood.revealed | set(reveal)]
        prompt = (
            f"You are {s.name}, a customer. Situation: {s.situation} Your goal: {s.goal} "
            f"Temperament: {s.temperament}. Upset {self.mood.upset:.2f} of 1, trust "
            f"{self.mood.trust:.2f} of 1. Write your next message ({', '.join(kinds)}), one short "
            f"paragraph, in character. Say this in your own words: {offline}"
        )
        history = [
            {"role": "assistant" if t.role is Role.CUSTOMER else "user", "content": t.text}
            for t in getattr(self, "turns", [])
        ]
        try:
            text = self._backend.complete([{"role": "system", "content": prompt}, *history])  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - any failure of the optional backend falls back offline
            return offline
        text = text.strip() if isinstance(text, str) else ""
        if not text or len(text) > _MAX_BACKEND_CHARS or any(v in text for v in hidden):
            return offline  # empty, rambling, or revealing what was not asked for
        return text

    def _read(self, text: str) -> tuple[AgentSignals | None, int]:
        if not text.strip():
            return None, 0
        conversation = Conversation(self._id, tuple(self.turns))
        analysis = self._reader(conversation)
        self._scored = (conversation, analysis)
        signals = analysis.turns[-1].signals
        if not isinstance(signals, AgentSignals) or signals.review is None:
            return None, 0
        return signals, signals.review.score

    def reply(self, text: object) -> str | None:
        """Take the trainee's reply; return the customer's answer (their last word if it ends here).

        Returns None when the turn limit ends the session with no further customer message."""
        if self.finished:
            raise Conflict("This role-play has ended; start a new session to practise again.")
        if not isinstance(text, str):
            raise MalformedInput(f"A reply must be text, not {type(text).__name__}.")
        clean = text.replace("\x00", "")[:MAX_DRAFT_CHARS]
        turn = len(self.steps) + 1
        if clean.strip():
            self.turns.append(Turn(Role.AGENT, clean))
        signals, score = self._read(clean)
        pending = "?" in self.turns[-2 if clean.strip() else -1].text
        before = self.mood
        reading = (
            read_reply(clean, signals, self.scenario, before, pending_question=pending)
            if signals is not None
            else Reading(("silence",), (), ())
        )
        self.mood = move(self.scenario, before, reading, turn)
        kinds = self._next(reading, turn)
        answer = None if kinds is None else self._say(kinds, reading.asked_for, turn)
        if answer is not None:
            self.turns.append(Turn(Role.CUSTOMER, answer))
        self.steps.append(Step(clean, reading, before, self.mood, score, answer))
        return answer

    def _catch_overpromise(self, turn: int) -> bool:
        made = self.mood.overpromised_at
        if made is None or turn <= made:
            return False
        hot = TEMPERAMENTS[self.scenario.temperament][0]
        weight = self.scenario.angered_by.get("overpromise", 0.2)
        self.mood = replace(
            self.mood,
            upset=min(1.0, self.mood.upset + 0.2 * hot * weight + 0.05),
            trust=max(0.0, self.mood.trust - 0.25),
            overpromised_at=None,
            mishandled=self.mood.mishandled + 1,
        )
        return True

    def _end(self, outcome: str, kind: str) -> list[str]:
        self.outcome, self.finished = outcome, True
        return [kind]

    def _next(self, reading: Reading, turn: int) -> list[str] | None:
        s, caught = self.scenario, self._catch_overpromise(turn)
        if not caught and resolved(s, self.mood):
            return self._end("resolved", "accept")
        if self.mood.mishandled >= s.patience:
            return self._end(s.when_lost, "manager" if s.when_lost == "escalated" else "leave")
        kinds = ["caught_overpromise"] if caught else []
        kinds += [line for event, line in _REACTION if event in reading.anger][:1]
        if reading.asked_for:
            kinds.append("reveal")
        if s.requires_boundary and not self.mood.boundary_set:
            kinds.append("abuse")
        elif self.mood.upset >= 0.8 and self.mood.mishandled >= 1:
            kinds.append("manager" if turn % 2 else "threat")
        if not kinds or kinds == ["reveal"]:
            kinds.append("partial" if reading.calm and not reading.anger else "repeat")
        if turn >= s.max_turns:
            self.finished = True  # the turn limit: the outcome stays "ongoing"
            return None
        return kinds

    def score(self) -> int:
        """0-100 by the auto-QA rubric (`analysis.qa`) over the practice conversation, as far as
        the trainee's last reply; a resolved session counts as resolved on record."""
        if self._scored is None:
            return 0
        from calmdesk.analysis.qa import ConversationFacts, score_conversation

        conversation, analysis = self._scored
        facts = ConversationFacts(status="resolved" if self.outcome == "resolved" else None)
        return score_conversation(conversation, analysis, facts=facts).score

    def feedback(self) -> list[str]:
        notes = []
        for i, st in enumerate(self.steps, 1):
            moved = []
            if st.reading.calm:
                moved.append("calmed by " + ", ".join(e.replace("_", " ") for e in st.reading.calm))
            if st.reading.anger:
                moved.append(
                    "angered by " + ", ".join(e.replace("_", " ") for e in st.reading.anger)
                )
            what = "; ".join(moved) or "no change the customer noticed"
            notes.append(
                f"Reply {i}: {what} (upset {st.before.upset:.2f} -> {st.after.upset:.2f})."
            )
        fixes = Counter(f for st in self.steps if st.reading.anger for f in st.reading.fixes)
        notes.extend(f"Try next: {fix}" for fix, _ in fixes.most_common(3))
        notes.append(f"Outcome: {self.outcome}.")
        return notes

    def result(self) -> dict[str, Any]:
        """The `calmdesk roleplay run` object."""
        return {
            "scenario": self.scenario.id,
            "transcript": [{"role": t.role.value, "text": t.text} for t in self.turns],
            "mood": [st.after.rounded() for st in self.steps],
            "outcome": self.outcome,
            "score": self.score(),
            "feedback": self.feedback(),
        }
