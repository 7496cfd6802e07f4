"""The JSON Lines shape of `calmdesk qa` (docs/qa.md).

In: the analyze contract, one conversation a line, `{"id", "turns": [{"role", "text", "at"}]}`,
where a turn may also carry the `signals` that `calmdesk analyze` wrote for it (and the line its
`trend`, `escalation_risk` and `reasons`): when every turn has signals they are reused and nothing
is analysed again. An optional `record` object holds what the record knows (facts.py).
Out: `{"id", "score", "criteria": {name: {"status", "evidence"}}, "agent_turns": [{"index",
"score", "failed"}], "outcome": {...}}`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from calmdesk.analysis.qa.decode import analysis_from_record
from calmdesk.analysis.qa.facts import ConversationFacts, facts_from_json
from calmdesk.analysis.qa.scorecard import Evidence, Scorecard, TurnScore
from calmdesk.analysis.wire import MAX_TURNS
from calmdesk.domain import (
    Conversation,
    ConversationAnalysis,
    MalformedInput,
    Role,
    Turn,
    UnsupportedValue,
)

__all__ = ["QaItem", "parse_qa_line", "qa_item", "scorecard_record"]

_ROLES = {r.value: r for r in Role}


@dataclass(frozen=True, slots=True)
class QaItem:
    """One input line read: the conversation, its stored analysis (None: analyse it), its facts."""

    conversation: Conversation
    analysis: ConversationAnalysis | None
    facts: ConversationFacts


def _time(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedInput(f"{where}.at must be an ISO-8601 string.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedInput(
            f"{where}.at is not an ISO-8601 date and time: {value[:40]!r}."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _turn(raw: object, where: str) -> tuple[Turn, object | None]:
    if not isinstance(raw, dict):
        raise MalformedInput(f"{where} must be an object with role and text.")
    role, text, signals = raw.get("role"), raw.get("text"), raw.get("signals")
    if not isinstance(role, str) or role not in _ROLES:
        raise UnsupportedValue(
            f"{where}.role must be one of {', '.join(_ROLES)}; got {str(role)[:20]!r}."
        )
    if text is None and signals is None:
        raise MalformedInput(f"{where} needs text (or the signals calmdesk analyze gave it).")
    if text is not None and not isinstance(text, str):
        raise MalformedInput(f"{where}.text must be a string.")
    return Turn(_ROLES[role], text or "", _time(raw.get("at"), where)), signals


def qa_item(data: object) -> QaItem:
    """A QaItem from one decoded line; MalformedInput / UnsupportedValue name the wrong field."""
    if not isinstance(data, dict):
        raise MalformedInput("A conversation must be a JSON object with id and turns.")
    cid, raw_turns = data.get("id"), data.get("turns")
    if isinstance(cid, bool) or not isinstance(cid, str | int) or str(cid) == "":
        raise MalformedInput("id must be a non-empty string.")
    if not isinstance(raw_turns, list):
        raise MalformedInput("turns must be a list of {role, text} objects.")
    if len(raw_turns) > MAX_TURNS:
        raise MalformedInput(f"A conversation may hold at most {MAX_TURNS} turns.")
    if not raw_turns:
        raise MalformedInput("turns is empty: there is nothing to score.")
    read = [_turn(t, f"turns[{i}]") for i, t in enumerate(raw_turns)]
    conversation = Conversation(str(cid), tuple(t for t, _ in read))
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
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedInput("The line is not UTF-8 text (binary data?).") from None
    try:
        data = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = getattr(exc, "msg", "too deeply nested")
        raise MalformedInput(f"The line is not valid JSON ({reason}).") from None
    return qa_item(data)


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
