"""`calmdesk mail fetch` against a real Dovecot: fetch, thread, a fetch killed midway, no
duplicates, a changed UIDVALIDITY, a mailbox that cannot be reached."""

from __future__ import annotations

import imaplib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.channels.conftest import SECRET, mail_settings
from tests.channels.dovecot import Dovecot, dovecot_server
from tests.channels.mailkit import message
from tests.factories import CueAnalyzer, World

from calmdesk.actions import ActionContext
from calmdesk.actions import mail as mail_actions
from calmdesk.channels.email.imap import fetch_all, fetch_mailbox, mailboxes
from calmdesk.domain.errors import ConfigError, MailboxUnavailable
from calmdesk.storage import Conversation, Turn
from calmdesk.storage.intake import EmailMessage, MailboxState


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with dovecot_server() as server:
        yield server


@pytest.fixture
def inbox(dovecot: Dovecot) -> Iterator[imaplib.IMAP4]:
    """The test user's INBOX, emptied before each test; tests append messages to it."""
    client = imaplib.IMAP4(dovecot.host, dovecot.port)
    client.login(dovecot.user, dovecot.password)
    client.select("INBOX")
    client.uid("STORE", "1:*", "+FLAGS", "(\\Deleted)")
    client.expunge()
    yield client
    client.logout()


def _append(inbox: imaplib.IMAP4, raw: bytes) -> None:
    typ, _ = inbox.append("INBOX", None, None, raw)
    assert typ == "OK"


@pytest.fixture
def fetch_ctx(world: World, tmp_path: Path, db_url: str, dovecot: Dovecot) -> ActionContext:
    settings = mail_settings(tmp_path, db_url, mailboxes=[dovecot.box(team="Billing")])
    return ActionContext(world.ctx.sessions, settings, analyzer=CueAnalyzer(),
                         clock=world.ctx.clock)  # fmt: skip


def _count(ctx: ActionContext, model: type) -> int:
    with ctx.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_fetch_stores_new_mail_threads_replies_and_skips_what_it_has(
    fetch_ctx: ActionContext, inbox: imaplib.IMAP4, world: World
) -> None:
    _append(inbox, message())
    _append(inbox, message("Any news?", message_id="<m2@example.com>",
                           headers="In-Reply-To: <m1@example.com>\n"))  # fmt: skip
    _append(inbox, message("On vacation", message_id="<ooo@x>",
                           headers="Auto-Submitted: auto-replied\n"))  # fmt: skip
    (report,) = fetch_all(fetch_ctx)
    assert (report.fetched, report.stored, report.ignored, report.errors) == (3, 2, 1, [])
    with fetch_ctx.sessions() as session:
        (conv,) = session.scalars(select(Conversation)).unique().all()
        assert conv.team_id == world.other_team.id  # the mailbox's team
        assert len(session.scalars(select(Turn)).all()) == 2
    again = fetch_all(fetch_ctx)[0]
    assert again.fetched == 0  # the last UID is remembered
    _append(
        inbox,
        message(
            "Third",
            message_id="<m3@example.com>",
            headers="References: <m1@example.com> <m2@example.com>\n",
        ),
    )
    third = fetch_all(fetch_ctx)[0]
    assert (third.fetched, third.stored) == (1, 1)
    assert _count(fetch_ctx, Conversation) == 1 and _count(fetch_ctx, Turn) == 3
    inbox.noop()  # see the flags the fetch set from its own session
    typ, data = inbox.uid("SEARCH", None, "SEEN")
    assert len(data[0].split()) == 3  # stored messages are marked seen; the auto-reply is not


def test_a_fetch_that_dies_midway_stores_nothing_twice_when_run_again(
    fetch_ctx: ActionContext, inbox: imaplib.IMAP4, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(6):
        _append(inbox, message(f"Message {n}", message_id=f"<k{n}@example.com>"))
    saved: list[int] = []
    real = mail_actions.save_mailbox_position

    def dies_after_three(ctx: ActionContext, key: str, validity: int, uid: int) -> None:
        if len(saved) == 3:  # the 4th message is stored, then the process "dies"
            raise KeyboardInterrupt
        saved.append(uid)
        real(ctx, key, validity, uid)

    monkeypatch.setattr("calmdesk.channels.email.imap.save_mailbox_position", dies_after_three)
    (box,) = mailboxes(fetch_ctx.settings.mailboxes)
    with pytest.raises(KeyboardInterrupt):
        fetch_mailbox(fetch_ctx, box)
    assert _count(fetch_ctx, Turn) == 4
    monkeypatch.setattr("calmdesk.channels.email.imap.save_mailbox_position", real)
    report = fetch_mailbox(fetch_ctx, box)
    assert (report.fetched, report.stored, report.duplicates) == (3, 2, 1)
    assert _count(fetch_ctx, Turn) == 6 and _count(fetch_ctx, EmailMessage) == 6


def test_a_changed_uidvalidity_refetches_without_duplicates(
    fetch_ctx: ActionContext, inbox: imaplib.IMAP4
) -> None:
    _append(inbox, message())
    fetch_all(fetch_ctx)
    with fetch_ctx.sessions.begin() as session:
        state = session.scalars(select(MailboxState)).one()
        state.uidvalidity += 1  # as if the server rebuilt the folder
    report = fetch_all(fetch_ctx)[0]
    assert (report.fetched, report.duplicates, report.stored) == (1, 1, 0)
    assert _count(fetch_ctx, Turn) == 1


def test_an_unreachable_mailbox_is_a_clear_error(
    fetch_ctx: ActionContext, dovecot: Dovecot
) -> None:
    wrong = mailboxes([dovecot.box(password="wrong")])[0]
    with pytest.raises(MailboxUnavailable, match="orders@127.0.0.1"):
        fetch_mailbox(fetch_ctx, wrong)
    closed = mailboxes([dovecot.box(port=1)])[0]
    with pytest.raises(MailboxUnavailable):
        fetch_mailbox(fetch_ctx, closed)
    with pytest.raises(ConfigError, match="entry 1"):
        mailboxes([{"host": "x"}])
    with pytest.raises(ConfigError, match="tls"):
        mailboxes([{"host": "x", "user": "u", "tls": "maybe"}])


@pytest.mark.slow
def test_mail_fetch_command_killed_with_sigkill_and_run_again(
    world: World, tmp_path: Path, db_url: str, dovecot: Dovecot, inbox: imaplib.IMAP4
) -> None:
    total = 30
    for n in range(total):
        _append(inbox, message(f"Parcel {n} is late.", message_id=f"<s{n}@example.com>"))
    env = {**os.environ, "CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": SECRET,
           "CALMDESK_ATTACHMENTS_DIR": str(tmp_path / "files"),
           "CALMDESK_MAILBOXES": json.dumps([dovecot.box()])}  # fmt: skip
    command = [sys.executable, "-m", "calmdesk.cli", "mail", "fetch"]
    victim = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    ctx = ActionContext(world.ctx.sessions, mail_settings(tmp_path, db_url))
    while time.monotonic() < deadline and _count(ctx, EmailMessage) < 3:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    stored_before = _count(ctx, EmailMessage)
    assert 0 < stored_before < total, "the kill should land midway"
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert line["errors"] == []
    assert _count(ctx, EmailMessage) == total and _count(ctx, Turn) == total
    with ctx.sessions() as session:
        keys = session.scalars(select(EmailMessage.message_key)).all()
        assert len(set(keys)) == total
