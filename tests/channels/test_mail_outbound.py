"""Outbound mail through a real SMTP server in the test process (aiosmtpd): headers, threading,
retries with backoff, "not delivered", and the console showing channels and delivery."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels.conftest import SECRET, mail_settings
from tests.channels.mailkit import message
from tests.factories import ADMIN, CueAnalyzer, World
from tests.web.console_support import login, parse
from typer.testing import CliRunner

from calmdesk.actions import (
    ActionContext,
    Actor,
    add_customer_turn,
    complete_commitment,
    escalate,
    fire_due_timers,
    resolve_conversation,
    send_agent_reply,
)
from calmdesk.actions.mail import claim_due, queue_outbound
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.channels.email.smtp import parse_smtp_url, send_pending
from calmdesk.cli import app as cli_app
from calmdesk.domain.errors import ConfigError, MailLoop
from calmdesk.storage import Conversation, Turn
from calmdesk.storage.intake import EmailMessage
from calmdesk.web import create_app
from calmdesk.web.turn_feed import drain_turn_feed


@dataclass
class Relay:
    """Collects what it receives; `refuse` makes it answer DATA with that SMTP reply."""

    received: list[Message] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    refuse: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse
        with self.lock:
            self.envelopes.append(envelope)
            self.received.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    handler = Relay()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_ctx(world: World, tmp_path: Path, db_url: str, relay: tuple[Relay, int]) -> ActionContext:
    settings = mail_settings(
        tmp_path, db_url, smtp_url=f"smtp://127.0.0.1:{relay[1]}", smtp_max_attempts=3,
        mail_from_teams={"Orders": "Orders desk <orders-desk@calm.test>"},
    )  # fmt: skip
    return ActionContext(world.ctx.sessions, settings, analyzer=CueAnalyzer(),
                         clock=world.ctx.clock)  # fmt: skip


def _inbound(ctx: ActionContext) -> int:
    raw = message(headers="References: <earlier@example.com>\n")
    return deliver_bytes(ctx, raw).conversation_id


def test_an_agent_reply_goes_out_threaded_and_the_answer_threads_back(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    handler, _ = relay
    conv_id = _inbound(smtp_ctx)
    send_agent_reply(
        smtp_ctx,
        world.actor(world.agent),
        conv_id,
        "I'm sorry about the delay. I will send the tracking number today.",
    )
    report = send_pending(smtp_ctx)
    assert report.as_dict() == {"queued": 1, "sent": 1, "retrying": 0, "failed": 0}
    (sent,) = handler.received
    assert sent["From"] == "Orders desk <orders-desk@calm.test>"
    assert sent["To"] == "dana@example.com"
    assert sent["In-Reply-To"] == "<m1@example.com>"
    assert sent["References"].split() == ["<earlier@example.com>", "<m1@example.com>"]
    assert sent["Message-ID"].endswith("@calm.test>") and sent["X-Calmdesk-Loop"]
    assert sent["Subject"].startswith("Re: Where is my parcel? [#CD-")
    assert "tracking number" in sent.get_payload()
    assert handler.envelopes[0].rcpt_tos == ["dana@example.com"]
    assert send_pending(smtp_ctx).sent == 0  # sent once
    # the customer answers that mail: it threads by In-Reply-To
    answer = message("Thanks, got it.", message_id="<m2@example.com>",
                     headers=f"In-Reply-To: {sent['Message-ID']}\n")  # fmt: skip
    assert deliver_bytes(smtp_ctx, answer).conversation_id == conv_id
    # our own message coming back (a copy delivered to the mailbox) is a loop
    with pytest.raises(MailLoop):
        deliver_bytes(smtp_ctx, sent.as_bytes())


def test_replies_on_chat_cases_and_history_before_the_first_mail_are_never_sent(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    chat = world.open(world.calm_customer, channel="chat")
    send_agent_reply(smtp_ctx, world.actor(world.agent), chat.id, "Hello from chat.")
    assert queue_outbound(smtp_ctx) == 0 and relay[0].received == []


def test_a_refusing_relay_is_retried_then_the_turn_is_marked_not_delivered(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    handler, _ = relay
    handler.refuse = "554 5.7.1 Relaying denied"
    conv_id = _inbound(smtp_ctx)
    posted = send_agent_reply(smtp_ctx, world.actor(world.agent), conv_id, "We are on it.")
    statuses = [send_pending(smtp_ctx, ignore_backoff=True).as_dict() for _ in range(3)]
    assert [s["retrying"] for s in statuses] == [1, 1, 0] and statuses[-1]["failed"] == 1
    with smtp_ctx.sessions() as session:
        row = session.scalars(
            select(EmailMessage).where(EmailMessage.turn_id == posted.turn.id)
        ).one()
        assert row.status == "failed" and row.attempts == 3
        assert row.reason == "not delivered: the relay answered 554 5.7.1 Relaying denied"
    assert send_pending(smtp_ctx, ignore_backoff=True).as_dict()["failed"] == 0  # no more tries


def test_a_relay_that_is_down_backs_off_between_attempts(
    smtp_ctx: ActionContext, world: World
) -> None:
    down = smtp_ctx.settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{_free_port()}", "smtp_retry_base_s": 60.0}
    )
    ctx = ActionContext(smtp_ctx.sessions, down, analyzer=CueAnalyzer(), clock=smtp_ctx.clock)
    conv_id = _inbound(ctx)
    send_agent_reply(ctx, world.actor(world.agent), conv_id, "We are on it.")
    first = send_pending(ctx)
    assert first.retrying == 1
    assert claim_due(ctx) == []  # backing off: 60 s after the first failure
    clock = world.ctx.clock
    clock.now += timedelta(seconds=61)  # type: ignore[attr-defined]
    assert send_pending(ctx).retrying == 1
    clock.now += timedelta(seconds=121)  # type: ignore[attr-defined]
    last = send_pending(ctx)
    assert last.failed == 1
    with ctx.sessions() as session:
        row = session.scalars(select(EmailMessage).where(EmailMessage.direction == "out")).one()
        assert row.reason.startswith("not delivered: the relay is unreachable")


def test_escalation_notice_promise_kept_and_follow_up_go_out_by_email(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    handler, _ = relay
    conv_id = _inbound(smtp_ctx)
    agent = world.actor(world.agent)
    reply = send_agent_reply(
        smtp_ctx, agent, conv_id, "I'm sorry. I will send you the tracking number by tomorrow 5pm."
    )
    send_agent_reply(smtp_ctx, agent, conv_id, "I am handing this to my supervisor now.")  # P14
    escalate(smtp_ctx, agent, conv_id, "Customer asked for a manager.")
    complete_commitment(smtp_ctx, agent, reply.commitments[0].id, customer_told=True)  # A2
    resolve_conversation(smtp_ctx, ADMIN, conv_id, "Tracking sent.")
    clock = world.ctx.clock
    clock.now += timedelta(days=30)  # type: ignore[attr-defined]
    fire_due_timers(smtp_ctx)  # the A3 follow-up comes due
    report = send_pending(smtp_ctx)
    assert report.sent == 4
    kinds = sorted(
        m["Subject"] is not None and m.get_payload().split("\n")[0] for m in handler.received
    )
    assert any("handing this to my supervisor" in k for k in kinds)
    assert any(k.startswith("Good news") for k in kinds)
    assert any(k.startswith("We are checking in") for k in kinds)
    assert all(m["In-Reply-To"] == "<m1@example.com>" for m in handler.received)


def test_bad_smtp_urls_are_config_errors() -> None:
    for bad in (None, "http://x", "smtp://", "smtp://host:notaport"):
        with pytest.raises(ConfigError):
            parse_smtp_url(bad)
    target = parse_smtp_url("smtps://u%40x:p%3Ass@mail.example.com")
    assert (target.host, target.port, target.implicit_tls) == ("mail.example.com", 465, True)
    assert (target.user, target.password) == ("u@x", "p:ss")
    assert parse_smtp_url("smtp://mail.example.com").port == 587


def test_send_pending_command(
    world: World, tmp_path: Path, db_url: str, relay: tuple[Relay, int], smtp_ctx: ActionContext
) -> None:
    conv_id = _inbound(smtp_ctx)
    send_agent_reply(smtp_ctx, world.actor(world.agent), conv_id, "On its way.")
    env = {"CALMDESK_DATABASE_URL": db_url, "CALMDESK_SECRET_KEY": SECRET,
           "CALMDESK_SMTP_URL": f"smtp://127.0.0.1:{relay[1]}",
           "CALMDESK_MAIL_FROM": "Orders <orders@calm.test>"}  # fmt: skip
    done = CliRunner().invoke(cli_app, ["mail", "send-pending"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"queued": 1, "sent": 1, "retrying": 0, "failed": 0}
    assert len(relay[0].received) == 1


def test_the_console_shows_channels_attachments_and_not_delivered(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int], db_url: str, tmp_path: Path
) -> None:
    relay[0].refuse = "550 5.1.1 Mailbox unknown"
    raw = (b"From: Dana <dana@example.com>\r\nTo: orders@calm.test\r\nMessage-ID: <att@x>\r\n"
           b"Subject: photo\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n"
           b"--m\r\nContent-Type: text/plain\r\n\r\n<b>My</b> parcel is broken.\r\n--m\r\n"
           b"Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"<x>.png\"\r\n"
           b"\r\nPNGDATA\r\n--m--\r\n")  # fmt: skip
    delivered = deliver_bytes(smtp_ctx, raw)
    conv_id = delivered.conversation_id
    posted = send_agent_reply(smtp_ctx, world.actor(world.agent), conv_id, "Sorry to hear that.")
    with smtp_ctx.sessions() as session:
        customer_id = session.get(Conversation, conv_id).customer_id
    in_chat = add_customer_turn(
        smtp_ctx, Actor.for_customer(customer_id), conv_id, "Writing in the chat now."
    )  # the case continues elsewhere
    for _ in range(3):
        send_pending(smtp_ctx, ignore_backoff=True)
    web = create_app(smtp_ctx.settings, analyzer=CueAnalyzer())
    try:
        with TestClient(web) as client:
            login(client, "cal")
            page = parse(client.get(f"/console/conversations/{conv_id}").text)
            turns = page.find_all("li", class_="turn")
            customer = page.by_id(f"turn-{delivered.turn_id}")
            chat = page.by_id(f"turn-{in_chat.turn.id}")
            assert chat.find("span", class_="chip--channel").text == "chat"
            assert len(turns) == 3
            reply = page.by_id(f"turn-{posted.turn.id}")
            assert customer.find("span", class_="chip--channel").text == "email"
            assert "<x>.png" in customer.find("ul", class_="turn__attachments").text
            assert customer.find("p", class_="turn__text").text.startswith("<b>My</b>")
            delivery = reply.find("span", class_="turn__delivery").text
            assert delivery == "not delivered: the relay answered 550 5.1.1 Mailbox unknown"
        with TestClient(web) as supervisor:
            login(supervisor, "sam")
            board = parse(supervisor.get("/console/supervisor").text)
            assert "Mailbox unknown" in board.by_id("undelivered").text
    finally:
        drain_turn_feed()
        web.state.engine.dispose()
    with smtp_ctx.sessions() as session:
        assert session.get(Turn, posted.turn.id) is not None


def test_the_verification_link_of_a_web_visitor_is_mailed(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    from calmdesk.actions.intake import open_public_conversation, request_email_verification

    opened = open_public_conversation(smtp_ctx, name="Vera", text="Hi", email="vera@example.com")
    link = "https://support.example.com/public/verify/abc"
    assert request_email_verification(smtp_ctx, opened.conversation.id, "vera@example.com", link)
    assert not request_email_verification(smtp_ctx, opened.conversation.id, "vera@example.com",
                                          link)  # fmt: skip
    assert send_pending(smtp_ctx).sent == 1
    (sent,) = relay[0].received
    assert sent["To"] == "vera@example.com" and sent["From"] == "Orders team <orders@calm.test>"
    assert link in sent.get_payload()


def test_the_worker_mail_round_sends_and_a_newer_worker_start_ends_the_old_chain(
    smtp_ctx: ActionContext,
    world: World,
    relay: tuple[Relay, int],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    from huey import SqliteHuey

    from calmdesk.channels.email.jobs import mail_worker_setup

    setups: list[Any] = []
    request.addfinalizer(lambda: [setup.close() for setup in setups])  # their engines

    def worker_start() -> SqliteHuey:  # one queue file, as `calmdesk worker` restarted
        huey = SqliteHuey("calmdesk", filename=str(tmp_path / "jobs.db"), utc=True,
                          immediate=True, immediate_use_memory=False)  # fmt: skip
        setups.append(mail_worker_setup(smtp_ctx.settings))
        setups[-1](huey)  # registers the task, runs the first round
        return huey

    conv_id = _inbound(smtp_ctx)
    send_agent_reply(smtp_ctx, world.actor(world.agent), conv_id, "On its way.")
    first = worker_start()
    assert len(relay[0].received) == 1
    (old_round,) = first.scheduled()
    assert old_round.name == "calmdesk.mail_poll"  # the next round, CALMDESK_MAIL_POLL_S later
    second = worker_start()  # a restart: a new generation
    assert len(relay[0].received) == 1  # nothing new to send
    send_agent_reply(smtp_ctx, world.actor(world.agent), conv_id, "Tracking: 123.")
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=1)  # huey's naive UTC
    due = second.read_schedule(later)  # what the consumer's scheduler would run by then
    assert len(due) == 2  # the old chain's round and the new one's
    for task in due:
        task.eta = None  # run it now rather than at its time
        second.execute(task)
    assert len(relay[0].received) == 2  # the new reply, sent once
    chains = {t.args[0] for t in second.read_schedule(later + timedelta(hours=1))}
    assert chains and old_round.args[0] not in chains  # the old chain stopped
