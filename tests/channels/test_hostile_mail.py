"""A hostile email corpus: each message gives safe text or a clear refusal; nothing is lost,
duplicated or rendered."""

from __future__ import annotations

import base64
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.channels.mailkit import message

from calmdesk.actions import ActionContext
from calmdesk.actions.mail import OutboundMail
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.channels.email.parse import parse_message
from calmdesk.channels.email.smtp import compose
from calmdesk.config import Settings
from calmdesk.domain.errors import MailRefused
from calmdesk.storage import Conversation, Customer, Turn
from calmdesk.storage.intake import EmailMessage


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, attachments_dir=tmp_path / "files")  # type: ignore[call-arg]


def _raw(headers: list[str], body: bytes) -> bytes:
    return (
        b"\r\n".join(h.encode() if isinstance(h, str) else h for h in headers) + b"\r\n\r\n" + body
    )


BASE = ["From: Dana <dana@example.com>", "To: orders@calm.test", "Message-ID: <h@example.com>"]


def test_a_wrong_charset_declaration_still_gives_the_right_text(settings: Settings) -> None:
    raw = _raw(
        [*BASE, "Subject: x", "Content-Type: text/plain; charset=iso-8859-1"],
        "Grüße, das Paket ist kaputt – bitte ersetzen.".encode(),
    )
    assert parse_message(raw, settings).text == "Grüße, das Paket ist kaputt – bitte ersetzen."


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/plain", "Café crème".encode(), "Café crème"),  # no charset, 8-bit UTF-8
        ("text/plain; charset=x-klingon", b"plain ascii words", "plain ascii words"),
        ("text/plain; charset=utf-8", b"caf\xe9 au lait", "café au lait"),  # latin-1 bytes
        ("text/plain; charset=windows-1252", b"\x93quoted\x94", "\u201cquoted\u201d"),
    ],
)
def test_missing_unknown_and_lying_charsets(
    settings: Settings, content_type: str, body: bytes, expected: str
) -> None:
    raw = _raw([*BASE, "Subject: x", f"Content-Type: {content_type}"], body)
    assert parse_message(raw, settings).text == expected


def test_raw_8bit_headers_and_encoded_word_subjects(settings: Settings) -> None:
    raw = _raw(
        [b"From: J\xfcrgen M\xc3\xbcller <jm@example.com>", b"To: orders@calm.test",
         b"Message-ID: <e@x>", b"Subject: =?utf-8?b?" + base64.b64encode("Zurück 📦".encode())
         + b"?= =?iso-8859-1?q?M=FCnchen?="],
        b"Hi",
    )  # fmt: skip
    mail = parse_message(raw, settings)
    assert mail.subject == "Zurück 📦München"
    assert mail.from_addr == "jm@example.com" and "\udcfc" not in mail.from_name
    mail.from_name.encode("utf-8")  # only valid text


def test_header_injection_in_subject_and_name_never_reaches_a_sent_header(
    settings: Settings,
) -> None:
    evil = base64.b64encode(b"Refund\r\nBcc: everyone@evil.example\r\n\r\nbody").decode()
    name = base64.b64encode(b"Dana\r\nX-Injected: 1").decode()
    raw = _raw(
        [
            f"From: =?utf-8?b?{name}?= <dana@example.com>",
            "To: orders@calm.test",
            "Message-ID: <i@x>",
            f"Subject: =?utf-8?b?{evil}?=",
        ],
        b"Please refund.",
    )
    mail = parse_message(raw, settings)
    assert "\r" not in mail.subject and "\n" not in mail.subject
    assert "\n" not in mail.from_name
    sent = compose(OutboundMail(1, "<o@calm.test>", "Orders <orders@calm.test>",
                                f"{mail.from_name} <{mail.from_addr}>", "Re: " + mail.subject,
                                "We are on it.", "<i@x>", ("<i@x>",)), settings)  # fmt: skip
    again = message_from_bytes(sent.as_bytes())
    names = {k.lower() for k in again.keys()}
    assert "bcc" not in names and "x-injected" not in names
    assert again.get_payload().strip() == "We are on it."
    assert str(again["Subject"]).startswith("Re: Refund Bcc: everyone@evil.example")


def test_a_hundred_deep_nested_multipart_is_read_to_the_bottom(settings: Settings) -> None:
    depth = 100
    body = b""
    for level in range(depth):
        body += (
            f'--b{level}\r\nContent-Type: multipart/mixed; boundary="b{level + 1}"\r\n\r\n'.encode()
        )
    body += (
        f"--b{depth}\r\nContent-Type: text/plain\r\n\r\nDeep down: my order is late.\r\n".encode()
    )
    for level in range(depth, -1, -1):
        body += f"--b{level}--\r\n".encode()
    raw = _raw([*BASE, "Subject: deep", 'Content-Type: multipart/mixed; boundary="b0"'], body)
    started = time.monotonic()
    mail = parse_message(raw, settings)
    assert "Deep down: my order is late." in mail.text
    assert time.monotonic() - started < 30  # generous: a hang is the failure, not a speed test


