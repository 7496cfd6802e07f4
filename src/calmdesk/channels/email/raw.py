"""The raw message e-mail intake keeps on disk, with payment data redacted first.

Intake keeps each message (`<attachments_dir>/raw/<sha256>.eml`) so that what was received can be
read again later. Before it is written, card numbers (Luhn-valid), IBANs (mod-97) and card
security codes are redacted the way every stored text is (`calmdesk.analysis.privacy.scrub`):

- every text part (`text/*`, inline or attached; quoted-printable, base64, any charset) is decoded,
  redacted and, where something was found, written back as UTF-8 in base64;
- the free-text headers (Subject, Comments, Keywords, Thread-Topic) are redacted too; addresses,
  Message-IDs and the rest of the headers stay byte for byte;
- parts that are not text (images, PDFs, archives) are kept as received: calmdesk cannot read
  them, and the attachment store keeps them as they are (docs/privacy.md); with
  `CALMDESK_MAIL_KEEP_ATTACHMENTS=text` each is replaced by a one-line text part naming it.

A message with nothing to redact is kept byte for byte. `CALMDESK_MAIL_KEEP_RAW=none` keeps no
raw file at all. A message calmdesk cannot take apart and put back together is not kept (it is
logged, and its text is still stored, redacted, on the case).
"""

from __future__ import annotations

import hashlib
import logging
from email import policy
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

from calmdesk.analysis.privacy import scrub
from calmdesk.channels.email.text import decode_bytes
from calmdesk.config import Settings

__all__ = ["redact_raw", "redact_text_bytes", "save_raw"]

log = logging.getLogger("calmdesk.channels.email")

_TEXT_HEADERS = ("Subject", "Comments", "Keywords", "Thread-Topic")


def redact_text_bytes(data: bytes, charset: str | None) -> bytes | None:
    """The text in `data` with payment data redacted, as UTF-8; None when there is none in it."""
    text = decode_bytes(data, charset)
    scrubbed = scrub(text).text
    return None if scrubbed == text else scrubbed.encode("utf-8")


def _header_text(value: object) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:  # noqa: BLE001 - an unreadable encoded word: read it as written
        return str(value)


def _redact_headers(part: Message) -> bool:
    changed = False
    for name in _TEXT_HEADERS:
        values = part.get_all(name) or []
        redacted = []
        for value in values:
            text = _header_text(value)
            clean = scrub(text).text
            redacted.append(clean)
            changed = changed or clean != text
        if changed and len(values) == 1:
            part.replace_header(name, Header(redacted[0], "utf-8").encode())  # in its place
        elif changed and values:
            del part[name]
            for clean in redacted:
                part[name] = Header(clean, "utf-8").encode()
    return changed


def _redact_part(part: Message) -> bool:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return False
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        charset = None
    clean = redact_text_bytes(data, charset)
    if clean is None:
        return False
    del part["Content-Transfer-Encoding"]
    part.set_payload(clean.decode("utf-8"), "utf-8")  # base64, charset="utf-8"
    return True


def _drop_binary(part: Message) -> None:
    kind = part.get_content_type()
    name = part.get_filename() or "attachment"
    for header in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition"):
        del part[header]
    part.set_payload(f"[attachment not kept: {kind}, {name[:120]}]", "utf-8")


def redact_raw(raw: bytes, *, drop_binary: bool = False) -> bytes:
    """`raw` with payment data redacted in its text parts and free-text headers (module doc);
    with `drop_binary`, every part that is not text replaced by a line that names it.

    Returns `raw` itself when there was nothing to redact; raises ValueError when the message
    cannot be taken apart and put back together."""
    try:
        msg = BytesParser(policy=policy.compat32).parsebytes(raw)
        changed = False
        for part in msg.walk():
            changed = _redact_headers(part) or changed
            if part.is_multipart():
                continue
            if part.get_content_maintype() == "text":
                changed = _redact_part(part) or changed
            elif drop_binary and part.get_content_maintype() != "message":
                _drop_binary(part)
                changed = True
        if not changed:
            return raw
        out = msg.as_bytes(policy=policy.compat32)
    except Exception as exc:  # noqa: BLE001 - the MIME library's errors are not one class
        raise ValueError(f"the message could not be rewritten: {type(exc).__name__}") from exc
    return out


def save_raw(raw: bytes, settings: Settings) -> str | None:
    """Keep the message, redacted, as `<attachments_dir>/raw/<sha256>.eml` (the digest of what is
    written); its name, or None when `mail_keep_raw` is `none` or it could not be redacted."""
    if settings.mail_keep_raw == "none":
        return None
    try:
        kept = redact_raw(raw, drop_binary=settings.mail_keep_attachments == "text")
    except ValueError as exc:
        log.warning("raw message not kept (%s); its text is stored redacted on the case", exc)
        return None
    digest = hashlib.sha256(kept).hexdigest()
    target = Path(settings.attachments_dir) / "raw" / f"{digest}.eml"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_bytes(kept)
        temporary.replace(target)
    return f"raw/{digest}.eml"
