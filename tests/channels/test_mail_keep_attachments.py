"""`CALMDESK_MAIL_KEEP_ATTACHMENTS=text`: attachments calmdesk cannot redact are not kept at all.

Images and PDFs may show a card; calmdesk cannot read them, so a team that must not keep payment
data can choose to keep only text: the attachment is still listed (name, type, size, digest) but
its bytes are neither in the attachment store nor in the raw message."""

from __future__ import annotations

import base64
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.channels.conftest import mail_settings
from tests.channels.mailkit import with_attachments
from tests.factories import CueAnalyzer, World

from calmdesk.actions import ActionContext
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.storage.intake import EmailMessage

SCAN = b"%PDF-1.4 card 4242 4242 4242 4242 scanned" + bytes(range(200))


def _mail() -> bytes:
    files = [("notes.txt", "text/plain", b"Order 1042, resent."),
             ("statement.pdf", "application/pdf", SCAN)]  # fmt: skip
    return with_attachments("My statement attached.", files)


def _ctx(world: World, tmp_path: Path, db_url: str, keep: str) -> ActionContext:
    settings = mail_settings(tmp_path, db_url, mail_keep_attachments=keep)
    return ActionContext(
        world.ctx.sessions, settings, analyzer=CueAnalyzer(), clock=world.ctx.clock
    )


def _kept_bytes(ctx: ActionContext) -> bytes:
    root = Path(ctx.settings.attachments_dir)
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


@pytest.mark.parametrize("keep", ["all", "text"])
def test_only_text_attachments_are_kept_when_the_setting_says_text(
    world: World, tmp_path: Path, db_url: str, keep: str
) -> None:
    ctx = _ctx(world, tmp_path, db_url, keep)
    deliver_bytes(ctx, _mail())
    with ctx.sessions() as session:
        row = session.scalars(select(EmailMessage)).one()
    listed = {a["filename"]: a for a in row.attachments}
    assert set(listed) == {"notes.txt", "statement.pdf"}  # both are listed either way
    assert listed["statement.pdf"]["size"] == len(SCAN)
    assert listed["notes.txt"]["stored"] is not None
    kept = _kept_bytes(ctx)
    assert b"Order 1042, resent." in kept or base64.b64encode(b"Order 1042") in kept
    scan_b64 = base64.b64encode(SCAN)[:40]
    if keep == "all":
        assert listed["statement.pdf"]["stored"] is not None and SCAN in kept
    else:
        assert listed["statement.pdf"]["stored"] is None
        assert SCAN not in kept and scan_b64 not in kept
        assert row.raw_file is not None
        raw = (Path(ctx.settings.attachments_dir) / row.raw_file).read_bytes()
        parts = [
            p.get_payload(decode=True)
            for p in message_from_bytes(raw).walk()
            if not p.is_multipart()
        ]
        assert b"[attachment not kept: application/pdf, statement.pdf]" in parts
        assert b"My statement attached." in parts
