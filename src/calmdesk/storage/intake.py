"""Intake: email messages in and out (the outbox), turn channels, IMAP fetch positions.

`email_messages` holds every message calmdesk received or queued, once: inbound rows are keyed by
their `Message-ID` (or a hash of the raw bytes when there is none), outbound rows by what they
answer (`source_key`, e.g. `turn:42`), so a retried delivery, a fetch run again after a crash or a
second worker never stores or sends anything twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = ["EmailMessage", "MailboxState", "TurnChannel"]


class EmailMessage(CreatedAt, Base):
    """One email, received (`direction` in) or to send (out).

    Inbound `status`: stored (became a turn), ignored (auto-reply, bounce, list mail, our own mail
    coming back: kept, never answered), refused (kept with the reason). Outbound: queued, sent,
    failed (after its retries; `last_error` says why).
    """

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    message_key: Mapped[str] = mapped_column(String(500), unique=True)
    message_id: Mapped[str] = mapped_column(String(500), default="")
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True, default=None)
    kind: Mapped[str] = mapped_column(String(24), default="message")
    status: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id"), default=None, index=True
    )
    turn_id: Mapped[int | None] = mapped_column(ForeignKey("turns.id"), default=None, index=True)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    to_addr: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    in_reply_to: Mapped[str] = mapped_column(String(500), default="")
    reference_ids: Mapped[list[str]] = mapped_column(JSONType, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # the redacted raw message under the attachments folder (`raw/<sha256>.eml`), None: not kept
    raw_file: Mapped[str | None] = mapped_column(String(120), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")


class TurnChannel(Base):
    """The channel a turn came in or went out on, where it differs from the conversation's."""

    __tablename__ = "turn_channels"

    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))


class MailboxState(Base):
    """How far `calmdesk mail fetch` got in one IMAP folder (UIDVALIDITY and the last UID seen)."""

    __tablename__ = "mailbox_states"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(Integer, default=0)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
