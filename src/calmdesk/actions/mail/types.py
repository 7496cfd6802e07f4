"""What the email channel hands the mail actions: a parsed inbound message, already safe text."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["InboundMail", "MailAttachment", "OutboundMail"]


@dataclass(frozen=True, slots=True)
class MailAttachment:
    """An attachment's name, type and size; `stored` is its file (relative), None over the limit."""

    filename: str
    content_type: str
    size: int
    sha256: str
    stored: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "filename": self.filename, "content_type": self.content_type, "size": self.size,
            "sha256": self.sha256, "stored": self.stored,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class InboundMail:
    """One received message. `message_key` is its Message-ID, or `sha256:<hex>` of the raw bytes
    when it has none; `text` is the newest part (quoted history and signature removed),
    `full_text` the whole body as text; `auto_reason` says why it is automatic mail; `raw_file`
    is the redacted raw message kept on disk, if any."""

    message_key: str
    message_id: str
    from_addr: str
    from_name: str
    subject: str
    text: str
    full_text: str
    reply_to: str = ""
    to_addrs: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    attachments: tuple[MailAttachment, ...] = ()
    auto_reason: str = ""
    loop_header: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    raw_file: str | None = None  # the kept raw message (relative to the attachments folder)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Ids this message answers, the most recent first."""
        seen: list[str] = []
        for ident in (*self.in_reply_to, *reversed(self.references)):
            if ident not in seen:
                seen.append(ident)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class OutboundMail:
    """One queued message, as the SMTP sender needs it."""

    id: int
    message_id: str
    from_addr: str
    to_addr: str
    subject: str
    body: str
    in_reply_to: str
    references: tuple[str, ...]
    reply_to: str = ""