def test_malformed_mime_gives_text(settings: Settings) -> None:
    raw = _raw(
        [*BASE, "Subject: broken", 'Content-Type: multipart/alternative; boundary="zz"'],
        b"--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8g!!!not-base64\r\n--zz\r\nContent-Type: text/html\r\n\r\n<p>Hi</p>",
    )
    mail = parse_message(raw, settings)  # no closing boundary, broken base64
    assert mail.text and "\x00" not in mail.text
    no_boundary = _raw([*BASE, "Subject: b", "Content-Type: multipart/mixed"], b"just text")
    assert parse_message(no_boundary, settings).full_text == "just text"


def test_html_with_scripts_and_remote_images_becomes_plain_text(settings: Settings) -> None:
    html = (
        b"<html><head><style>body{display:none}</style><script>alert('x')</script></head>"
        b'<body onload="steal()"><p>My <b>invoice</b> is wrong.</p>'
        b'<img src="https://tracker.example/pixel.gif?u=1"><iframe src="https://evil"></iframe>'
        b'<a href="javascript:alert(1)">click</a></body></html>'
    )
    raw = _raw([*BASE, "Subject: html", "Content-Type: text/html; charset=utf-8"], html)
    mail = parse_message(raw, settings)
    assert "My invoice is wrong." in mail.text
    for bad in ("alert", "<", "tracker.example", "display:none", "steal", "javascript"):
        assert bad not in mail.full_text


def test_a_20_mb_attachment_is_recorded_not_lost(settings: Settings, tmp_path: Path) -> None:
    data = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    encoded = base64.encodebytes(data)
    body = (b"--m\r\nContent-Type: text/plain\r\n\r\nPhoto of the damage attached.\r\n"
            b"--m\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
            b"Content-Disposition: attachment; filename=\"../../etc/damage.jpg\"\r\n\r\n"
            + encoded + b"\r\n--m--\r\n")  # fmt: skip
    raw = _raw([*BASE, "Subject: photo", 'Content-Type: multipart/mixed; boundary="m"'], body)
    mail = parse_message(raw, settings)
    (attachment,) = mail.attachments
    assert attachment.filename == "damage.jpg" and attachment.content_type == "image/jpeg"
    assert attachment.size == len(data) and attachment.stored is None  # over the 10 MB limit
    bigger = settings.model_copy(update={"attachment_max_bytes": 25_000_000})
    stored = parse_message(raw, bigger).attachments[0].stored
    assert stored and (settings.attachments_dir / stored).read_bytes() == data
    assert "damage" not in stored and ".." not in stored


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03 binary noise \xff\xfe", "headers"),
        (b"Subject: no sender\r\n\r\nhello", "From"),
    ],
)
def test_unusable_messages_are_refused_clearly(settings: Settings, raw: bytes, words: str) -> None:
    with pytest.raises(MailRefused) as raised:
        parse_message(raw, settings)
    assert raised.value.code == "E750" and words in raised.value.message


def test_a_message_over_the_size_limit_is_refused(settings: Settings) -> None:
    small = settings.model_copy(update={"mail_max_bytes": 1000})
    with pytest.raises(MailRefused, match="limit is 1000"):
        parse_message(message("x" * 2000), small)


def test_the_hostile_corpus_end_to_end_stores_each_once(mail_ctx: ActionContext) -> None:
    corpus = [
        _raw([*BASE[:2], "Message-ID: <c1@x>", "Subject: =?utf-8?q?caf=C3=A9?="], b"one"),
        _raw(
            [*BASE[:2], "Message-ID: <c2@x>", "Content-Type: text/html"],
            b"<script>x()</script><p>two</p>",
        ),
        _raw([*BASE[:2], "Subject: no id"], b"three"),
        _raw(
            [*BASE[:2], "Message-ID: <c4@x>", "Content-Type: text/plain; charset=bogus"],
            "vier Grüße".encode(),
        ),
        _raw([*BASE[:2], "Message-ID: <c5@x>"], b"null\x00byte"),
    ]
    for raw in corpus * 2:  # every message delivered twice
        deliver_bytes(mail_ctx, raw)
    with mail_ctx.sessions() as session:
        texts = sorted(t.text for t in session.scalars(select(Turn)))
        assert texts == ["nullbyte", "one", "three", "two", "vier Grüße"]
        assert len(session.scalars(select(EmailMessage)).all()) == 5
        assert len(session.scalars(select(Customer)).all()) >= 1
        assert len(session.scalars(select(Conversation)).all()) == 5
