"""Stored conversations as the QA rubric reads them, and a fingerprint of everything it reads.

`states` computes, with a few grouped queries per batch, a fingerprint of each conversation's
record (turns, promises, follow-ups, escalations, CSAT, block, reopenings, the playbook), so
`calmdesk qa --db` loads and scores only the conversations whose fingerprint changed."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from calmdesk.analysis.qa import (
    ConversationFacts,
    EscalationFact,
    PromiseFact,
    review_from_json,
    signals_from_json,
)
from calmdesk.analysis.reply import Playbook
from calmdesk.domain import (
    AgentSignals,
    CalmdeskError,
    ConversationAnalysis,
    Role,
    Trend,
    TurnAnalysis,
)
from calmdesk.domain import Conversation as DomainConversation
from calmdesk.domain import Turn as DomainTurn
from calmdesk.storage import (
    AuditEntry,
    AuthorRole,
    Commitment,
    CommitmentStatus,
    Conversation,
    CustomerStanding,
    Escalation,
    FollowUp,
    Turn,
)
from calmdesk.storage.qa import CsatSurvey

__all__ = ["StoredItem", "load_item", "playbook_digest", "states"]

_ROLES = {
    AuthorRole.CUSTOMER: Role.CUSTOMER,
    AuthorRole.AGENT: Role.AGENT,
    AuthorRole.BOT: Role.BOT,
}


def playbook_digest(playbook: Playbook) -> str:
    """A short digest of the playbook: a changed rubric rescores everything."""
    return hashlib.sha256(repr(playbook).encode()).hexdigest()[:16]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def states(session: Session, ids: Sequence[int], digest: str, now: datetime) -> dict[int, str]:
    """The fingerprint of each conversation in `ids` (64 hex characters); a promise or follow-up
    falling due since the last run changes it too."""
    parts: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(
        select(Conversation.id, Conversation.updated_at, Conversation.status,
               Conversation.resolved_at, Conversation.assignee_id).where(Conversation.id.in_(ids))
    ):  # fmt: skip
        parts[row[0]].append([_iso(row[1]), str(row[2]), _iso(row[3]), row[4]])
    queries = [
        select(Turn.conversation_id, func.count(), func.max(Turn.id)).group_by(
            Turn.conversation_id
        ),
        select(
            Commitment.conversation_id,
            func.count(),
            func.max(Commitment.completed_at),
            func.sum(case((Commitment.customer_told, 1), else_=0)),
            func.max(Commitment.status),
        ).group_by(Commitment.conversation_id),  # fmt: skip
        select(FollowUp.conversation_id, func.count(), func.max(FollowUp.done_at)).group_by(
            FollowUp.conversation_id
        ),
        select(Escalation.conversation_id, func.count()).group_by(Escalation.conversation_id),
        select(CsatSurvey.conversation_id, CsatSurvey.score, CsatSurvey.answered_at),
        select(Commitment.conversation_id, func.count())
        .where(Commitment.completed_at.is_(None), Commitment.due_at < now)
        .group_by(Commitment.conversation_id),
        select(FollowUp.conversation_id, func.count())
        .where(FollowUp.done.is_(False), FollowUp.due_at < now)
        .group_by(FollowUp.conversation_id),
    ]
    for query in queries:
        column = query.selected_columns[0]
        for row in session.execute(query.where(column.in_(ids))):
            parts[row[0]].append([str(v) for v in row[1:]])
    reopened = select(AuditEntry.entity_id, func.count()).where(
        AuditEntry.entity == "conversations",
        AuditEntry.action == "conversation.reopened",
        AuditEntry.entity_id.in_([str(i) for i in ids]),
    )
    for entity_id, count in session.execute(reopened.group_by(AuditEntry.entity_id)):
        parts[int(entity_id)].append(["reopened", count])
    return {
        cid: hashlib.sha256(json.dumps([digest, *parts.get(cid, [])]).encode()).hexdigest()
        for cid in ids
    }


class StoredItem:
    """One stored conversation ready for the rubric."""

    def __init__(
        self,
        row: Conversation,
        conversation: DomainConversation,
        analysis: ConversationAnalysis | None,
        facts: ConversationFacts,
        agent_id: int | None = None,
        retention_days: int = 90,
    ) -> None:
        self.row, self.conversation, self.analysis, self.facts = row, conversation, analysis, facts
        self.agent_id, self.retention_days = agent_id, retention_days


def _signals(turn: Turn, role: Role) -> Any:
    """The turn's stored signals as domain objects; None when they are missing."""
    try:
        if role is Role.CUSTOMER:
            if not turn.signals or "unavailable" in turn.signals:
                return None
            return signals_from_json(role, turn.signals, f"turn {turn.id}")
        if role is Role.AGENT and turn.review:
            review = review_from_json(turn.review, f"turn {turn.id}.review")
            return AgentSignals(
                politeness=review.politeness, empathy=review.empathy, apology=review.apology,
                asks_question=review.asks_question, offers_solution=review.offers_solution,
                review=review,
            )  # fmt: skip
    except CalmdeskError:
        return None
    return AgentSignals(politeness=0.5)  # a bot turn (or an unreviewed reply): reviewed from text


