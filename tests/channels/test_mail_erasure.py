"""Erasure and retention reach e-mail too: the stored message, its raw file and its attachments.

Finding: erasing a customer or applying retention blanked turns and notes but left the received
e-mail (subject, body, sender) in `email_messages`, the kept raw message and the attachment files
on disk, and the sender's address in the append-only audit. Now they are removed with the rest;
an attachment another message still names (the same file by content) stays until that one goes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.channels.mailkit import message, with_attachments
from tests.factories import ADMIN, FixedClock, World

from calmdesk.actions import ActionContext, Actor, send_agent_reply
from calmdesk.actions.mail import queue_outbound
from calmdesk.actions.privacy import apply_retention, erase_customer, set_team_policy
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.domain.errors import MailIgnored
from calmdesk.storage import AuditEntry, Conversation, Customer
from calmdesk.storage.intake import EmailMessage

LOGO = bytes(range(256)) * 4  # the same image in both customers' signatures


def _with_logo(body: str, sender: str, message_id: str, subject: str) -> bytes:
    logo = [("logo.png", "image/png", LOGO)]
    return with_attachments(body, logo, sender=sender, message_id=message_id, subject=subject)


def _files(ctx: ActionContext) -> set[str]:
    root = Path(ctx.settings.attachments_dir)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _rows(ctx: ActionContext) -> dict[str, EmailMessage]:
    with ctx.sessions() as session:
        return {r.message_id: r for r in session.scalars(select(EmailMessage))}


def _customer_of(ctx: ActionContext, conversation_id: int | None) -> int:
    with ctx.sessions() as session:
        conv = session.get(Conversation, conversation_id)
        assert conv is not None
        return conv.customer_id


def test_erasing_a_customer_removes_their_mail_raw_files_and_attachments(
    mail_ctx: ActionContext, world: World
) -> None:
    dana = deliver_bytes(mail_ctx, _with_logo(
        "My parcel never came. Dana Quill, 12 Hope Street.", "Dana Quill <dana@example.com>",
        "<d1@example.com>", "Dana Quill: parcel missing"))  # fmt: skip
    eli_mail = _with_logo("Where?", "Eli Stone <eli@example.com>", "<e1@example.com>", "Refund")
    eli = deliver_bytes(mail_ctx, eli_mail)
    auto = message("I am away until Monday. Dana Quill", sender="Dana Quill <dana@example.com>",
                   message_id="<d2@example.com>", subject="Out of office: Dana Quill",
                   headers="Auto-Submitted: auto-replied\n")  # fmt: skip
    with pytest.raises(MailIgnored):  # automatic mail: kept, never answered, no case
        deliver_bytes(mail_ctx, auto)
    rows = _rows(mail_ctx)
    assert rows["<d2@example.com>"].conversation_id is None  # kept without a case
    logo = {a["stored"] for a in rows["<d1@example.com>"].attachments}
    assert logo == {a["stored"] for a in rows["<e1@example.com>"].attachments}
    raw_dana = {rows["<d1@example.com>"].raw_file, rows["<d2@example.com>"].raw_file}
    assert None not in raw_dana and raw_dana <= _files(mail_ctx)

    dana_id = _customer_of(mail_ctx, dana.conversation_id)
    erase_customer(mail_ctx, world.actor(world.supervisor), dana_id, "asked by e-mail")

    rows = _rows(mail_ctx)
    for key in ("<d1@example.com>", "<d2@example.com>"):
        row = rows[key]
        assert (row.subject, row.body, row.from_addr, row.attachments, row.raw_file) == (
            "", "[removed]", "", [], None,
        )  # fmt: skip
    files = _files(mail_ctx)
    assert not raw_dana & files  # Dana's raw messages are gone from disk
    assert logo <= files  # Eli's message still names the shared logo
    for path in files:
        assert b"Dana" not in (Path(mail_ctx.settings.attachments_dir) / path).read_bytes()
    with mail_ctx.sessions() as session:
        audit = [str(e.before) + str(e.after) for e in session.scalars(select(AuditEntry))]
    assert not any("dana@example.com" in a or "Dana Quill" in a for a in audit)

    eli_id = _customer_of(mail_ctx, eli.conversation_id)
    erase_customer(mail_ctx, world.actor(world.supervisor), eli_id, "asked")
    assert not logo & _files(mail_ctx)  # nobody names it any more
    assert rows["<e1@example.com>"].raw_file not in _files(mail_ctx)


def test_retention_deletes_the_mail_files_of_the_conversations_it_deletes(
    mail_ctx: ActionContext, world: World
) -> None:
    got = deliver_bytes(mail_ctx, _with_logo(
        "Old message.", "Dana Quill <dana@example.com>", "<d1@example.com>", "Old"))  # fmt: skip
    assert _files(mail_ctx)
    set_team_policy(world.ctx, ADMIN, world.team.id, retention_days=7, retention_mode="delete")
    assert isinstance(world.ctx.clock, FixedClock)
    world.ctx.clock.now += timedelta(days=8)
    assert apply_retention(mail_ctx, Actor.system("retention")).deleted == 1
    assert _files(mail_ctx) == set()
    with mail_ctx.sessions() as session:
        assert session.get(Conversation, got.conversation_id) is None
        assert session.scalars(select(EmailMessage)).all() == []
        assert session.scalars(select(Customer).where(Customer.email == "dana@example.com")).one()


def test_retention_anonymising_blanks_the_mail_and_removes_its_files(
    mail_ctx: ActionContext, world: World
) -> None:
    deliver_bytes(mail_ctx, _with_logo(
        "Old message.", "Dana Quill <dana@example.com>", "<d1@example.com>", "Old"))  # fmt: skip
    set_team_policy(world.ctx, ADMIN, world.team.id, retention_days=7)
    assert isinstance(world.ctx.clock, FixedClock)
    world.ctx.clock.now += timedelta(days=8)
    assert apply_retention(mail_ctx, Actor.system("retention")).anonymised == 1
    row = _rows(mail_ctx)["<d1@example.com>"]
    assert (row.body, row.subject, row.attachments, row.raw_file) == ("[removed]", "", [], None)
    assert _files(mail_ctx) == set()


def test_erasure_stops_a_reply_still_waiting_to_be_sent(
    mail_ctx: ActionContext, world: World
) -> None:
    got = deliver_bytes(mail_ctx, message())
    send_agent_reply(mail_ctx, world.actor(world.agent), got.conversation_id, "On its way.")
    assert queue_outbound(mail_ctx) == 1
    who = _customer_of(mail_ctx, got.conversation_id)
    erase_customer(mail_ctx, world.actor(world.supervisor), who, "asked")
    with mail_ctx.sessions() as session:
        out = session.scalars(select(EmailMessage).where(EmailMessage.direction == "out")).one()
    assert (out.status, out.body, out.to_addr) == ("failed", "[removed]", "")
    assert "before it was sent" in out.last_error
