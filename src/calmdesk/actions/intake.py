"""Customers reach the team: a visitor opens a conversation (chat widget or contact page).

A visitor is always a new customer record: the name and email they type prove nothing. The
typed address is kept as a claim (`profile.claimed_email`) and linked to a customer only when the
visitor follows the verification link sent to it (`link_verified_email`), or when an agent merges
the two records after checking (`merge_customers`). A blocked customer, recognised by the chat
token their browser holds or by the address they give, cannot open a new case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.conversations import open_conversation
from calmdesk.actions.turns import PostedTurn, add_customer_turn
from calmdesk.actions.validate import clean_text
from calmdesk.domain.errors import (
    Conflict,
    MalformedInput,
    NotFound,
    PermissionDenied,
    UnsupportedValue,
)
from calmdesk.storage import (
    Conversation,
    ConversationStatus,
    Customer,
    CustomerStanding,
    Team,
    UserRole,
)
from calmdesk.storage.intake import EmailMessage, TurnChannel

__all__ = [
    "PublicConversation",
    "clean_email",
    "find_team",
    "link_verified_email",
    "make_message_id",
    "merge_customers",
    "open_public_conversation",
    "queue_notice_mail",
    "record_turn_channel",
    "request_email_verification",
]

_EMAIL = re.compile(
    r"^[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})\.[A-Za-z]{2,63}$"
)
_BLOCKED = "We cannot open a new conversation for you here. Please contact us another way."


@dataclass
class PublicConversation:
    conversation: Conversation
    customer_id: int
    posted: PostedTurn


def clean_email(value: object) -> str | None:
    """A plausible address (lower-cased domain), None when absent; MalformedInput otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise MalformedInput("The email address must be text.")
    address = value.strip()
    if len(address) > 254 or not _EMAIL.match(address):
        raise MalformedInput("The email address does not look right; check it or leave it out.")
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def find_team(session: Session, ctx: ActionContext, name: str | None) -> Team | None:
    """The team called `name`, the configured default team, or the first team (None when no
    team exists yet: the case then waits for an admin, who sees every conversation)."""
    wanted = (name or "").strip() or ctx.settings.public_default_team
    if wanted:
        team = session.scalars(select(Team).where(func.lower(Team.name) == wanted.lower())).first()
        if team is None:
            raise UnsupportedValue(f"There is no team called {wanted[:120]!r}; check data-team.")
        return team
    return session.scalars(select(Team).order_by(Team.id)).first()


def _blocked_by_email(session: Session, email: str | None) -> bool:
    if email is None:
        return False
    found = session.scalars(
        select(Customer.id).where(
            func.lower(Customer.email) == email.lower(),
            Customer.standing == CustomerStanding.BLOCKED,
        )
    ).first()
    return found is not None


def open_public_conversation(
    ctx: ActionContext,
    *,
    name: object,
    text: object,
    email: object = None,
    team: object = None,
    returning_customer_id: int | None = None,
    channel_label: str = "chat",
) -> PublicConversation:
    """A visitor's new case: a new customer (or the returning one), the first message analysed.

    `returning_customer_id` comes only from a valid chat token this browser already holds."""
    who = clean_text(name, "name", 200)
    body = clean_text(text, "message", ctx.settings.max_text_chars)
    address = clean_email(email)
    if team is not None and not isinstance(team, str):
        raise MalformedInput("The team must be given by its name.")
    with ctx.sessions() as session:
        team_row = find_team(session, ctx, team)
        team_id = team_row.id if team_row is not None else None
        returning = session.get(Customer, returning_customer_id) if returning_customer_id else None
        if (returning is not None and returning.standing is CustomerStanding.BLOCKED) or (
            _blocked_by_email(session, address)
        ):
            raise PermissionDenied(_BLOCKED)
    actor = Actor.system("intake")
    if returning is None:
        with ctx.sessions.begin() as session:
            visitor = Customer(
                name=who,
                profile={"source": f"web {channel_label}", "claimed_email": address},
            )
            session.add(visitor)
            write_audit(session, actor, "customer.created", visitor)
        customer_id = visitor.id
    else:
        customer_id = returning.id
    conversation = open_conversation(
        ctx, actor, customer_id=customer_id, channel="chat", team_id=team_id,
        subject=body.splitlines()[0][:120],
    )  # fmt: skip
    posted = add_customer_turn(ctx, Actor.for_customer(customer_id), conversation.id, body)
    record_turn_channel(ctx, posted.turn.id, channel_label)
    return PublicConversation(conversation, customer_id, posted)


def record_turn_channel(ctx: ActionContext, turn_id: int, channel: str) -> None:
    """Note the channel a turn came on (shown beside it in the console)."""
    with ctx.sessions.begin() as session:
        if session.get(TurnChannel, turn_id) is None:
            session.add(TurnChannel(turn_id=turn_id, channel=channel[:20]))


