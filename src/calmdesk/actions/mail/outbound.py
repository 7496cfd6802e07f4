"""Outbound mail (`queue_outbound`, `claim_due`, `mark_sent`, `mark_failed`): every agent reply on
an email case (the P14 escalation notice is one), the A2 "promise kept" message and the A3
follow-up are queued once each (`source_key`); the worker sends them with retries and backoff; a
message that still fails is marked `not delivered: <reason>` on its turn."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext
from calmdesk.actions.intake import make_message_id
from calmdesk.actions.mail.tokens import ACTOR, RE_PREFIX, SUBJECT_TOKEN, reply_token
from calmdesk.actions.mail.types import OutboundMail
from calmdesk.storage import (
    AuthorRole,
    Commitment,
    CommitmentStatus,
    Conversation,
    FollowUp,
    Turn,
)
from calmdesk.storage.intake import EmailMessage

__all__ = [
    "claim_due",
    "delivery_states",
    "mark_failed",
    "mark_sent",
    "queue_mail",
    "queue_outbound",
]

_LEASE = timedelta(minutes=5)


def _email_cases(session: Session) -> dict[int, int]:
    """Email conversations that received mail: conversation id -> first inbound turn id."""
    rows = session.execute(
        select(EmailMessage.conversation_id, func.min(EmailMessage.turn_id))
        .where(EmailMessage.direction == "in", EmailMessage.status == "stored")
        .group_by(EmailMessage.conversation_id)
    ).all()
    return {int(c): int(t) for c, t in rows if c is not None and t is not None}


def _latest_inbound(session: Session, conversation_id: int) -> EmailMessage | None:
    return session.scalars(
        select(EmailMessage).where(
            EmailMessage.conversation_id == conversation_id,
            EmailMessage.direction == "in", EmailMessage.status == "stored",
        ).order_by(EmailMessage.id.desc())
    ).first()  # fmt: skip


def _from_for(ctx: ActionContext, conversation: Conversation) -> str:
    """The team's From address: `CALMDESK_MAIL_FROM_TEAMS`, its mailbox's `from`, the default."""
    team = conversation.team.name if conversation.team else ""
    if team in ctx.settings.mail_from_teams:
        return ctx.settings.mail_from_teams[team]
    for box in ctx.settings.mailboxes:
        if box.get("team") == team and isinstance(box.get("from"), str) and box["from"]:
            return str(box["from"])
    return ctx.settings.mail_from


def _subject(ctx: ActionContext, conversation: Conversation, prefix: str = "Re: ") -> str:
    base = SUBJECT_TOKEN.sub("", RE_PREFIX.sub("", conversation.subject or "")).strip()
    return f"{prefix}{base or 'Your message'} [#CD-{reply_token(ctx, conversation.id)}]"


def _queue(
    session: Session, ctx: ActionContext, conversation: Conversation, source: str, kind: str,
    body: str, turn_id: int | None,
) -> bool:  # fmt: skip
    if session.scalars(select(EmailMessage.id).where(EmailMessage.source_key == source)).first():
        return False
    parent = _latest_inbound(session, conversation.id)
    if parent is None:
        return False
    references = [*parent.reference_ids, *([parent.message_id] if parent.message_id else [])]
    ident = make_message_id(ctx, f"{conversation.id}")
    row = EmailMessage(
        direction="out", message_key=ident, message_id=ident, source_key=source, kind=kind,
        status="queued", conversation_id=conversation.id, turn_id=turn_id,
        from_addr=_from_for(ctx, conversation)[:320], to_addr=parent.from_addr,
        subject=_subject(ctx, conversation)[:300], in_reply_to=parent.message_id,
        reference_ids=references[-20:], body=body,
    )  # fmt: skip
    session.add(row)
    write_audit(session, ACTOR, "mail.queued", row, None,
                snapshot(row, "source_key", "kind", "conversation_id", "to_addr"))  # fmt: skip
    return True


def queue_mail(
    session: Session, ctx: ActionContext, conversation: Conversation, source: str, kind: str,
    body: str,
) -> bool:  # fmt: skip
    """Queue one message of calmdesk's own (not a turn) in the conversation's thread, once per
    `source`; False when already queued or when no mail was received to answer."""
    return _queue(session, ctx, conversation, source, kind, body, None)


def queue_outbound(ctx: ActionContext) -> int:
    """Queue every reply, promise-kept message and follow-up of email cases not queued yet."""
    queued = 0
    with ctx.sessions.begin() as session:
        cases = _email_cases(session)
        if not cases:
            return 0
        turns = session.scalars(
            select(Turn).where(
                Turn.conversation_id.in_(cases),
                Turn.author_role.in_([AuthorRole.AGENT, AuthorRole.BOT]),
            ).order_by(Turn.id)
        ).all()  # fmt: skip
        for turn in turns:
            if turn.id > cases[turn.conversation_id]:
                conv = session.get(Conversation, turn.conversation_id)
                assert conv is not None
                queued += _queue(session, ctx, conv, f"turn:{turn.id}", "reply", turn.text,
                                 turn.id)  # fmt: skip
        for promise in session.scalars(
            select(Commitment).where(
                Commitment.conversation_id.in_(cases),
                Commitment.status == CommitmentStatus.DONE, Commitment.customer_told.is_(True),
            )
        ):  # fmt: skip
            conv = session.get(Conversation, promise.conversation_id)
            assert conv is not None
            body = f"Good news: what we promised is done.\n\n{promise.action}\n"
            queued += _queue(session, ctx, conv, f"promise:{promise.id}", "promise_kept", body,
                             None)  # fmt: skip
        for follow_up in session.scalars(
            select(FollowUp).where(
                FollowUp.conversation_id.in_(cases), FollowUp.flagged_at.is_not(None),
                FollowUp.done.is_(False),
            )
        ):  # fmt: skip
            conv = session.get(Conversation, follow_up.conversation_id)
            assert conv is not None
            body = (
                "We are checking in about your recent request. Is everything sorted now? "
                "Just reply to this email if anything is still not right.\n"
            )
            queued += _queue(session, ctx, conv, f"follow_up:{follow_up.id}", "follow_up", body,
                             None)  # fmt: skip
    return queued


def claim_due(
    ctx: ActionContext, limit: int = 100, *, ignore_backoff: bool = False
) -> list[OutboundMail]:
    """Claim queued mail that is due (a lease: a crashed sender's mail is retried later)."""
    now = ctx.now()
    due = or_(EmailMessage.next_attempt_at.is_(None), EmailMessage.next_attempt_at <= now)
    claimable = or_(
        (EmailMessage.status == "queued")
        if ignore_backoff
        else and_(EmailMessage.status == "queued", due),
        and_(EmailMessage.status == "sending", EmailMessage.next_attempt_at <= now),
    )
    claimed: list[OutboundMail] = []
    with ctx.sessions.begin() as session:
        ids = session.scalars(
            select(EmailMessage.id).where(EmailMessage.direction == "out", claimable)
            .order_by(EmailMessage.id).limit(limit)
        ).all()  # fmt: skip
        for ident in ids:
            won = session.execute(
                update(EmailMessage)
                .where(EmailMessage.id == ident, EmailMessage.status.in_(["queued", "sending"]))
                .values(status="sending", next_attempt_at=now + _LEASE)
            ).rowcount  # type: ignore[attr-defined]
            row = session.get(EmailMessage, ident) if won else None
            if row is not None:
                claimed.append(OutboundMail(
                    id=row.id, message_id=row.message_id, from_addr=row.from_addr,
                    to_addr=row.to_addr, subject=row.subject, body=row.body,
                    in_reply_to=row.in_reply_to, references=tuple(row.reference_ids),
                ))  # fmt: skip
    return claimed


def mark_sent(ctx: ActionContext, ident: int) -> None:
    with ctx.sessions.begin() as session:
        row = session.get(EmailMessage, ident)
        if row is None:
            return
        row.status, row.sent_at, row.attempts = "sent", ctx.now(), row.attempts + 1
        row.next_attempt_at, row.last_error = None, ""
        write_audit(session, ACTOR, "mail.sent", row, None,
                    snapshot(row, "source_key", "to_addr", "attempts", "sent_at"))  # fmt: skip


def mark_failed(ctx: ActionContext, ident: int, reason: str) -> str:
    """One failed attempt: retried with backoff, or after the last one `failed`; the status."""
    settings = ctx.settings
    with ctx.sessions.begin() as session:
        row = session.get(EmailMessage, ident)
        if row is None:
            return "missing"
        row.attempts += 1
        row.last_error = reason[:1000]
        if row.attempts >= max(1, settings.smtp_max_attempts):
            row.status, row.next_attempt_at = "failed", None
            row.reason = f"not delivered: {reason[:500]}"
            write_audit(session, ACTOR, "mail.not_delivered", row, None,
                        snapshot(row, "source_key", "to_addr", "attempts", "reason"))  # fmt: skip
        else:
            row.status = "queued"
            wait = settings.smtp_retry_base_s * 2 ** (row.attempts - 1)
            row.next_attempt_at = ctx.now() + timedelta(seconds=wait)
        return row.status


def delivery_states(session: Session, turn_ids: list[int]) -> dict[int, EmailMessage]:
    """The outbound mail of each of `turn_ids` that has one (for the console)."""
    if not turn_ids:
        return {}
    rows = session.scalars(
        select(EmailMessage).where(
            EmailMessage.turn_id.in_(turn_ids), EmailMessage.direction == "out"
        )
    ).all()
    return {int(r.turn_id): r for r in rows if r.turn_id is not None}
