"""CSAT by email, end to end through the real SMTP server of the intake tests (aiosmtpd): the
question goes out once after resolution with a signed link, the customer answers on the page
without logging in, a low score opens the follow-up; never to a blocked customer, never twice."""

from __future__ import annotations

import re
from email.message import Message

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.channels import test_mail_outbound as outbound
from tests.channels.mailkit import message
from tests.channels.test_mail_outbound import Relay
from tests.factories import World
from tests.web.console_support import parse

from calmdesk.actions import ActionContext, Actor, resolve_conversation, send_agent_reply
from calmdesk.actions.csat import ask_csat, ask_pending_csat
from calmdesk.actions.people import block_customer
from calmdesk.channels.email.ingest import deliver_bytes
from calmdesk.channels.email.smtp import send_pending
from calmdesk.storage import Conversation, FollowUp, Note
from calmdesk.storage.intake import EmailMessage
from calmdesk.storage.qa import CsatSurvey
from calmdesk.web import create_app
from calmdesk.web.turn_feed import drain_turn_feed

relay = outbound.relay  # the intake tests' SMTP server (aiosmtpd) and mail settings
smtp_ctx = outbound.smtp_ctx
LINK = re.compile(r"https?://\S+/csat/(\S+)")


def _resolved_mail_case(ctx: ActionContext, world: World, sender: str = "dana") -> int:
    raw = message(sender=f"{sender.title()} <{sender}@example.com>",
                  message_id=f"<{sender}-1@example.com>")  # fmt: skip
    conv_id = deliver_bytes(ctx, raw).conversation_id
    send_agent_reply(ctx, world.actor(world.agent), conv_id, "The replacement is on its way.")
    resolve_conversation(ctx, world.actor(world.agent), conv_id, "replacement sent")
    return conv_id


def _text(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(mail.get_content_charset() or "utf-8")


def _csat_mails(handler: Relay) -> list[Message]:
    return [m for m in handler.received if "/csat/" in _text(m)]


def test_csat_mail_is_sent_once_and_answered_without_login(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    handler, _ = relay
    conv_id = _resolved_mail_case(smtp_ctx, world)
    assert ask_pending_csat(smtp_ctx, Actor.system("job:qa")) == 1
    assert send_pending(smtp_ctx).sent == 2  # the reply and the question
    (mail,) = _csat_mails(handler)
    assert mail["To"] == "dana@example.com" and mail["In-Reply-To"] == "<dana-1@example.com>"
    body = _text(mail)
    assert "How satisfied are you" in body
    found = LINK.search(body)
    assert found is not None
    token = found.group(1)
    # never twice: asking again sends nothing
    assert ask_csat(smtp_ctx, Actor.system("t"), conv_id).reason == "already asked"
    assert send_pending(smtp_ctx).sent == 0 and len(_csat_mails(handler)) == 1

    app = create_app(smtp_ctx.settings)
    try:
        with TestClient(app) as client:
            page = parse(client.get(f"/csat/{token}").text)
            hrefs = [a.attrs.get("href", "") for a in page.find_all("a")]
            assert page.by_id("csat-form") and not any("/chat/" in h for h in hrefs)
            answer = client.post(
                f"/csat/{token}", data={"score": "2", "comment": "<b>Still</b> broken"}
            )
            assert answer.status_code == 200
            assert "rated this 2 out of 5" in parse(answer.text).by_id("csat-thanks").text
            again = client.post(f"/csat/{token}", data={"score": "5"})
            assert again.status_code == 409 and "already been answered" in again.text
            forged = client.get(f"/csat/{token[:-3]}abc")
            assert forged.status_code == 404 and not parse(forged.text).find_all(
                "form", id="csat-form"
            )
            bad = client.post(f"/csat/{token}x", data={"score": "5"})
            assert bad.status_code == 404
    finally:
        drain_turn_feed()
        app.state.engine.dispose()
    with smtp_ctx.sessions() as session:
        survey = session.scalars(
            select(CsatSurvey).where(CsatSurvey.conversation_id == conv_id)
        ).one()
        assert (survey.channel, survey.score, survey.comment) == ("email", 2, "<b>Still</b> broken")
        follow = session.get(FollowUp, survey.follow_up_id)
        assert follow is not None and follow.conversation_id == conv_id
        notes = [
            n.text for n in session.scalars(select(Note).where(Note.conversation_id == conv_id))
        ]
        assert any(n.startswith("Low CSAT 2/5") for n in notes)
        kinds = [m.kind for m in session.scalars(select(EmailMessage).where(
            EmailMessage.direction == "out", EmailMessage.conversation_id == conv_id))]  # fmt: skip
        assert kinds.count("csat") == 1


def test_csat_mail_is_never_sent_to_a_blocked_customer(
    smtp_ctx: ActionContext, world: World, relay: tuple[Relay, int]
) -> None:
    handler, _ = relay
    conv_id = _resolved_mail_case(smtp_ctx, world, sender="rude")
    with smtp_ctx.sessions() as session:
        conversation = session.get(Conversation, conv_id)
        assert conversation is not None
        customer_id = conversation.customer_id
    block_customer(smtp_ctx, world.actor(world.supervisor), customer_id, "Repeated threats.")
    assert ask_pending_csat(smtp_ctx, Actor.system("job:qa")) == 0
    assert ask_csat(smtp_ctx, Actor.system("t"), conv_id).reason == "the customer is blocked"
    send_pending(smtp_ctx)
    assert _csat_mails(handler) == []
