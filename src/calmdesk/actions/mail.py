"""Email in and out: a received message becomes a customer turn once; replies go to an outbox.

Inbound (`ingest_mail`): each message is stored once by its Message-ID (or the hash of its bytes).
It joins the conversation its `In-Reply-To`/`References` name (or whose reply token is in the
subject or address), otherwise opens a new email case for the customer with that address (made
when unknown). Auto-replies, bounces and list mail are kept for the record but open nothing and
get no answer; calmdesk's own mail coming back is a loop and is ignored.

Outbound (`queue_outbound`, `claim_due`, `mark_sent`, `mark_failed`): every agent reply on an
email case (the P14 escalation notice is one), the A2 "promise kept" message and the A3 follow-up
are queued once each (`source_key`); the worker sends them with retries and backoff; a message
that still fails is marked `not delivered: <reason>` on its turn.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.conversations import open_conversation
from calmdesk.actions.intake import find_team, make_message_id
from calmdesk.actions.mail_types import InboundMail, OutboundMail
from calmdesk.actions.turns import add_customer_turn
from calmdesk.domain.errors import (
    MailIgnored,
    MailLoop,
    MailRefused,
    PermissionDenied,
    SenderBlocked,
)
from calmdesk.storage import (
    AuthorRole,
    Commitment,
    CommitmentStatus,
    Conversation,
    ConversationStatus,
    Customer,
    CustomerStanding,
    FollowUp,
    Team,
    Turn,
)
from calmdesk.storage.intake import EmailMessage, MailboxState, TurnChannel

__all__ = [
    "Delivered",
    "claim_due",
    "delivery_states",
    "ingest_mail",
    "mailbox_position",
    "mark_failed",
    "mark_sent",
    "our_addresses",
    "queue_mail",
    "queue_outbound",
    "reply_token",
    "save_mailbox_position",
]

_SUBJECT_TOKEN = re.compile(r"\[#CD-(\d{1,10})-([0-9a-f]{10})\]")
_ADDRESS_TOKEN = re.compile(r"\+cd-(\d{1,10})-([0-9a-f]{10})@")
_RE = re.compile(r"^\s*((re|aw|sv|antw|fw|fwd|wg)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)
_LEASE = timedelta(minutes=5)
_ACTOR = Actor.system("mail")


@dataclass(frozen=True, slots=True)
class Delivered:
    """What `calmdesk mail deliver` prints; `created` is False when it was already stored."""

    conversation_id: int
    turn_id: int
    created: bool


def reply_token(ctx: ActionContext, conversation_id: int) -> str:
    """`<id>-<10 hex>`: names one conversation, and cannot be guessed for another."""
    mac = hmac.new(
        ctx.settings.secret_key.encode(), f"calmdesk.reply.v1:{conversation_id}".encode(),
        hashlib.sha256,
    ).hexdigest()[:10]  # fmt: skip
    return f"{conversation_id}-{mac}"


def our_addresses(ctx: ActionContext) -> set[str]:
    """Every From address calmdesk sends with (mail from them is a loop)."""
    found = {parseaddr(ctx.settings.mail_from)[1].lower()}
    found |= {parseaddr(a)[1].lower() for a in ctx.settings.mail_from_teams.values()}
    for box in ctx.settings.mailboxes:
        if isinstance(box.get("from"), str):
            found.add(parseaddr(box["from"])[1].lower())
    return {a for a in found if a}


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:40]


def _by_token(ctx: ActionContext, mail: InboundMail) -> int | None:
    candidates = _SUBJECT_TOKEN.findall(mail.subject)
    for address in mail.to_addrs:
        candidates += _ADDRESS_TOKEN.findall(address)
    for ident, mac in candidates:
        if reply_token(ctx, int(ident)) == f"{int(ident)}-{mac}":
            return int(ident)
    return None


def _thread(session: Session, ctx: ActionContext, mail: InboundMail) -> int | None:
    ids = list(mail.thread_ids)
    if ids:
        rows = session.execute(
            select(EmailMessage.message_key, EmailMessage.conversation_id).where(
                EmailMessage.message_key.in_(ids), EmailMessage.conversation_id.is_not(None)
            )
        ).all()
        found = {key: conv for key, conv in rows if conv is not None}
        for key in ids:  # the most recent reference that we know wins
            if key in found:
                return int(found[key])
    by_token = _by_token(ctx, mail)
    if by_token is not None and session.get(Conversation, by_token) is not None:
        return by_token
    return None


def _record(
    ctx: ActionContext, mail: InboundMail, status: str, reason: str,
    conversation_id: int | None = None, turn_id: int | None = None,
) -> EmailMessage | None:  # fmt: skip
    """Store the inbound row once; None when another delivery stored it first."""
    row = EmailMessage(
        direction="in", message_key=mail.message_key[:500], message_id=mail.message_id[:500],
        kind="message", status=status, reason=reason[:2000], conversation_id=conversation_id,
        turn_id=turn_id, from_addr=(mail.reply_to or mail.from_addr)[:320],
        to_addr=(mail.to_addrs[0] if mail.to_addrs else "")[:320], subject=mail.subject[:300],
        in_reply_to=(mail.in_reply_to[0] if mail.in_reply_to else "")[:500],
        reference_ids=list(mail.references), body=mail.full_text[:200_000],
        attachments=[a.as_dict() for a in mail.attachments], raw_file=mail.raw_file,
    )  # fmt: skip
    try:
        with ctx.sessions.begin() as session:
            session.add(row)
            if turn_id is not None and session.get(TurnChannel, turn_id) is None:
                session.add(TurnChannel(turn_id=turn_id, channel="email"))  # one commit less
            write_audit(
                session,
                _ACTOR,
                f"mail.{status}",
                row,
                None,
                snapshot(
                    row,
                    "message_key",
                    "status",
                    "reason",
                    "conversation_id",
                    "turn_id",
                    "from_addr",
                ),
            )
    except IntegrityError:
        return None
    return row


def _stored(session: Session, key: str) -> EmailMessage | None:
    return session.scalars(select(EmailMessage).where(EmailMessage.message_key == key)).first()


def _replay(row: EmailMessage) -> Delivered:
    if row.direction == "out":
        raise MailLoop("This is calmdesk's own message coming back (a mail loop); ignored.")
    if row.status == "stored" and row.conversation_id and row.turn_id:
        return Delivered(row.conversation_id, row.turn_id, False)
    if row.status == "ignored":
        raise MailIgnored(f"Already received and ignored: {row.reason}")
    raise MailRefused(f"Already received and refused: {row.reason}")


def _customer(ctx: ActionContext, mail: InboundMail) -> Customer:
    with ctx.sessions.begin() as session:
        found = session.scalars(
            select(Customer).where(func.lower(Customer.email) == mail.from_addr.lower())
            .order_by(Customer.id)
        ).first()  # fmt: skip
        if found is not None and not found.profile.get("merged_into"):
            return found
        name = mail.from_name or mail.from_addr.partition("@")[0] or "Email customer"
        customer = Customer(name=name[:200], email=mail.from_addr, profile={"source": "email"})
        session.add(customer)
        write_audit(session, _ACTOR, "customer.created", customer)
        return customer


def _team_for(
    ctx: ActionContext, session: Session, mail: InboundMail, team: str | None
) -> Team | None:
    if team:
        return find_team(session, ctx, team)
    by_address = {parseaddr(v)[1].lower(): k for k, v in ctx.settings.mail_from_teams.items()}
    for address in mail.to_addrs:
        if address in by_address:
            return find_team(session, ctx, by_address[address])
    return find_team(session, ctx, None)


def _turn_text(ctx: ActionContext, mail: InboundMail) -> str:
    text = mail.text.strip() or mail.full_text.strip()
    if not text and mail.attachments:
        text = f"(no text; {len(mail.attachments)} attachment(s))"
    if not text:
        raise MailRefused("The message has no text and no attachments; nothing to store.")
    limit = ctx.settings.max_text_chars
    if len(text) > limit:
        note = "\n[cut here: the whole message is kept with the email]"
        text = text[: limit - len(note)].rstrip() + note
    return text


def ingest_mail(ctx: ActionContext, mail: InboundMail, *, team: str | None = None) -> Delivered:
    """Store `mail` once as a customer turn; MailIgnored/MailLoop/MailRefused say why not."""
    with ctx.sessions() as session:
        existing = _stored(session, mail.message_key)
        if existing is not None:
            return _replay(existing)
        thread = _thread(session, ctx, mail)
    if mail.loop_header or mail.from_addr.lower() in our_addresses(ctx):
        reason = "calmdesk's own mail came back (a mail loop)"
        _record(ctx, mail, "ignored", reason, thread)
        raise MailLoop(f"Ignored: {reason}; nothing was stored or answered.")
    if mail.auto_reason:
        _record(ctx, mail, "ignored", mail.auto_reason, thread)
        raise MailIgnored(
            f"Ignored automatic mail ({mail.auto_reason}): no conversation was opened and "
            "nothing will answer it; it is kept for the record."
        )
    text = _turn_text(ctx, mail)
    conversation_id = _conversation(ctx, mail, thread, team)
    with ctx.sessions() as session:
        owner = session.get(Conversation, conversation_id)
        assert owner is not None
        customer_id = owner.customer_id
    try:
        posted = add_customer_turn(
            ctx, Actor.for_customer(customer_id), conversation_id, text,
            idempotency_key=f"mail:{_key_hash(mail.message_key)}",
        )  # fmt: skip
    except PermissionDenied as err:
        _record(ctx, mail, "refused", err.message, conversation_id)
        raise SenderBlocked(f"Refused: {err.message}") from None
    row = _record(ctx, mail, "stored", "", conversation_id, posted.turn.id)
    if row is None:  # a parallel delivery of the same message stored it first
        with ctx.sessions() as session:
            existing = _stored(session, mail.message_key)
            assert existing is not None
            return _replay(existing)
    return Delivered(conversation_id, posted.turn.id, posted.created)


def _conversation(
    ctx: ActionContext, mail: InboundMail, thread: int | None, team: str | None
) -> int:
    with ctx.sessions() as session:
        if thread is not None:
            conv = session.get(Conversation, thread)
            if conv is not None and conv.status is not ConversationStatus.CLOSED:
                return conv.id
        external = f"mail:{_key_hash(mail.message_key)}"
        again = session.scalars(
            select(Conversation.id).where(Conversation.external_id == external)
        ).first()
        if again is not None:  # a delivery that stopped after opening the case
            return int(again)
        found_team = _team_for(ctx, session, mail, team)
        team_id = found_team.id if found_team is not None else None
    customer = _customer(ctx, mail)
    if customer.standing is CustomerStanding.BLOCKED:
        _record(ctx, mail, "refused", "the sender is a blocked customer")
        raise SenderBlocked("Refused: the sender is a blocked customer; no new case was opened.")
    subject = _RE.sub("", mail.subject).strip() or "(no subject)"
    try:
        conv = open_conversation(
            ctx, _ACTOR, customer_id=customer.id, channel="email", team_id=team_id,
            subject=subject, external_id=external,
        )  # fmt: skip
    except IntegrityError:
        with ctx.sessions() as session:
            found = session.scalars(
                select(Conversation.id).where(Conversation.external_id == external)
            ).first()
        if found is None:
            raise
        return int(found)
    return conv.id


# --- outbound ------------------------------------------------------------------------------


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
    base = _SUBJECT_TOKEN.sub("", _RE.sub("", conversation.subject or "")).strip()
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
    write_audit(session, _ACTOR, "mail.queued", row, None,
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
        write_audit(session, _ACTOR, "mail.sent", row, None,
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
            write_audit(session, _ACTOR, "mail.not_delivered", row, None,
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


def mailbox_position(ctx: ActionContext, key: str, uidvalidity: int) -> int:
    """The last UID stored from mailbox `key` (0 when new or when its UIDVALIDITY changed)."""
    with ctx.sessions() as session:
        state = session.get(MailboxState, key)
        if state is None or state.uidvalidity != uidvalidity:
            return 0
        return state.last_uid


def save_mailbox_position(ctx: ActionContext, key: str, uidvalidity: int, uid: int) -> None:
    with ctx.sessions.begin() as session:
        state = session.get(MailboxState, key)
        if state is None:
            session.add(MailboxState(key=key, uidvalidity=uidvalidity, last_uid=uid,
                                     updated_at=ctx.now()))  # fmt: skip
            return
        if state.uidvalidity != uidvalidity:
            state.uidvalidity, state.last_uid = uidvalidity, 0
        state.last_uid, state.updated_at = max(state.last_uid, uid), ctx.now()