def queue_notice_mail(
    session: Session, *, source_key: str, kind: str, from_addr: str, to_addr: str, subject: str,
    body: str, conversation_id: int | None, message_id: str,
) -> EmailMessage | None:  # fmt: skip
    """Queue one outbound mail for the worker, once per `source_key` (None if already queued)."""
    existing = session.scalars(
        select(EmailMessage.id).where(EmailMessage.source_key == source_key)
    ).first()
    if existing is not None:
        return None
    row = EmailMessage(
        direction="out", message_key=message_id, message_id=message_id, source_key=source_key,
        kind=kind, status="queued", conversation_id=conversation_id, from_addr=from_addr[:320],
        to_addr=to_addr,
        subject=subject[:300], body=body,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def link_verified_email(
    ctx: ActionContext, conversation_id: int, customer_id: int, email: str
) -> Customer:
    """The visitor proved the address: link their case to the customer who has it (or set it).

    Returns the customer the conversation now belongs to."""
    address = clean_email(email)
    if address is None:
        raise MalformedInput("The verification link names no address.")
    actor = Actor.system("verification")
    with ctx.sessions.begin() as session:
        visitor = session.get(Customer, customer_id)
        conversation = session.get(Conversation, conversation_id)
        if visitor is None or conversation is None or conversation.customer_id != customer_id:
            raise NotFound("This conversation has moved or no longer exists.")
        known = session.scalars(
            select(Customer)
            .where(func.lower(Customer.email) == address.lower(), Customer.id != visitor.id)
            .order_by(Customer.id)
        ).first()
        if known is None:
            before = snapshot(visitor, "email", "profile")
            visitor.email = address
            visitor.profile = {**visitor.profile, "email_verified": True}
            write_audit(session, actor, "customer.email_verified", visitor, before)
            return visitor
        _move_conversations(session, actor, visitor, known, "the visitor verified the address")
        if known.standing is CustomerStanding.BLOCKED:
            conversation.status = ConversationStatus.CLOSED
        return known


def _move_conversations(
    session: Session, actor: Actor, source: Customer, into: Customer, reason: str
) -> None:
    ids = list(
        session.scalars(select(Conversation.id).where(Conversation.customer_id == source.id))
    )
    if ids:
        session.execute(
            update(Conversation).where(Conversation.id.in_(ids)).values(customer_id=into.id)
        )
    into.contacts_count += source.contacts_count
    before = snapshot(source, "profile")
    source.profile = {**source.profile, "merged_into": into.id}
    source.contacts_count = 0
    write_audit(
        session, actor, "customer.merged", source, before,
        {"merged_into": into.id, "conversations": ids, "reason": reason},
    )  # fmt: skip
    session.expire_all()


def merge_customers(
    ctx: ActionContext, actor: Actor, source_id: int, into_id: int, *, reason: str = ""
) -> Customer:
    """An agent checked that two records are one person: move every case to `into_id`."""
    actor.require_role(UserRole.AGENT, UserRole.SUPERVISOR, UserRole.ADMIN)
    why = clean_text(reason, "reason", 2000) if reason else "checked by staff"
    if source_id == into_id:
        raise Conflict("A customer cannot be merged into itself.")
    with ctx.sessions.begin() as session:
        source, into = session.get(Customer, source_id), session.get(Customer, into_id)
        if source is None or into is None:
            raise NotFound("Both customers must exist to merge them.")
        if source.profile.get("merged_into"):
            raise Conflict("This customer was already merged into another.")
        _move_conversations(session, actor, source, into, why)
        merged = session.get(Customer, into_id)
        assert merged is not None
        return merged


def make_message_id(ctx: ActionContext, label: str) -> str:
    """A new, globally unique Message-ID on the domain of `CALMDESK_MAIL_FROM`."""
    import secrets
    from email.utils import parseaddr

    domain = parseaddr(ctx.settings.mail_from)[1].rpartition("@")[2] or "calmdesk.invalid"
    return f"<calmdesk.{label}.{secrets.token_hex(8)}@{domain}>"


def request_email_verification(
    ctx: ActionContext, conversation_id: int, email: str, link: str
) -> bool:
    """Queue the mail with the verification link (once per conversation); False if queued."""
    address = clean_email(email)
    if address is None:
        return False
    body = (
        "Hello,\n\nyou started a conversation with us and gave this address. If that was you, "
        f"confirm it by opening this link:\n\n{link}\n\nIf it was not you, ignore this mail; "
        "nothing will be linked to your address.\n"
    )
    with ctx.sessions.begin() as session:
        row = queue_notice_mail(
            session, source_key=f"verify:{conversation_id}", kind="verify",
            from_addr=ctx.settings.mail_from, to_addr=address,
            subject="Please confirm your email address", body=body,
            conversation_id=conversation_id, message_id=make_message_id(ctx, "verify"),
        )  # fmt: skip
        if row is not None:
            write_audit(session, Actor.system("intake"), "mail.verification_queued", row)
    return row is not None
