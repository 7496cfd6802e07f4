"""`calmdesk mail fetch`: new messages from each team's IMAP mailbox (standard `imaplib`).

A mailbox is configured in `CALMDESK_MAILBOXES` (JSON list):
`{"team": "Orders", "host": "imap.example.com", "port": 993, "tls": "ssl"|"starttls"|"none",
"user": "...", "password": "...", "folder": "INBOX"}`.

Messages are read with `BODY.PEEK[]` in UID order. After each one is stored, the last UID is
saved (`mailbox_states`), and every message is stored once by its Message-ID anyway: a fetch
killed midway and run again stores nothing twice. A changed UIDVALIDITY starts from the first
message again (the Message-ID check keeps it from duplicating anything).
"""

from __future__ import annotations

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass, field
from typing import Any

from calmdesk.actions.context import ActionContext
from calmdesk.actions.mail import mailbox_position, save_mailbox_position
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.domain.errors import (
    ConfigError,
    MailboxUnavailable,
    MailIgnored,
    MailLoop,
    MailRefused,
)

__all__ = ["FetchReport", "Mailbox", "fetch_all", "fetch_mailbox", "mailboxes"]

log = logging.getLogger("calmdesk.mail")
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_TLS = ("ssl", "starttls", "none")


@dataclass(frozen=True, slots=True)
class Mailbox:
    team: str | None
    host: str
    port: int
    tls: str
    user: str
    password: str
    folder: str = "INBOX"

    @property
    def key(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:400]


@dataclass
class FetchReport:
    mailbox: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    refused: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"mailbox": self.mailbox, "fetched": self.fetched, "stored": self.stored,
                "duplicates": self.duplicates, "ignored": self.ignored, "refused": self.refused,
                "errors": self.errors}  # fmt: skip


def mailboxes(settings_boxes: list[dict[str, Any]]) -> list[Mailbox]:
    """The configured mailboxes; ConfigError naming the first unusable entry."""
    found = []
    for number, box in enumerate(settings_boxes, 1):
        try:
            tls = str(box.get("tls", "ssl")).lower()
            if tls not in _TLS:
                raise ValueError(f"tls must be one of {', '.join(_TLS)}")
            port = int(box.get("port") or (993 if tls == "ssl" else 143))
            found.append(Mailbox(
                team=box.get("team"), host=str(box["host"]), port=port, tls=tls,
                user=str(box["user"]), password=str(box.get("password", "")),
                folder=str(box.get("folder", "INBOX")),
            ))  # fmt: skip
        except (KeyError, TypeError, ValueError) as err:
            raise ConfigError(
                f"CALMDESK_MAILBOXES entry {number} is unusable ({err}); it needs host, user, "
                "password and optionally port, tls (ssl, starttls, none), folder, team."
            ) from None
    return found


def _connect(box: Mailbox, timeout: float) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    client: imaplib.IMAP4 | None = None
    try:
        if box.tls == "ssl":
            client = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(box.host, box.port, timeout=timeout)
            if box.tls == "starttls":
                client.starttls(ssl_context=context)
        client.login(box.user, box.password)
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as err:
        if client is not None:
            client.shutdown()
        raise MailboxUnavailable(f"Mailbox {box.key}: {_reason(err)}") from None
    return client


def _reason(err: BaseException) -> str:
    text = err.args[0] if err.args else err
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)[:200]


def fetch_mailbox(ctx: ActionContext, box: Mailbox, *, limit: int | None = None) -> FetchReport:
    """Fetch and store every message after the last UID stored (at most `limit`)."""
    report = FetchReport(box.key)
    client = _connect(box, ctx.settings.smtp_timeout_s)
    try:
        typ, data = client.select(_quote(box.folder))
        if typ != "OK":
            raise MailboxUnavailable(f"Mailbox {box.key}: the folder cannot be opened.")
        validity = _uidvalidity(client, box.folder)
        last = mailbox_position(ctx, box.key, validity)
        typ, data = client.uid("SEARCH", f"UID {last + 1}:*")
        if typ != "OK":
            raise MailboxUnavailable(f"Mailbox {box.key}: the search failed.")
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > last)
        for uid in uids[:limit]:
            _fetch_one(ctx, client, box, uid, report)
            save_mailbox_position(ctx, box.key, validity, uid)
    except (OSError, imaplib.IMAP4.error) as err:
        raise MailboxUnavailable(f"Mailbox {box.key}: {_reason(err)}") from None
    finally:
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
    return report


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uidvalidity(client: imaplib.IMAP4, folder: str) -> int:
    typ, data = client.response("UIDVALIDITY")
    for item in data or ():
        if item and item.isdigit():
            return int(item)
    typ, data = client.status(_quote(folder), "(UIDVALIDITY)")
    match = _UIDVALIDITY.search(b" ".join(d for d in data if isinstance(d, bytes)))
    return int(match.group(1)) if match else 0


def _fetch_one(
    ctx: ActionContext, client: imaplib.IMAP4, box: Mailbox, uid: int, report: FetchReport
) -> None:
    typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    raw = next((part[1] for part in data or () if isinstance(part, tuple)), None)
    if typ != "OK" or not isinstance(raw, bytes):
        report.errors.append(f"UID {uid}: could not be read")
        return
    report.fetched += 1
    try:
        result = deliver_bytes(ctx, raw, team=box.team)
    except (MailIgnored, MailLoop):
        report.ignored += 1
        return
    except MailRefused as err:
        report.refused += 1
        report.errors.append(f"UID {uid}: {err}")
        return
    if result.created:
        report.stored += 1
    else:
        report.duplicates += 1
    try:
        client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    except imaplib.IMAP4.error:
        log.warning("could not mark UID %s seen in %s", uid, box.key)


def fetch_all(ctx: ActionContext) -> list[FetchReport]:
    """Fetch every configured mailbox; one that cannot be reached does not stop the others."""
    reports = []
    for box in mailboxes(ctx.settings.mailboxes):
        try:
            reports.append(fetch_mailbox(ctx, box))
        except MailboxUnavailable as err:
            failed = FetchReport(box.key)
            failed.errors.append(str(err))
            reports.append(failed)
    return reports
