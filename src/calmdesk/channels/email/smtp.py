"""Sending queued mail over SMTP (`CALMDESK_SMTP_URL`): STARTTLS or implicit TLS, retries.

    smtp://user:pass@host:587    plain connection upgraded with STARTTLS when the relay offers it
                                 (a password is only ever sent over TLS, or to a loopback relay)
    smtps://user:pass@host:465   implicit TLS

Each message carries `Message-ID`, `In-Reply-To` and `References`, so the customer's client
threads it, and `X-Calmdesk-Loop`, so calmdesk recognises its own mail if it ever comes back.
"""

from __future__ import annotations

import hashlib
import ipaddress
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

from calmdesk.actions.context import ActionContext
from calmdesk.actions.mail import OutboundMail, claim_due, mark_failed, mark_sent, queue_outbound
from calmdesk.channels.email.parse import LOOP_HEADER
from calmdesk.channels.email.text import clean_header
from calmdesk.config import Settings
from calmdesk.domain.errors import ConfigError, MailDeliveryFailed

__all__ = ["SendReport", "SmtpTarget", "compose", "parse_smtp_url", "send_one", "send_pending"]


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    user: str | None
    password: str | None

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"


@dataclass
class SendReport:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"queued": self.queued, "sent": self.sent, "retrying": self.retrying,
                "failed": self.failed}  # fmt: skip


def parse_smtp_url(url: str | None) -> SmtpTarget:
    """The relay in `CALMDESK_SMTP_URL`; ConfigError for anything else than smtp:// or smtps://."""
    if not url:
        raise ConfigError("Set CALMDESK_SMTP_URL (smtp://user:pass@host:587 or smtps://...).")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError("CALMDESK_SMTP_URL must look like smtp://user:pass@host:587 or smtps://.")
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 587)
    except ValueError:
        raise ConfigError("The port in CALMDESK_SMTP_URL is not a number.") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return SmtpTarget(parts.hostname, port, implicit, user, password)


def loop_id(settings: Settings) -> str:
    """This installation's mark in `X-Calmdesk-Loop` (no secret can be derived from it)."""
    return hashlib.sha256(f"loop:{settings.secret_key}".encode()).hexdigest()[:16]


def compose(mail: OutboundMail, settings: Settings) -> EmailMessage:
    """The message as sent; every header value is one clean line (no header injection)."""
    msg = EmailMessage()
    msg["From"] = clean_header(mail.from_addr, 320)
    msg["To"] = clean_header(mail.to_addr, 320)
    msg["Subject"] = clean_header(mail.subject, 300)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = clean_header(mail.message_id, 500)
    if mail.in_reply_to:
        msg["In-Reply-To"] = clean_header(mail.in_reply_to, 500)
    refs = [clean_header(r, 500) for r in mail.references if r]
    if refs:
        msg["References"] = " ".join(refs)
    msg[LOOP_HEADER] = loop_id(settings)
    msg.set_content(mail.body)
    return msg


def send_one(mail: OutboundMail, settings: Settings) -> None:
    """Hand one message to the relay; MailDeliveryFailed with the relay's reason otherwise."""
    target = parse_smtp_url(settings.smtp_url)
    message = compose(mail, settings)
    recipient = parseaddr(mail.to_addr)[1]
    if not recipient:
        raise MailDeliveryFailed("the message has no recipient address")
    context = ssl.create_default_context()
    timeout = settings.smtp_timeout_s
    try:
        client: smtplib.SMTP
        if target.implicit_tls:
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=timeout)
        with client:
            client.ehlo()
            if not target.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if target.user:
                secure = target.implicit_tls or client.has_extn("starttls") or target.loopback
                if not secure and not isinstance(client.sock, ssl.SSLSocket):
                    raise MailDeliveryFailed("the relay offers no TLS; the password was not sent")
                client.login(target.user, target.password or "")
            refused = client.send_message(message, from_addr=parseaddr(mail.from_addr)[1],
                                          to_addrs=[recipient])  # fmt: skip
            if refused:
                raise MailDeliveryFailed(f"the relay refused {', '.join(refused)}")
    except smtplib.SMTPResponseException as err:
        text = (
            err.smtp_error.decode("utf-8", "replace")
            if isinstance(err.smtp_error, bytes)
            else str(err.smtp_error)
        )
        raise MailDeliveryFailed(
            f"the relay answered {err.smtp_code} {clean_header(text, 200)}"
        ) from None
    except smtplib.SMTPRecipientsRefused as err:
        raise MailDeliveryFailed(f"the relay refused the recipient {recipient}") from err
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as err:
        raise MailDeliveryFailed(
            f"the relay is unreachable: {clean_header(str(err), 200)}"
        ) from None


def send_pending(ctx: ActionContext, *, ignore_backoff: bool = False) -> SendReport:
    """Queue what email cases need sent, then try each due message once."""
    report = SendReport(queued=queue_outbound(ctx))
    if not ctx.settings.smtp_url:
        return report
    parse_smtp_url(ctx.settings.smtp_url)  # a bad setting fails before anything is claimed
    for mail in claim_due(ctx, ignore_backoff=ignore_backoff):
        try:
            send_one(mail, ctx.settings)
        except MailDeliveryFailed as err:
            status = mark_failed(ctx, mail.id, err.message)
            if status == "failed":
                report.failed += 1
            else:
                report.retrying += 1
            continue
        mark_sent(ctx, mail.id)
        report.sent += 1
    return report
