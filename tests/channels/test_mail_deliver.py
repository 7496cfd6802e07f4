"""Inbound mail: threading, customers by address, once by Message-ID, automatic mail, loops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.channels.conftest import mail_settings
from tests.channels.mailkit import message
from tests.factories import ADMIN, World
from typer.testing import CliRunner

from calmdesk.actions import ActionContext, block_customer, create_customer, resolve_conversation
from calmdesk.actions.mail import reply_token
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.cli import app
from calmdesk.domain.errors import MailIgnored, MailLoop, SenderBlocked
from calmdesk.storage import Channel, Conversation, ConversationStatus, Customer, Turn
from calmdesk.storage.intake import EmailMessage, TurnChannel


def _count(ctx: ActionContext, model: type) -> int:
    with ctx.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_new_message_opens_an_email_case_for_a_new_customer(
    mail_ctx: ActionContext, world: World
) -> None:
    got = deliver_bytes(mail_ctx, message())
    assert got.created
    with mail_ctx.sessions() as session:
        conv = session.get(Conversation, got.conversation_id)
        assert conv.channel is Channel.EMAIL and conv.subject == "Where is my parcel?"
        assert conv.team_id == world.team.id and conv.assignee_id is None
        customer = session.get(Customer, conv.customer_id)
        assert (customer.name, customer.email) == ("Dana Buyer", "dana@example.com")
        turn = session.get(Turn, got.turn_id)
        assert turn.text == "Hello, my parcel 1042 is late again." and turn.signals  # analysed
        assert session.get(TurnChannel, turn.id).channel == "email"
        assert conv.cause == "delivery_delay"


def test_the_same_message_twice_is_stored_once(mail_ctx: ActionContext) -> None:
    first = deliver_bytes(mail_ctx, message())
    again = deliver_bytes(mail_ctx, message())
    assert not again.created
    assert (again.conversation_id, again.turn_id) == (first.conversation_id, first.turn_id)
    assert _count(mail_ctx, Turn) == 1 and _count(mail_ctx, EmailMessage) == 1


def test_a_message_without_message_id_is_stored_once_by_its_bytes(
    mail_ctx: ActionContext,
) -> None:
    raw = message(message_id=None)
    first, again = deliver_bytes(mail_ctx, raw), deliver_bytes(mail_ctx, raw)
    assert first.created and not again.created and first.turn_id == again.turn_id
    with mail_ctx.sessions() as session:
        row = session.scalars(select(EmailMessage)).one()
        assert row.message_key.startswith("sha256:") and row.message_id == ""


def test_a_known_address_joins_the_existing_customer(mail_ctx: ActionContext, world: World) -> None:
    known = create_customer(world.ctx, ADMIN, name="Dana B.", email="dana@example.com")
    got = deliver_bytes(mail_ctx, message(sender="DANA <dana@EXAMPLE.com>"))
    with mail_ctx.sessions() as session:
        assert session.get(Conversation, got.conversation_id).customer_id == known.id


def test_replies_thread_by_in_reply_to_references_and_reply_token(
    mail_ctx: ActionContext,
) -> None:
    first = deliver_bytes(mail_ctx, message())
    by_reply = deliver_bytes(mail_ctx, message(
        "Any news?\n\nOn Mon, 2 Mar 2026 Dana <dana@example.com> wrote:\n> Hello\n",
        message_id="<m2@example.com>", headers="In-Reply-To: <m1@example.com>\n"))  # fmt: skip
    by_refs = deliver_bytes(mail_ctx, message(
        "Still waiting.", message_id="<m3@example.com>",
        headers="References: <unknown@x> <m2@example.com>\n"))  # fmt: skip
    token = reply_token(mail_ctx, first.conversation_id)
    by_token = deliver_bytes(
        mail_ctx,
        message(
            "From my phone.", message_id="<m4@example.com>", subject=f"Re: parcel [#CD-{token}]"
        ),
    )
    forged = deliver_bytes(mail_ctx, message(
        "Hi", message_id="<m5@example.com>",
        subject=f"Re: [#CD-{first.conversation_id}-0000000000]"))  # fmt: skip
    same = {by_reply.conversation_id, by_refs.conversation_id, by_token.conversation_id}
    assert same == {first.conversation_id}
    assert forged.conversation_id != first.conversation_id
    with mail_ctx.sessions() as session:
        texts = [
            t.text
            for t in session.scalars(
                select(Turn).where(Turn.conversation_id == first.conversation_id).order_by(Turn.seq)
            )
        ]
    assert texts[1] == "Any news?"  # quoted history stripped


def test_a_reply_to_a_closed_case_opens_a_new_one(mail_ctx: ActionContext, world: World) -> None:
    first = deliver_bytes(mail_ctx, message())
    with mail_ctx.sessions.begin() as session:
        session.get(Conversation, first.conversation_id).status = ConversationStatus.CLOSED
    reply = deliver_bytes(mail_ctx, message("Hello again", message_id="<m9@example.com>",
                                            headers="In-Reply-To: <m1@example.com>\n"))  # fmt: skip
    assert reply.conversation_id != first.conversation_id


def test_a_reply_to_a_resolved_case_reopens_it(mail_ctx: ActionContext, world: World) -> None:
    first = deliver_bytes(mail_ctx, message())
    resolve_conversation(world.ctx, ADMIN, first.conversation_id, "Parcel found.")
    reply = deliver_bytes(mail_ctx, message("It broke", message_id="<m8@example.com>",
                                            headers="In-Reply-To: <m1@example.com>\n"))  # fmt: skip
    with mail_ctx.sessions() as session:
        conv = session.get(Conversation, reply.conversation_id)
        assert conv.id == first.conversation_id and conv.status is ConversationStatus.OPEN


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: auto-replied\n",
        "X-Autoreply: yes\n",
        "Precedence: bulk\n",
        "Precedence: junk\n",
        "Precedence: list\n",
        "Return-Path: <>\n",
    ],
)
def test_automatic_mail_opens_nothing_and_is_kept(mail_ctx: ActionContext, headers: str) -> None:
    with pytest.raises(MailIgnored) as raised:
        deliver_bytes(mail_ctx, message("I am out of office.", headers=headers))
    assert raised.value.code == "E751"
    assert _count(mail_ctx, Conversation) == 0 and _count(mail_ctx, Turn) == 0
    with mail_ctx.sessions() as session:
        row = session.scalars(select(EmailMessage)).one()
        assert row.status == "ignored" and row.reason


def test_a_delivery_status_notification_opens_nothing(mail_ctx: ActionContext) -> None:
    dsn = (
        "--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n"
        "\r\nFinal-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b--\r\n"
    )
    raw = message(
        dsn,
        sender="Mail Delivery System <MAILER-DAEMON@mx.example>",
        content_type='multipart/report; report-type=delivery-status; boundary="b"',
    )
    with pytest.raises(MailIgnored):
        deliver_bytes(mail_ctx, raw)
    assert _count(mail_ctx, Conversation) == 0


def test_an_auto_reply_on_a_thread_adds_nothing_to_it(mail_ctx: ActionContext) -> None:
    first = deliver_bytes(mail_ctx, message())
    with pytest.raises(MailIgnored):
        deliver_bytes(
            mail_ctx,
            message(
                "Out of office until Monday.",
                message_id="<ooo@x>",
                headers="In-Reply-To: <m1@example.com>\nAuto-Submitted: auto-replied\n",
            ),
        )
    with mail_ctx.sessions() as session:
        assert session.scalars(select(func.count()).select_from(Turn)).one() == 1
        ignored = session.scalars(select(EmailMessage).where(EmailMessage.status == "ignored"))
        assert ignored.one().conversation_id == first.conversation_id


def test_our_own_mail_coming_back_is_a_loop(mail_ctx: ActionContext) -> None:
    with pytest.raises(MailLoop):
        deliver_bytes(mail_ctx, message("Re: your parcel", sender="Orders <orders@calm.test>",
                                        message_id="<l1@x>"))  # fmt: skip
    with pytest.raises(MailLoop):
        deliver_bytes(
            mail_ctx,
            message("Hello", message_id="<l2@x>", headers="X-Calmdesk-Loop: 0123456789abcdef\n"),
        )
    assert _count(mail_ctx, Conversation) == 0


def test_a_blocked_sender_is_refused(mail_ctx: ActionContext, world: World) -> None:
    first = deliver_bytes(mail_ctx, message())
    with mail_ctx.sessions() as session:
        customer_id = session.get(Conversation, first.conversation_id).customer_id
    block_customer(world.ctx, ADMIN, customer_id, "Threats.")
    with pytest.raises(SenderBlocked):
        deliver_bytes(mail_ctx, message("New case", message_id="<b2@x>"))
    with pytest.raises(SenderBlocked):
        deliver_bytes(
            mail_ctx,
            message("Reply", message_id="<b3@x>", headers="In-Reply-To: <m1@example.com>\n"),
        )
    assert _count(mail_ctx, Turn) == 1 and _count(mail_ctx, Conversation) == 1


# --- the command ---------------------------------------------------------------------------


def _env(tmp_path: Path, db_url: str) -> dict[str, str]:
    settings = mail_settings(tmp_path, db_url)
    return {"CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": settings.secret_key,
            "CALMDESK_ATTACHMENTS_DIR": str(settings.attachments_dir),
            "CALMDESK_MAIL_FROM": settings.mail_from}  # fmt: skip


@pytest.mark.slow
def test_mail_deliver_command_prints_one_json_line(
    world: World, tmp_path: Path, db_url: str
) -> None:
    runner = CliRunner()
    env = _env(tmp_path, db_url)
    done = runner.invoke(app, ["mail", "deliver"], input=message(), env=env)
    assert done.exit_code == 0, done.output
    line = json.loads(done.stdout.strip())
    assert set(line) == {"conversation_id", "turn_id", "created"} and line["created"] is True
    again = runner.invoke(app, ["mail", "deliver"], input=message(), env=env)
    assert json.loads(again.stdout.strip()) == {**line, "created": False}
    refused = runner.invoke(
        app,
        ["mail", "deliver"],
        input=message("Away", message_id="<a@x>", headers="Auto-Submitted: auto-replied\n"),
        env=env,
    )
    assert refused.exit_code == 2 and refused.stderr.startswith("E751: ")
    empty = runner.invoke(app, ["mail", "deliver"], input=b"", env=env)
    assert empty.exit_code == 2 and "E750" in empty.stderr and "Traceback" not in empty.output


def test_fetch_and_send_pending_say_what_to_configure(
    world: World, tmp_path: Path, db_url: str
) -> None:
    runner = CliRunner()
    env = _env(tmp_path, db_url) | {"CALMDESK_MAILBOXES": "[]", "CALMDESK_SMTP_URL": ""}
    fetch = runner.invoke(app, ["mail", "fetch"], env=env)
    assert fetch.exit_code == 2 and fetch.stderr.startswith("E501: ")
    assert "CALMDESK_MAILBOXES" in fetch.stderr
    send = runner.invoke(app, ["mail", "send-pending"], env=env)
    assert send.exit_code == 2 and "CALMDESK_SMTP_URL" in send.stderr
    bad = runner.invoke(app, ["mail", "fetch"], env=env | {"CALMDESK_MAILBOXES": '[{"x": 1}]'})
    assert bad.exit_code == 2 and "entry 1" in bad.stderr and "Traceback" not in bad.output
