"""RFC 5322 bytes to an `InboundMail`: headers decoded and cleaned, the body as safe text,
attachments recorded (and kept on disk up to a limit), automatic mail recognised.

Never raises anything but `MailRefused` on purpose: malformed MIME, unknown or wrong charsets,
raw 8-bit headers, encoded words, CR/LF in headers, deep nesting and broken base64 all give text.
"""

from __future__ import annotations

import hashlib
import re
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from calmdesk.actions.mail import InboundMail, MailAttachment
from calmdesk.channels.email.raw import redact_text_bytes
from calmdesk.channels.email.text import clean_header, decode_bytes, html_to_text, latest_reply
from calmdesk.config import Settings
from calmdesk.domain.errors import MailRefused

__all__ = ["LOOP_HEADER", "parse_message"]

LOOP_HEADER = "X-Calmdesk-Loop"
_MSGID = re.compile(r"<[^<>\s]{1,480}>")
_MAX_PARTS = 2000
_MAX_REFS = 50
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply", "X-Autoresponder")
_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_REPORTS = {"message/delivery-status", "message/disposition-notification"}
_DAEMONS = {"mailer-daemon", "postmaster", "mail-daemon"}


def _header(msg: Message, name: str, limit: int = 998) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header too broken to parse reads as empty
        return ""
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:  # noqa: BLE001
        return ""
    return clean_header(text, limit)


def _ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))[-_MAX_REFS:]


def _address(value: str) -> tuple[str, str]:
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001
        return "", ""
    for name, addr in pairs:
        if "@" in addr and len(addr) <= 254 and not re.search(r"[\s<>]", addr):
            local, _, domain = addr.rpartition("@")
            return clean_header(name, 200), f"{local}@{domain.lower()}"
    return "", ""


def _sender(msg: Message, name: str) -> tuple[str, str]:
    """Display name and address of an address header. The raw value is split first (encoded
    words stay whole), then the name is decoded: CR/LF hidden in it cannot split the header."""
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    if not raw:
        return "", ""
    try:
        pairs = getaddresses([clean_header(raw, 998)])
    except Exception:  # noqa: BLE001
        return "", ""
    for display, addr in pairs:
        if "@" in addr and len(addr) <= 254 and not re.search(r"[\s<>]", addr):
            local, _, domain = addr.rpartition("@")
            try:
                decoded = str(make_header(decode_header(display)))
            except Exception:  # noqa: BLE001 - an undecodable name stays as it came
                decoded = display
            return clean_header(decoded, 200), f"{local}@{domain.lower()}"
    return "", ""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = clean_header(name, 200).replace("\\", "/").rsplit("/", 1)[-1].lstrip(". ")
    return name or ""


def _payload(part: Message) -> bytes:
    try:
        if part.get_content_maintype() == "message":
            return part.as_bytes(policy=policy.compat32) if isinstance(part, Message) else b""
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encodings give what could be read
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return data if isinstance(data, bytes) else b""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None


def _leaves(msg: Message, notes: list[str]) -> list[Message]:
    """Every non-multipart part, depth first, without recursion (100-deep nesting is fine)."""
    leaves: list[Message] = []
    stack: list[Message] = [msg]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > _MAX_PARTS:
            notes.append(f"more than {_MAX_PARTS} MIME parts; the rest is kept in the raw file")
            break
        payload = part.get_payload() if part.is_multipart() else None
        if isinstance(payload, list) and part.get_content_maintype() == "multipart":
            stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
        else:
            leaves.append(part)
    return leaves


def _store(data: bytes, digest: str, settings: Settings) -> str | None:
    if len(data) > settings.attachment_max_bytes:
        return None
    relative = f"{digest[:2]}/{digest}"
    target = Path(settings.attachments_dir) / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(target)
    return relative


