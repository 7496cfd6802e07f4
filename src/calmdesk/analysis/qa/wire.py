"""The JSON Lines shape of `calmdesk qa` (docs/qa.md).

In: the analyze contract, one conversation a line, `{"id", "turns": [{"role", "text", "at"}]}`,
where a turn may also carry the `signals` that `calmdesk analyze` wrote for it (and the line its
`trend`, `escalation_risk` and `reasons`): when every turn has signals they are reused and nothing
is analysed again. An optional `record` object holds what the record knows (facts.py).
Out: `{"id", "score", "criteria": {name: {"status", "evidence"}}, "agent_turns": [{"index",
"score", "failed"}], "outcome": {...}}`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from calmdesk.analysis.qa.decode import analysis_from_record
from calmdesk.analysis.qa.facts import ConversationFacts, facts_from_json
from calmdesk.analysis.qa.scorecard import Evidence, Scorecard, TurnScore
from calmdesk.analysis.wire import conversation_parts, decode_line, parse_time, turn_fields
from calmdesk.domain import Conversation, ConversationAnalysis, MalformedInput, Turn

__all__ = ["QaItem", "parse_qa_line", "qa_item", "scorecard_record"]


@dataclass(frozen=True, slots=True)
class QaItem:
    """One input line read: the conversation, its stored analysis (None: analyse it), its facts."""

    conversation: Conversation
    analysis: ConversationAnalysis | None
    facts: ConversationFacts


def _turn(raw: object, where: str) -> tuple[Turn, object | None]:
    role, fields = turn_fields(raw, where)
    text, signals = fields.get("text"), fields.get("signals")
    if text is None and signals is None:
        raise MalformedInput(f"{where} needs text (or the signals calmdesk analyze gave it).")
    if text is not None and not isinstance(text, str):
        raise MalformedInput(f"{where}.text must be a string.")
    return Turn(role, text or "", parse_time(fields.get("at"), where)), signals


def qa_item(data: object) -> QaItem:
    """A QaItem from one decoded line; MalformedInput / UnsupportedValue name the wrong field.

    The envelope, roles and times are read by the analyze contract's own parser (analysis.wire);
    QA adds only that a turn may carry its signals instead of its text."""
    cid, data, raw_turns = conversation_parts(data)
    if not raw_turns:
        raise MalformedInput("turns is empty: there is nothing to score.")
    read = [_turn(t, f"turns[{i}]") for i, t in enumerate(raw_turns)]
    conversation = Conversation(cid, tuple(t for t, _ in read))
    facts = facts_from_json(data.get("record"))
    if all(s is not None for _, s in read):
        roles = [t.role for t, _ in read]
        analysis = analysis_from_record(conversation.id, roles, [s for _, s in read], data)
        return QaItem(conversation, analysis, facts)
    missing = next((i for i, t in enumerate(raw_turns) if t.get("text") is None), None)
    if missing is not None:
        raise MalformedInput(f"turns[{missing}] has no text and not every turn has signals.")
    return QaItem(conversation, None, facts)


def parse_qa_line(line: bytes | str) -> QaItem:
    """One JSON Lines line as a QaItem."""
    return qa_item(decode_line(line))


def _evidence(e: Evidence) -> dict[str, Any]:
    span = e.span
    return {
        "turn": e.turn,
        "span": [span.start, span.end] if span is not None else None,
        "text": span.text if span is not None else "",
        "note": e.note,
    }


def _turn_score(t: TurnScore) -> dict[str, Any]:
    return {"index": t.index, "score": t.score, "failed": list(t.failed)}


def scorecard_record(card: Scorecard) -> dict[str, Any]:
    """The JSON object written for one scored conversation, keys in the documented order."""
    outcome = dict(card.outcome)
    outcome["bot_turns"] = [_turn_score(t) for t in card.bot_turns]
    return {
        "id": card.id,
        "score": card.score,
        "criteria": {
            c.name: {"status": c.status.value, "evidence": [_evidence(e) for e in c.evidence]}
            for c in card.criteria
        },
        "agent_turns": [_turn_score(t) for t in card.agent_turns],
        "outcome": outcome,
    }
