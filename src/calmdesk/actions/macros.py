"""Macros: a team's saved replies, with placeholders, reviewed by the same playbook checks as any
reply. A macro whose text fails a check (say P4) is stored with the failing checks, and its author
sees it flagged in their list until they fix it.

Placeholders: {customer_name}, {order}, {agent_name}. Any other `{...}` is refused when saving.
`fill_macro` puts the case's values in; an order number comes from the subject or the customer's
messages, or stays as "[order number]" for the agent to complete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.validate import clean_text
from calmdesk.domain import Conversation as DomainConversation
from calmdesk.domain import Role
from calmdesk.domain import Turn as DomainTurn
from calmdesk.domain.errors import NotFound, PermissionDenied, UnsupportedValue
from calmdesk.storage.desk import Macro
from calmdesk.storage.enums import AuthorRole, UserRole
from calmdesk.storage.people import User
from calmdesk.storage.records import Conversation, Turn

__all__ = ["PLACEHOLDERS", "MacroText", "fill_macro", "save_macro"]

PLACEHOLDERS = ("customer_name", "order", "agent_name")
_FIELD = re.compile(r"\{([^{}]*)\}")
_ORDER = re.compile(
    r"\b(?:order|bestellung|commande)\s*(?:no\.?|number)?\s*#?\s*(\d{3,12})\b", re.IGNORECASE
)
_SAMPLE = {"customer_name": "Alex", "order": "1042", "agent_name": "Sam"}
_CONTEXT = "My order has not arrived and nobody has told me anything. What is going on?"


def _check_placeholders(body: str) -> None:
    unknown = sorted({m for m in _FIELD.findall(body) if m not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise UnsupportedValue(f"Unknown placeholder(s) {unknown}; use {allowed}.")


def _fill(body: str, values: dict[str, str]) -> str:
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def _failed_checks(ctx: ActionContext, body: str) -> list[str]:
    """The checks the macro's text fails, reviewed as a reply to a typical upset customer."""
    now = ctx.now()
    sample = DomainConversation("macro", (DomainTurn(Role.CUSTOMER, _CONTEXT, now),))
    review = ctx.analysis.review(sample, _fill(body, _SAMPLE), now)
    return [f"{c.check} {c.name}" for c in review.checks if c.status.value == "fail"]


def save_macro(
    ctx: ActionContext,
    actor: Actor,
    *,
    title: str,
    body: str,
    team_id: int | None,
    macro_id: int | None = None,
) -> Macro:
    """Create a macro for a team (or change one you wrote; supervisors and admins: any)."""
    name = clean_text(title, "title", 120)
    text = clean_text(body, "macro text", 4000)
    _check_placeholders(text)
    failed = _failed_checks(ctx, text)
    with ctx.sessions.begin() as session:
        me = session.get(User, actor.user_id) if actor.user_id is not None else None
        if me is None:
            raise PermissionDenied("Only staff can write macros.")
        if me.role not in (UserRole.SUPERVISOR, UserRole.ADMIN) and team_id != me.team_id:
            raise PermissionDenied("Agents write macros for their own team.")
        row = session.get(Macro, macro_id, with_for_update=True) if macro_id else None
        if macro_id is not None and row is None:
            raise NotFound(f"No macro with id {macro_id}.")
        boss = me.role in (UserRole.SUPERVISOR, UserRole.ADMIN)
        if row is not None and not boss and row.author_id != me.id:
            raise PermissionDenied("Only its author or a supervisor can change this macro.")
        before = snapshot(row)
        if row is None:
            row = Macro(author_id=me.id)
            session.add(row)
        row.team_id, row.title, row.body, row.failed_checks = team_id, name, text, failed
        row.updated_at = ctx.now()
        write_audit(session, actor, "macro.saved", row, before, snapshot(row))
    return row


@dataclass(frozen=True, slots=True)
class MacroText:
    text: str
    missing: tuple[str, ...]  # placeholders with no value in this case


def fill_macro(session: Session, macro: Macro, conversation: Conversation, agent: str) -> MacroText:
    """The macro's text for one case (nothing is stored; the agent reviews it before sending)."""
    order = _order_number(session, conversation)
    values = {"customer_name": conversation.customer.name, "agent_name": agent}
    if order:
        values["order"] = order
    missing = tuple(p for p in PLACEHOLDERS if "{" + p + "}" in macro.body and p not in values)
    filled = _fill(macro.body, values | {"order": values.get("order", "[order number]")})
    return MacroText(filled, missing)


def _order_number(session: Session, conversation: Conversation) -> str:
    found = _ORDER.search(conversation.subject or "")
    if found:
        return found.group(1)
    texts = session.scalars(
        select(Turn.text)
        .where(Turn.conversation_id == conversation.id, Turn.author_role == AuthorRole.CUSTOMER)
        .order_by(Turn.seq.desc())
        .limit(20)
    )
    for text in texts:
        found = _ORDER.search(text)
        if found:
            return found.group(1)
    return ""
