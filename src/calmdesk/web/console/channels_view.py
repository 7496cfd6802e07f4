"""What the console shows of channels: each turn's channel, its mail delivery, its attachments;
and, for supervisors, the replies that could not be delivered."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.storage.enums import AuthorRole
from calmdesk.storage.intake import EmailMessage, TurnChannel
from calmdesk.storage.records import Conversation, Turn
from calmdesk.web.access import conversation_scope
from calmdesk.web.console.reads import local_label
from calmdesk.web.deps import StaffPrincipal

__all__ = ["turn_channels", "undelivered_mail"]

_STATES = {"queued": "sending by email", "sending": "sending by email", "sent": "sent by email"}


def _size(size: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"


def turn_channels(session: Session, conversation: Conversation) -> dict[int, dict[str, Any]]:
    """Per turn id: `channel`, `delivery` (outbound mail), `failed`, `attachments` (names only)."""
    turns = session.execute(
        select(Turn.id, Turn.author_role).where(Turn.conversation_id == conversation.id)
    ).all()
    ids = [t for t, _ in turns]
    if not ids:
        return {}
    recorded = dict(
        session.execute(
            select(TurnChannel.turn_id, TurnChannel.channel).where(TurnChannel.turn_id.in_(ids))
        ).all()
    )
    mails = session.scalars(select(EmailMessage).where(EmailMessage.turn_id.in_(ids))).all()
    by_turn = {(m.turn_id, m.direction): m for m in mails}
    default = str(conversation.channel)
    # a case that receives mail can continue elsewhere: a customer turn of it that came neither
    # by mail nor with a recorded channel was posted with the chat token (chat or API)
    by_mail = any(m.direction == "in" for m in mails)
    views: dict[int, dict[str, Any]] = {}
    for turn_id, role in turns:
        out = by_turn.get((turn_id, "out"))
        inbound = by_turn.get((turn_id, "in"))
        view: dict[str, Any] = {"channel": recorded.get(turn_id, default), "delivery": "",
                                "failed": False, "attachments": []}  # fmt: skip
        if out is not None:
            view["channel"] = "email"
            view["failed"] = out.status == "failed"
            view["delivery"] = out.reason if view["failed"] else _STATES.get(out.status, "")
        elif role in (AuthorRole.AGENT, AuthorRole.BOT) and default == "email" and not recorded:
            view["channel"] = "console"
        elif (
            role is AuthorRole.CUSTOMER and by_mail and inbound is None and turn_id not in recorded
        ):
            view["channel"] = "chat"
        if inbound is not None:
            view["attachments"] = [
                {"name": a.get("filename", "attachment"), "type": a.get("content_type", ""),
                 "size": _size(int(a.get("size", 0))), "kept": bool(a.get("stored"))}
                for a in inbound.attachments
            ]  # fmt: skip
        views[turn_id] = view
    return views


def undelivered_mail(session: Session, user: StaffPrincipal, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Replies whose mail failed after its retries, in conversations `user` may see."""
    stmt = (
        select(EmailMessage, Conversation)
        .join(Conversation, Conversation.id == EmailMessage.conversation_id)
        .where(conversation_scope(user))
        .where(EmailMessage.direction == "out", EmailMessage.status == "failed")
        .order_by(EmailMessage.id.desc())
        .limit(50)
    )
    return [
        {"conversation_id": c.id, "customer_name": c.customer.name, "reason": m.reason,
         "to": m.to_addr, "kind": m.kind, "at_label": local_label(m.created_at, tz, "%d %b %H:%M")}
        for m, c in session.execute(stmt).unique().all()
    ]  # fmt: skip