def _facts(session: Session, row: Conversation, index_of: dict[int, int], playbook: Playbook,
           now: datetime) -> ConversationFacts:  # fmt: skip
    cid = row.id
    promises = tuple(
        PromiseFact(
            action=c.action,
            due=c.due_at,
            done_at=c.completed_at if c.status is CommitmentStatus.DONE else None,
            customer_told=c.customer_told,
            turn=index_of.get(c.source_turn_id) if c.source_turn_id else None,
        )
        for c in session.scalars(select(Commitment).where(Commitment.conversation_id == cid))
    )
    escalations = tuple(
        EscalationFact(at=e.created_at, reason=e.reason, rule=e.rule)
        for e in session.scalars(select(Escalation).where(Escalation.conversation_id == cid))
    )
    follow = session.scalars(
        select(FollowUp).where(FollowUp.conversation_id == cid).order_by(FollowUp.id.desc())
    ).first()
    reopened = session.scalar(
        select(func.count()).where(
            AuditEntry.entity == "conversations",
            AuditEntry.entity_id == str(cid),
            AuditEntry.action == "conversation.reopened",
        )
    )
    since = row.opened_at - timedelta(days=playbook.qa.repeat_contact_days)
    earlier = session.scalar(
        select(func.count()).where(
            Conversation.customer_id == row.customer_id,
            Conversation.id != cid,
            Conversation.opened_at >= since,
            Conversation.opened_at < row.opened_at,
        )
    )
    csat = session.scalar(select(CsatSurvey.score).where(CsatSurvey.conversation_id == cid))
    customer = row.customer
    blocked = customer.blocked_at if customer.standing is CustomerStanding.BLOCKED else None
    sla = row.meta.get("sla") if isinstance(row.meta, dict) else None  # hook for SLA policies
    return ConversationFacts(
        status=row.status.value,
        opened_at=row.opened_at,
        resolved_at=row.resolved_at,
        reopened=int(reopened or 0),
        promises=promises,
        escalations=escalations,
        follow_up_due=follow.due_at if follow else None,
        follow_up_done_at=follow.done_at if follow and follow.done else None,
        follow_up_known=follow is not None,
        blocked_at=blocked if blocked is not None and blocked >= row.opened_at else None,
        first_response_target_s=_target(sla, "first_response_s"),
        next_response_target_s=_target(sla, "next_response_s"),
        previous_contacts=int(earlier or 0),
        csat=csat,
        as_of=now,
    )


def _target(sla: Any, key: str) -> float | None:
    value = sla.get(key) if isinstance(sla, dict) else None
    return float(value) if isinstance(value, int | float) and value > 0 else None


def load_item(session: Session, row: Conversation, playbook: Playbook, now: datetime) -> StoredItem:
    """The conversation, its stored analysis (None when some customer turn was never analysed)
    and its facts."""
    turns = [
        t
        for t in session.scalars(
            select(Turn).where(Turn.conversation_id == row.id).order_by(Turn.seq, Turn.id)
        )
        if t.author_role in _ROLES
    ]
    domain_turns = tuple(DomainTurn(_ROLES[t.author_role], t.text, t.created_at) for t in turns)
    conversation = DomainConversation(str(row.id), domain_turns)
    signals = [_signals(t, _ROLES[t.author_role]) for t in turns]
    analysis = None
    if turns and all(s is not None for s in signals):
        done = [TurnAnalysis(_ROLES[t.author_role], s) for t, s in zip(turns, signals, strict=True)]
        trend = Trend(row.trend) if row.trend in {t.value for t in Trend} else Trend.STEADY
        analysis = ConversationAnalysis(
            str(row.id), done, trend, row.escalation_risk, list(row.risk_reasons or [])
        )
    index_of = {t.id: i for i, t in enumerate(turns)}
    facts = _facts(session, row, index_of, playbook, now)
    agent = _agent(turns) or row.assignee_id
    return StoredItem(row, conversation, analysis, facts, agent, playbook.qa.retention_days)


def _agent(turns: list[Turn]) -> int | None:
    """The user who wrote most of the agent turns (the latest of them on a tie)."""
    counts: dict[int, int] = {}
    for t in turns:
        if t.author_role is AuthorRole.AGENT and t.author_user_id is not None:
            counts[t.author_user_id] = counts.get(t.author_user_id, 0) + 1
    if not counts:
        return None
    latest = [t.author_user_id for t in turns if t.author_user_id in counts]
    return max(
        counts, key=lambda uid: (counts[uid], max(i for i, u in enumerate(latest) if u == uid))
    )
