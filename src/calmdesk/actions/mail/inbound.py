"""Inbound mail (`ingest_mail`): each message is stored once by its Message-ID (or the hash of its
bytes). It joins the conversation its `In-Reply-To`/`References` name (or whose reply token is in
the subject or address), otherwise opens a new email case for the customer with that address
(made when unknown). Auto-replies, bounces and list mail are kept for the record but open nothing
and get no answer; calmdesk's own mail coming back is a loop and is ignored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.conversations import open_conversation
from calmdesk.actions.intake import find_team
from calmdesk.actions.mail.tokens import ACTOR, ADDRESS_TOKEN, RE_PREFIX, SUBJECT_TOKEN, reply_token
from calmdesk.actions.mail.types import InboundMail
from calmdesk.actions.turns import add_customer_turn
from calmdesk.domain.errors import (
    MailIgnored,
    MailLoop,
    MailRefused,
    PermissionDenied,
    SenderBlocked,
)
from calmdesk.storage import (
    Conversation,
    ConversationStatus,
    Customer,
    CustomerStanding,
    Team,
)
from calmdesk.storage.intake import EmailMessage, TurnChannel

__all__ = ["Delivered", "ingest_mail", "our_addresses"]


@dataclass(frozen=True, slots=True)
class Delivered:
    """What `calmdesk mail deliver` prints; `created` is False when it was already stored."""

    conversation_id: int
    turn_id: int
    created: bool


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
    candidates = SUBJECT_TOKEN.findall(mail.subject)
    for address in mail.to_addrs:
        candidates += ADDRESS_TOKEN.findall(address)
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
                ACTOR,
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
        write_audit(session, ACTOR, "customer.created", customer)
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
    subject = RE_PREFIX.sub("", mail.subject).strip() or "(no subject)"
    try:
        conv = open_conversation(
            ctx, ACTOR, customer_id=customer.id, channel="email", team_id=team_id,
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
