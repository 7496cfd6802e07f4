"""What the record knows beyond the transcript: status, resolution, promises, escalations,
follow-up, a block, SLA targets, earlier contacts. Every field is optional; a criterion whose facts
are missing reads the transcript or says it does not apply.

JSON (the `record` key of a `calmdesk qa` line, see docs/qa.md):
`{"status", "opened_at", "resolved_at", "reopened", "promises": [{"action", "due", "done_at",
"customer_told", "turn"}], "escalations": [{"at", "reason", "rule", "turn"}], "follow_up":
{"due_at", "done_at"}, "blocked_at", "sla": {"first_response_s", "next_response_s"},
"previous_contacts", "csat", "as_of"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from calmdesk.domain.errors import MalformedInput

__all__ = ["ConversationFacts", "EscalationFact", "PromiseFact", "facts_from_json"]

_STATUSES = frozenset({"open", "pending", "escalated", "resolved", "closed"})
_KEYS = frozenset(
    {
        "status", "opened_at", "resolved_at", "reopened", "promises", "escalations", "follow_up",
        "blocked_at", "sla", "previous_contacts", "csat", "as_of",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PromiseFact:
    """A promise on record (A2): due when, done when, and whether the customer was told."""

    action: str = ""
    due: datetime | None = None
    done_at: datetime | None = None
    customer_told: bool = False
    turn: int | None = None


@dataclass(frozen=True, slots=True)
class EscalationFact:
    """An escalation on record (P14): when, why, by which rule, from which turn."""

    at: datetime | None = None
    reason: str = ""
    rule: str | None = None
    turn: int | None = None


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """The record's facts about one conversation; None means "not known"."""

    status: str | None = None
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened: int = 0
    promises: tuple[PromiseFact, ...] | None = None
    escalations: tuple[EscalationFact, ...] = ()
    follow_up_due: datetime | None = None
    follow_up_done_at: datetime | None = None
    follow_up_known: bool = False
    blocked_at: datetime | None = None
    first_response_target_s: float | None = None
    next_response_target_s: float | None = None
    previous_contacts: int | None = None
    csat: int | None = None
    as_of: datetime | None = None

    @property
    def ended(self) -> bool | None:
        """Whether the conversation is over (resolved or closed); None when not known."""
        return None if self.status is None else self.status in ("resolved", "closed")


def _time(value: object, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be an ISO-8601 string.")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise MalformedInput(f"{where} is not an ISO-8601 date and time: {value[:40]!r}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: object, where: str, *, low: int = 0, high: int | None = None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise MalformedInput(f"{where} must be a whole number >= {low}.")
    if high is not None and value > high:
        raise MalformedInput(f"{where} must be at most {high}.")
    return value


def _seconds(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise MalformedInput(f"{where} must be a number of seconds > 0.")
    return float(value)


def _obj(value: object, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedInput(f"{where} must be an object.")
    return value


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedInput(f"{where} must be a list.")
    return value


def _text(value: object, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be a string.")
    return value


def _promise(raw: object, where: str) -> PromiseFact:
    data = _obj(raw, where)
    told = data.get("customer_told", False)
    if not isinstance(told, bool):
        raise MalformedInput(f"{where}.customer_told must be true or false.")
    return PromiseFact(
        action=_text(data.get("action"), f"{where}.action"),
        due=_time(data.get("due"), f"{where}.due"),
        done_at=_time(data.get("done_at"), f"{where}.done_at"),
        customer_told=told,
        turn=_int(data.get("turn"), f"{where}.turn"),
    )


def _escalation(raw: object, where: str) -> EscalationFact:
    data = _obj(raw, where)
    rule = data.get("rule")
    return EscalationFact(
        at=_time(data.get("at"), f"{where}.at"),
        reason=_text(data.get("reason"), f"{where}.reason"),
        rule=_text(rule, f"{where}.rule") if rule is not None else None,
        turn=_int(data.get("turn"), f"{where}.turn"),
    )


def facts_from_json(raw: object, where: str = "record") -> ConversationFacts:
    """ConversationFacts from decoded JSON; MalformedInput names the first wrong field."""
    data = _obj(raw, where)
    extra = sorted(set(data) - _KEYS)
    if extra:
        raise MalformedInput(f"{where} has unknown key(s) {', '.join(map(str, extra))[:80]}.")
    status = data.get("status")
    if status is not None and status not in _STATUSES:
        raise MalformedInput(f"{where}.status must be one of {', '.join(sorted(_STATUSES))}.")
    promises = data.get("promises")
    follow, sla = _obj(data.get("follow_up"), f"{where}.follow_up"), _obj(data.get("sla"), "sla")
    return ConversationFacts(
        status=status,
        opened_at=_time(data.get("opened_at"), f"{where}.opened_at"),
        resolved_at=_time(data.get("resolved_at"), f"{where}.resolved_at"),
        reopened=_int(data.get("reopened"), f"{where}.reopened") or 0,
        promises=None
        if promises is None
        else tuple(
            _promise(p, f"{where}.promises[{i}]")
            for i, p in enumerate(_list(promises, f"{where}.promises"))
        ),
        escalations=tuple(
            _escalation(e, f"{where}.escalations[{i}]")
            for i, e in enumerate(_list(data.get("escalations"), f"{where}.escalations"))
        ),
        follow_up_due=_time(follow.get("due_at"), f"{where}.follow_up.due_at"),
        follow_up_done_at=_time(follow.get("done_at"), f"{where}.follow_up.done_at"),
        follow_up_known="follow_up" in data,
        blocked_at=_time(data.get("blocked_at"), f"{where}.blocked_at"),
        first_response_target_s=_seconds(
            sla.get("first_response_s"), f"{where}.sla.first_response_s"
        ),
        next_response_target_s=_seconds(sla.get("next_response_s"), f"{where}.sla.next_response_s"),
        previous_contacts=_int(data.get("previous_contacts"), f"{where}.previous_contacts"),
        csat=_int(data.get("csat"), f"{where}.csat", low=1, high=5),
        as_of=_time(data.get("as_of"), f"{where}.as_of"),
    )
