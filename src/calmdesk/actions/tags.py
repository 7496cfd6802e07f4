"""Tags on a case: free labels the queue filters on (lower case, at most 20 per case)."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.escalation import load_conversation
from calmdesk.domain.errors import Conflict, UnsupportedValue
from calmdesk.storage.desk import ConversationTag

__all__ = ["MAX_TAGS", "add_tag", "clean_tag", "remove_tag"]

MAX_TAGS = 20
_TAG = re.compile(r"^[\w][\w\- ]{0,39}$", re.UNICODE)


def clean_tag(tag: object) -> str:
    text = tag.strip().lower() if isinstance(tag, str) else ""
    if not _TAG.match(text):
        raise UnsupportedValue("A tag is 1-40 letters, digits, spaces, dashes or underscores.")
    return text


def add_tag(ctx: ActionContext, actor: Actor, conversation_id: int, tag: str) -> list[str]:
    """Tag the case (adding a tag it has already is a no-op); returns its tags."""
    name = clean_tag(tag)
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        tags = _tags(session, conversation.id)
        if name not in tags:
            if len(tags) >= MAX_TAGS:
                raise Conflict(f"A case has at most {MAX_TAGS} tags; remove one first.")
            row = ConversationTag(conversation_id=conversation.id, tag=name)
            session.add(row)
            write_audit(session, actor, "conversation.tagged", row)
            tags = sorted([*tags, name])
    return tags


def remove_tag(ctx: ActionContext, actor: Actor, conversation_id: int, tag: str) -> list[str]:
    name = clean_tag(tag)
    with ctx.sessions.begin() as session:
        conversation = load_conversation(session, conversation_id)
        row = session.scalars(
            select(ConversationTag).where(
                ConversationTag.conversation_id == conversation.id, ConversationTag.tag == name
            )
        ).first()
        if row is not None:
            write_audit(session, actor, "conversation.untagged", row, {"tag": name}, {})
            session.execute(delete(ConversationTag).where(ConversationTag.id == row.id))
        return _tags(session, conversation.id)


def _tags(session: Session, conversation_id: int) -> list[str]:
    rows = session.scalars(
        select(ConversationTag.tag)
        .where(ConversationTag.conversation_id == conversation_id)
        .order_by(func.lower(ConversationTag.tag))
    )
    return list(rows)