def _auto_reason(msg: Message, leaves: list[Message], from_addr: str) -> str:
    submitted = _header(msg, "Auto-Submitted").lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:40]}"
    for name in _AUTO_HEADERS:
        if _header(msg, name):
            return f"{name} is set"
    precedence = _header(msg, "Precedence").lower()
    if precedence in _PRECEDENCE:
        return f"Precedence: {precedence}"
    if msg.get_content_type() == "multipart/report" or any(
        p.get_content_type() in _REPORTS for p in leaves
    ):
        return "a delivery status or read report"
    if from_addr.partition("@")[0] in _DAEMONS:
        return f"sent by {from_addr.partition('@')[0]}"
    if _header(msg, "Return-Path") == "<>":
        return "an empty envelope sender (automatic mail)"
    return ""


def _body(leaves: list[Message], settings: Settings) -> tuple[str, list[MailAttachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[MailAttachment] = []
    for part in leaves:
        ctype = part.get_content_type()
        try:
            disposition = part.get_content_disposition()
        except Exception:  # noqa: BLE001
            disposition = None
        name = _filename(part)
        data = _payload(part)
        if part.get_content_maintype() == "multipart":  # a multipart without usable parts
            ctype = "text/plain"
        textual = ctype in ("text/plain", "text/html") and disposition != "attachment" and not name
        if textual:
            text = decode_bytes(data, _charset(part))
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if ctype in _REPORTS and not data:
            continue
        text_part = part.get_content_maintype() == "text"
        if text_part:  # a text attachment: payment data redacted
            data = redact_text_bytes(data, _charset(part)) or data
        digest = hashlib.sha256(data).hexdigest()
        keep = text_part or settings.mail_keep_attachments == "all"
        attachments.append(
            MailAttachment(
                filename=name or "attachment", content_type=clean_header(ctype, 100),
                size=len(data), sha256=digest,
                stored=_store(data, digest, settings) if keep else None,
            )
        )  # fmt: skip
    if plain:
        body = "\n\n".join(t.strip() for t in plain if t.strip())
    else:
        body = "\n\n".join(html_to_text(h) for h in html)
    return body.strip(), attachments


def parse_message(raw: bytes, settings: Settings) -> InboundMail:
    """The message in `raw`; MailRefused when it is empty, too large or not a message at all."""
    if len(raw) > settings.mail_max_bytes:
        raise MailRefused(
            f"The message has {len(raw)} bytes; the limit is {settings.mail_max_bytes} "
            "(CALMDESK_MAIL_MAX_BYTES). Ask the sender for a smaller one."
        )
    if not raw.strip():
        raise MailRefused("The message is empty; nothing was stored.")
    notes: list[str] = []
    msg: Any = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(msg, EmailMessage | Message) or not msg.keys():
        raise MailRefused("This is not an email message (it has no headers).")
    if msg.defects:
        notes.append("malformed MIME: " + ", ".join(type(d).__name__ for d in msg.defects[:5]))
    from_name, from_addr = _sender(msg, "From")
    if not from_addr:
        _, from_addr = _sender(msg, "Sender")
    if not from_addr:
        raise MailRefused("The message has no usable From address; nobody could be answered.")
    _, reply_to = _sender(msg, "Reply-To")
    to_addrs = tuple(
        a.lower() for _, a in getaddresses([_header(msg, "To"), _header(msg, "Cc"),
                                           _header(msg, "Delivered-To")]) if "@" in a
    )  # fmt: skip
    ids = _ids(_header(msg, "Message-ID"))
    message_id = ids[0] if ids else ""
    key = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    leaves = _leaves(msg, notes)
    full, attachments = _body(leaves, settings)
    return InboundMail(
        message_key=key, message_id=message_id, from_addr=from_addr, from_name=from_name,
        reply_to=reply_to, to_addrs=to_addrs[:20], subject=_header(msg, "Subject", 300),
        text=latest_reply(full), full_text=full,
        in_reply_to=_ids(_header(msg, "In-Reply-To")), references=_ids(_header(msg, "References")),
        attachments=tuple(attachments), auto_reason=_auto_reason(msg, leaves, from_addr),
        loop_header=_header(msg, LOOP_HEADER, 200), notes=tuple(notes),
    )  # fmt: skip
