"""The raw messages e-mail intake keeps on disk hold no payment data (fetched from a real IMAP
server, then every file under the attachments folder searched, decoded as well as raw)."""

from __future__ import annotations

import imaplib
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.channels.conftest import mail_settings
from tests.channels.dovecot import Dovecot, dovecot_server
from tests.factories import CueAnalyzer, World

from calmdesk.actions import ActionContext
from calmdesk.channels.email.imap import fetch_all
from calmdesk.channels.email.raw import redact_raw
from calmdesk.storage import Turn

CARDS = ("4111 1111 1111 1111", "4242-4242-4242-4242", "5555555555554444", "378282246310005")
IBAN = "DE89 3704 0044 0532 0130 00"
KEPT = "order 4111 1111 1111 1112"  # fails the Luhn check: an order number, not a card


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture
def inbox(dovecot: Dovecot) -> Iterator[imaplib.IMAP4]:
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(dovecot.user, dovecot.password)
    client.select("INBOX")
    client.uid("STORE", "1:*", "+FLAGS", "(\\Deleted)")
    client.expunge()
    yield client
    client.logout()


def _ctx(
    world: World, tmp_path: Path, db_url: str, dovecot: Dovecot, **extra: object
) -> ActionContext:
    settings = mail_settings(tmp_path, db_url, mailboxes=[dovecot.box(team="Billing")], **extra)
    return ActionContext(world.ctx.sessions, settings, analyzer=CueAnalyzer(),
                         clock=world.ctx.clock)  # fmt: skip


def _payment_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Dana Buyer <dana@example.com>"
    mail["To"] = "orders@calm.test"
    mail["Subject"] = f"Charged twice on {CARDS[0]} — bitte prüfen"
    mail["Message-ID"] = "<pay-1@example.com>"
    mail.set_content(
        f"Hello, my card {CARDS[1]} was charged twice, CVC 737. Refund to IBAN {IBAN} please.\n"
        f"My {KEPT} is still missing. Grüße, Dana\n",
        cte="quoted-printable",
    )
    mail.add_alternative(f"<p>Card <b>{CARDS[2]}</b> charged twice.</p>", subtype="html",
                         cte="base64")  # fmt: skip
    mail.add_attachment(f"statement: {CARDS[3]} exp 04/29\n".encode(), maintype="text",
                        subtype="plain", filename="statement.txt")  # fmt: skip
    return mail.as_bytes()


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _everything_on_disk(folder: Path) -> str:
    """Every file's bytes as text, and for messages every part decoded (base64, QP) too."""
    texts = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        texts.append(data.decode("latin-1"))
        message = BytesParser(policy=policy.default).parsebytes(data)
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode("utf-8", "replace"))
            texts.extend(str(v) for v in part.values())
    return "\n".join(texts)


def _assert_no_payment_data(text: str) -> None:
    compact = _digits(text)
    for number in (*CARDS, IBAN):
        assert _digits(number) not in compact, number
    assert "737" not in re.findall(r"\d+", text)


def test_fetched_mail_leaves_no_card_number_or_iban_in_any_file_on_disk(
    world: World, tmp_path: Path, db_url: str, dovecot: Dovecot, inbox: imaplib.IMAP4
) -> None:
    ctx = _ctx(world, tmp_path, db_url, dovecot)
    assert inbox.append("INBOX", None, None, _payment_mail())[0] == "OK"
    (report,) = fetch_all(ctx)
    assert (report.stored, report.errors) == (1, [])
    files = Path(ctx.settings.attachments_dir)
    kept = list((files / "raw").glob("*.eml"))
    assert len(kept) == 1  # the raw message is still kept, redacted
    on_disk = _everything_on_disk(files)
    _assert_no_payment_data(on_disk)
    assert "[card ending 1111]" in on_disk and "[IBAN ending 3000]" in on_disk
    assert _digits(KEPT) in _digits(on_disk)  # a number that is not a card stays as written
    message = BytesParser(policy=policy.default).parsebytes(kept[0].read_bytes())
    assert message["Message-ID"] == "<pay-1@example.com>"  # threading headers untouched
    assert "bitte prüfen" in str(message["Subject"])
    body = message.get_body(("plain",))
    assert body is not None and "Grüße, Dana" in body.get_content()
    with ctx.sessions() as session:
        (turn,) = session.scalars(select(Turn)).all()
    _assert_no_payment_data(turn.text)


def test_with_keep_raw_none_no_raw_message_is_kept(
    world: World, tmp_path: Path, db_url: str, dovecot: Dovecot, inbox: imaplib.IMAP4
) -> None:
    ctx = _ctx(world, tmp_path, db_url, dovecot, mail_keep_raw="none")
    assert inbox.append("INBOX", None, None, _payment_mail())[0] == "OK"
    (report,) = fetch_all(ctx)
    assert report.stored == 1
    assert not list(Path(ctx.settings.attachments_dir).rglob("*.eml"))
    _assert_no_payment_data(_everything_on_disk(Path(ctx.settings.attachments_dir)))


def test_a_message_without_payment_data_is_kept_byte_for_byte() -> None:
    raw = b"From: a@b.test\r\nSubject: parcel 1042\r\nMessage-ID: <x@y>\r\n\r\nWhere is it?\r\n"
    assert redact_raw(raw) is raw


def test_a_message_in_a_legacy_charset_is_redacted_and_readable() -> None:
    body = f"Karte {CARDS[0]}, Grüße".encode("iso-8859-1")
    raw = (b"From: a@b.test\r\nSubject: =?iso-8859-1?q?Gr=FC=DFe?=\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=iso-8859-1\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body)  # fmt: skip
    out = BytesParser(policy=policy.default).parsebytes(redact_raw(raw))
    assert out.get_content().strip() == "Karte [card ending 1111], Grüße"
    assert str(out["Subject"]) == "Grüße"
