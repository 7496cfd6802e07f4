"""Read queries the actions, the CLI and exports share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from calmdesk.domain import NotFound
from calmdesk.storage.audit import AuditEntry
from calmdesk.storage.records import (
    ActionTaken,
    Commitment,
    Conversation,
    Escalation,
    FollowUp,
    Note,
    RuleFiring,
    Turn,
)

__all__ = ["ConversationRecord", "conversation_record"]


@dataclass
class ConversationRecord:
    """Everything kept about one conversation (A1): the whole record, in order."""

    conversation: Conversation
    turns: list[Turn]
    commitments: list[Commitment]
    escalations: list[Escalation]
    rule_firings: list[RuleFiring]
    follow_ups: list[FollowUp]
    notes: list[Note]
    actions_taken: list[ActionTaken]
    audit: list[AuditEntry]


def conversation_record(session: Session, conversation_id: int) -> ConversationRecord:
    """The full record of `conversation_id`, or NotFound."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"No conversation with id {conversation_id}.")

    def rows(model: Any, *order: Any) -> list[Any]:
        query = select(model).where(model.conversation_id == conversation_id)
        return list(session.scalars(query.order_by(*order, model.id)))

    return ConversationRecord(
        conversation=conversation,
        turns=rows(Turn, Turn.seq),
        commitments=rows(Commitment),
        escalations=rows(Escalation),
        rule_firings=rows(RuleFiring),
        follow_ups=rows(FollowUp),
        notes=rows(Note),
        actions_taken=rows(ActionTaken),
        audit=_audit(session, conversation_id),
    )


def _audit(session: Session, conversation_id: int) -> list[AuditEntry]:
    ident = str(conversation_id)
    turn_ids = [
        str(i)
        for i in session.scalars(select(Turn.id).where(Turn.conversation_id == conversation_id))
    ]
    query = select(AuditEntry).where(
        or_(
            (AuditEntry.entity == "conversations") & (AuditEntry.entity_id == ident),
            (AuditEntry.entity == "turns") & AuditEntry.entity_id.in_(turn_ids),
        )
    )
    return list(session.scalars(query.order_by(AuditEntry.id)))
