"""The public intake: anonymous conversations, the contact page, the widget and its frame."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import ADMIN, World
from tests.web.console_support import parse

from calmdesk.actions import block_customer, create_customer
from calmdesk.actions.sessions import check_chat_token
from calmdesk.config import Settings
from calmdesk.storage import Conversation, Customer, Turn
from calmdesk.storage.intake import EmailMessage, TurnChannel

URL = "/api/v1/public/conversations"
STATIC = Path(__file__).resolve().parents[2] / "src/calmdesk/web/static"


def _post(client: TestClient, **body: object) -> object:
    return client.post(URL, json={"name": "Vera Visitor", "text": "My parcel is late.", **body})


def test_public_conversation_answers_exactly_the_contract_and_lands_in_the_queue(
    client: TestClient, world: World
) -> None:
    res = _post(client, team="Orders")
    assert res.status_code == 201
    body = res.json()
    assert set(body) == {"conversation_id", "chat_token", "chat_url"}
    settings = world.ctx.settings.model_copy(update={"secret_key": _secret(client)})
    with world.ctx.sessions() as session:
        access = check_chat_token(session, settings, body["chat_token"], world.ctx.now())
    assert access.conversation_id == body["conversation_id"]
    assert urlparse(body["chat_url"]).path == f"/chat/{body['chat_token']}"
    with world.ctx.sessions() as session:
        conv = session.get(Conversation, body["conversation_id"])
        assert conv is not None and conv.team_id == world.team.id and conv.assignee_id is None
        turn = session.scalars(select(Turn).where(Turn.conversation_id == conv.id)).one()
        assert turn.text == "My parcel is late." and turn.signals is not None  # analysed
        assert conv.customer_turns == 1 and conv.cause == "delivery_delay"
        assert session.get(TurnChannel, turn.id).channel == "chat"
    # the chat link works for the visitor and the case is in the team's queue for the agent
    chat = client.get(f"/api/v1/conversations/{body['conversation_id']}/chat",
                      headers={"Authorization": f"Bearer {body['chat_token']}"})  # fmt: skip
    assert chat.status_code == 200


def _secret(client: TestClient) -> str:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings.secret_key


def test_a_typed_email_never_links_to_the_existing_customer(
    client: TestClient, world: World
) -> None:
    known = create_customer(world.ctx, ADMIN, name="Real Owner", email="owner@example.com")
    res = _post(client, email="owner@example.com")
    assert res.status_code == 201
    with world.ctx.sessions() as session:
        conv = session.get(Conversation, res.json()["conversation_id"])
        assert conv.customer_id != known.id
        visitor = session.get(Customer, conv.customer_id)
        assert visitor.email is None and visitor.profile["claimed_email"] == "owner@example.com"
        mail = session.scalars(select(EmailMessage).where(EmailMessage.kind == "verify")).one()
        assert mail.to_addr == "owner@example.com" and mail.status == "queued"
        link = next(w for w in mail.body.split() if "/public/verify/" in w)
    # following the link proves the address: the case moves to the known customer
    page = client.get(urlparse(link).path)
    assert page.status_code == 200
    new_chat = parse(page.text).by_id("chat-link").attrs["href"]
    with world.ctx.sessions() as session:
        conv = session.get(Conversation, res.json()["conversation_id"])
        assert conv.customer_id == known.id
    assert client.get(new_chat).status_code == 200
    # the old link no longer names the conversation's customer
    assert client.get(urlparse(res.json()["chat_url"]).path).status_code == 401


def test_a_forged_verification_link_changes_nothing(client: TestClient, world: World) -> None:
    page = client.get("/public/verify/not-a-real-token")
    assert page.status_code == 400
    assert "not valid" in parse(page.text).find("p", class_="banner").text


def test_blocked_customers_cannot_open_new_cases(client: TestClient, world: World) -> None:
    first = _post(client).json()
    with world.ctx.sessions() as session:
        customer_id = session.get(Conversation, first["conversation_id"]).customer_id
    block_customer(world.ctx, ADMIN, customer_id, "Threats to staff.")
    again = client.post(URL, json={"name": "Someone else", "text": "Hi"},
                        headers={"Authorization": f"Bearer {first['chat_token']}"})  # fmt: skip
    assert again.status_code == 403 and again.json()["error"]["code"] == "E301"
    create_customer(world.ctx, ADMIN, name="Blocked", email="blocked@example.com")
    with world.ctx.sessions() as session:
        blocked = session.scalars(select(Customer).where(Customer.name == "Blocked")).one()
    block_customer(world.ctx, ADMIN, blocked.id, "Abuse.")
    by_mail = _post(client, email="Blocked@Example.com")
    assert by_mail.status_code == 403


def test_a_returning_visitor_keeps_their_customer_record(client: TestClient, world: World) -> None:
    first = _post(client).json()
    second = client.post(URL, json={"name": "Vera", "text": "Another question."},
                         headers={"Authorization": f"Bearer {first['chat_token']}"})  # fmt: skip
    assert second.status_code == 201
    with world.ctx.sessions() as session:
        a = session.get(Conversation, first["conversation_id"])
        b = session.get(Conversation, second.json()["conversation_id"])
        assert a.customer_id == b.customer_id and a.id != b.id


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "V", "text": ""}, 422, "E103"),
        ({"name": "", "text": "hi"}, 422, "E103"),
        ({"name": "V", "text": "x" * 20_001}, 422, "E103"),
        ({"name": "V", "text": "hi", "email": "not an address"}, 400, "E103"),
        ({"name": "V", "text": "hi", "team": "Nobody"}, 400, "E104"),
        ({"name": "V", "text": "hi", "website": "http://spam.example"}, 400, "E755"),
        ({"name": "V", "text": "hi", "admin": True}, 422, "E103"),
        ({"name": "V", "text": "a\x00b"}, 422, "E103"),
    ],
)
def test_bad_public_input_is_refused_clearly_and_stores_nothing(
    client: TestClient, world: World, body: dict[str, object], status: int, code: str
) -> None:
    res = client.post(URL, json=body)
    assert res.status_code == status, res.text
    assert res.json()["error"]["code"] == code and res.json()["error"]["message"]
    with world.ctx.sessions() as session:
        assert session.scalars(select(Conversation)).all() == []
        assert session.scalars(select(Customer).where(Customer.name == "V")).all() == []


def test_per_address_limit_answers_429_with_a_clear_message(
    client: TestClient, world: World
) -> None:
    limit = client.app.state.settings.public_per_ip_per_hour  # type: ignore[attr-defined]
    for _ in range(limit):
        assert _post(client).status_code == 201
    res = _post(client)
    assert res.status_code == 429 and res.headers["Retry-After"]
    assert res.json()["error"]["code"] == "E754"
    assert "wait" in res.json()["error"]["message"]


def _early_in_a_minute() -> None:
    """The chat limit counts per clock minute: start where the whole burst fits in one."""
    if time.time() % 60 > 45:
        time.sleep(61 - time.time() % 60)


def test_per_token_limit_on_chat_messages(client: TestClient, world: World) -> None:
    _early_in_a_minute()
    first = _post(client).json()
    headers = {"Authorization": f"Bearer {first['chat_token']}"}
    path = f"/api/v1/conversations/{first['conversation_id']}/turns"
    limit = client.app.state.settings.rate_chat_per_min  # type: ignore[attr-defined]
    codes = [client.post(path, json={"text": f"m{i}"}, headers=headers).status_code
             for i in range(limit + 1)]  # fmt: skip
    assert codes[:limit] == [201] * limit and codes[limit] == 429


def test_oversized_body_is_refused(client: TestClient, world: World) -> None:
    res = client.post(URL, content=b'{"name": "V", "text": "' + b"x" * 1_100_000 + b'"}',
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert res.status_code == 413


# --- the contact page ----------------------------------------------------------------------


def _form(client: TestClient, team: str = "") -> dict[str, str]:
    page = client.get("/contact" + (f"?team={team}" if team else ""))
    assert page.status_code == 200
    tree = parse(page.text)
    form = tree.find("form", id="contact")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/contact"
    fields = {i.attrs["name"]: i.attrs.get("value", "") for i in form.find_all("input")}
    assert "website" in fields  # the honeypot
    return fields


def test_contact_form_works_without_javascript(client: TestClient, world: World) -> None:
    fields = _form(client, "Billing")
    data = fields | {"name": "Nora <b>", "email": "", "text": "<script>alert(1)</script> refund?"}
    res = client.post("/contact", data=data, follow_redirects=False)
    assert res.status_code == 303
    page = client.get(res.headers["location"])
    tree = parse(page.text)
    chat = tree.by_id("chat-link").attrs["href"]
    assert all(s.attrs.get("src") for s in tree.find_all("script"))  # no inline script
    with world.ctx.sessions() as session:
        conv = session.scalars(select(Conversation)).one()
        assert conv.team_id == world.other_team.id
        turn = session.scalars(select(Turn)).one()
        assert turn.text.startswith("<script>")  # stored as the text it is
        assert session.get(TurnChannel, turn.id).channel == "web form"
    shown = client.get(urlparse(chat).path)
    assert shown.status_code == 200 and "<script>alert(1)" not in shown.text


def test_contact_form_refuses_a_missing_csrf_token_and_a_filled_honeypot(
    client: TestClient, world: World
) -> None:
    fields = _form(client)
    bad = fields | {"csrf_token": "forged", "name": "N", "text": "Hello"}
    res = client.post("/contact", data=bad, follow_redirects=False)
    assert res.status_code == 403
    assert "send it again" in parse(res.text).find("p", class_="banner").text
    fields = _form(client)
    bot = fields | {"name": "N", "text": "Buy now", "website": "spam"}
    res = client.post("/contact", data=bot, follow_redirects=False)
    assert res.status_code == 400
    fields = _form(client)
    empty = fields | {"name": "N", "text": "   "}
    res = client.post("/contact", data=empty, follow_redirects=False)
    assert res.status_code == 400
    form = parse(res.text).find("form", id="contact")  # the form comes back with the values
    assert form.find("input", name="name").attrs["value"] == "N"
    with world.ctx.sessions() as session:
        assert session.scalars(select(Conversation)).all() == []


# --- the widget ----------------------------------------------------------------------------


def test_widget_script_is_small_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    res = client.get("/widget.js")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/javascript")
    assert len(res.content) <= 30 * 1024
    text = res.text
    assert "http://" not in text.replace("https://support.example.com", "")
    assert "https://" not in text.replace("https://support.example.com", "")
    assert "/widget/frame?team=" in text


def test_widget_frame_is_framable_only_by_allowed_origins(client: TestClient, world: World) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    settings.widget_allowed_origins = "https://shop.example.com bad;origin http://x.test:8080"
    res = client.get("/widget/frame?team=Orders")
    assert res.status_code == 200
    csp = res.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://shop.example.com http://x.test:8080" in csp
    assert "bad;origin" not in csp and "x-frame-options" not in res.headers
    root = parse(res.text).by_id("widget-start")
    assert root.attrs["data-team"] == "Orders"
    # the console and the plain chat still refuse every frame
    assert "frame-ancestors 'none'" in client.get("/console/login").headers[
        "content-security-policy"]  # fmt: skip


def test_widget_chat_resumes_and_a_stale_token_starts_over(
    client: TestClient, world: World
) -> None:
    first = _post(client, team="Orders").json()
    res = client.get(f"/widget/chat/{first['chat_token']}?team=Orders")
    assert res.status_code == 200
    assert "frame-ancestors 'self'" in res.headers["content-security-policy"]
    log = parse(res.text).by_id("chat-log")
    assert "My parcel is late." in log.text
    stale = client.get("/widget/chat/forged?team=Orders", follow_redirects=False)
    assert stale.status_code == 303 and "reset=1" in stale.headers["location"]


def test_widget_static_files_stay_small() -> None:
    assert (STATIC / "widget.js").stat().st_size <= 30 * 1024
    assert (STATIC / "js/widget-frame.js").stat().st_size <= 30 * 1024


def test_an_agent_merges_a_visitor_into_the_known_customer(
    client: TestClient, world: World
) -> None:
    known = create_customer(world.ctx, ADMIN, name="Real Owner", email="owner@example.com")
    world.open(known)  # a case of theirs in the agent's team, so the agent can see them
    visitor = _post(client, email="owner@example.com", team="Orders").json()
    with world.ctx.sessions() as session:
        visitor_id = session.get(Conversation, visitor["conversation_id"]).customer_id
    from calmdesk.actions import create_api_token

    token, _ = create_api_token(world.ctx, ADMIN, world.agent.id, "merge test")
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/customers/{visitor_id}/merge"
    res = client.post(path, json={"into_customer_id": known.id, "reason": "Called back."},
                      headers=headers)  # fmt: skip
    assert res.status_code == 200 and res.json()["id"] == known.id
    with world.ctx.sessions() as session:
        assert session.get(Conversation, visitor["conversation_id"]).customer_id == known.id
    again = client.post(path, json={"into_customer_id": known.id, "reason": "again"},
                        headers=headers)  # fmt: skip
    assert again.status_code == 404  # the visitor has no conversation left to see them by
    itself = client.post(
        f"/api/v1/customers/{known.id}/merge",
        json={"into_customer_id": known.id, "reason": "x"},
        headers=headers,
    )
    assert itself.status_code == 409


def test_per_token_limit_on_the_chat_socket(client: TestClient, world: World) -> None:
    _early_in_a_minute()
    first = _post(client).json()
    limit = client.app.state.settings.rate_chat_per_min  # type: ignore[attr-defined]
    token = first["chat_token"]
    errors: list[dict[str, object]] = []
    with client.websocket_connect(f"/chat/{token}/ws?after=999999") as ws:
        for i in range(limit + 1):
            ws.send_json({"type": "message", "text": f"m{i}", "client_id": f"c{i}"})
        while not errors:
            frame = ws.receive_json()
            if frame["type"] == "error":
                errors.append(frame)
    assert errors[0]["code"] == "E700" and "wait" in str(errors[0]["message"])
    with world.ctx.sessions() as session:
        texts = session.scalars(
            select(Turn.text).where(Turn.conversation_id == first["conversation_id"])
        ).all()
    assert len(texts) == 1 + limit  # the first message, then `limit` messages; the next refused
    assert f"m{limit}" not in texts
