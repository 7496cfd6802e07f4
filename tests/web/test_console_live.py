"""The live channels over real websockets: chat messages once, replay after reconnect, typing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from starlette.websockets import WebSocketDisconnect
from tests.factories import ADMIN
from tests.web.console_support import db_url, htmx, login, parse  # noqa: F401

from calmdesk.actions import Actor, add_customer_turn, block_customer
from calmdesk.storage import Turn
from calmdesk.web.auth import issue_chat_token

_CUSTOMER_KEYS = {"type", "id", "role", "author", "text", "at", "client_id"}


@pytest.fixture
def chat(world, settings):
    conv = world.open(world.calm_customer)
    add_customer_turn(world.ctx, Actor.for_customer(conv.customer_id), conv.id, "Hi, my order?")
    return conv, issue_chat_token(settings, conv.id, conv.customer_id)


def _turns(world) -> int:
    with world.ctx.sessions() as session:
        return session.scalar(select(func.count(Turn.id))) or 0


def _next(ws, kind: str) -> dict:
    while True:
        frame = ws.receive_json()
        if frame["type"] == kind:
            return frame


def test_chat_page_shows_messages_without_analysis(client, chat) -> None:
    conv, token = chat
    page = parse(client.get(f"/chat/{token}").text)
    bubbles = page.by_id("chat-log").find_all("li")
    assert [b.find("p").text for b in bubbles] == ["Hi, my order?"]
    assert page.find_all("mark") == [] and "upset" not in page.text
    fields = page.find_all("input") + page.find_all("textarea") + page.find_all("select")
    assert [f.attrs.get("name") for f in fields] == ["text"]  # no name or email to claim


@pytest.mark.parametrize("token", ["garbage", "x" * 600])
def test_chat_refuses_bad_tokens_on_page_and_socket(client, token) -> None:
    assert client.get(f"/chat/{token}").status_code == 401
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/chat/{token}/ws"):
            pass
    assert closed.value.code == 4401


def test_chat_replays_history_and_stores_a_resent_message_once(client, world, chat) -> None:
    conv, token = chat
    with client.websocket_connect(f"/chat/{token}/ws?after=0") as ws:
        first = _next(ws, "message")
        assert first["text"] == "Hi, my order?" and set(first) <= _CUSTOMER_KEYS
        ws.send_json({"type": "message", "text": "Order 1042", "client_id": "c-1"})
        sent = _next(ws, "message")
    before = _turns(world)
    with client.websocket_connect(f"/chat/{token}/ws?after={first['id']}") as ws:
        replayed = _next(ws, "message")
        ws.send_json({"type": "message", "text": "Order 1042", "client_id": "c-1"})
        ws.send_json({"type": "message", "text": "Thanks", "client_id": "c-2"})
        following = _next(ws, "message")
    assert replayed["id"] == sent["id"] and replayed["client_id"] == "c-1"
    assert following["client_id"] == "c-2" and following["id"] > sent["id"]
    assert _turns(world) == before + 1


def test_chat_receives_agent_replies_live_and_agents_see_typing(client, world, chat) -> None:
    conv, token = chat
    csrf = login(client, "cal")
    last = parse(client.get(f"/chat/{token}").text).by_id("chat").attrs["data-last-id"]
    with client.websocket_connect(f"/chat/{token}/ws?after={last}") as customer:
        with client.websocket_connect(f"/console/conversations/{conv.id}/ws?after={last}") as agent:
            customer.send_json({"type": "typing"})
            assert _next(agent, "typing")["role"] == "customer"
            data = {"text": "I'm sorry, I will check the order today."}
            client.post(f"/console/conversations/{conv.id}/reply", data=data, headers=htmx(csrf))
            reply = _next(customer, "message")
            assert _next(agent, "message")["id"] == reply["id"]
    assert reply["role"] == "agent" and reply["author"] == "Cal" and set(reply) <= _CUSTOMER_KEYS


@pytest.mark.parametrize("frame", ["not json", '{"no": "type"}', "[1, 2]"])
def test_chat_answers_malformed_frames_with_an_error(client, chat, frame) -> None:
    _, token = chat
    with client.websocket_connect(f"/chat/{token}/ws?after=999999") as ws:
        ws.send_text(frame)
        assert _next(ws, "error")["code"] == "E103"


def test_chat_tells_a_blocked_customer_why_nothing_was_stored(client, world, chat) -> None:
    conv, token = chat
    block_customer(world.ctx, ADMIN, conv.customer_id, "Threats after two warnings")
    before = _turns(world)
    with client.websocket_connect(f"/chat/{token}/ws?after=999999") as ws:
        ws.send_json({"type": "message", "text": "hello?", "client_id": "c-9"})
        assert _next(ws, "error")["code"] == "E301"
    assert _turns(world) == before


@pytest.mark.parametrize(
    ("logged_in", "headers"),
    [(False, {}), (True, {"origin": "https://evil.example"})],
)
def test_console_socket_needs_a_session_from_this_site(client, world, chat, logged_in, headers):
    conv, _ = chat
    if logged_in:
        login(client, "cal")
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(f"/console/conversations/{conv.id}/ws", headers=headers):
            pass
    assert closed.value.code == 4401


def test_console_socket_refuses_agents_of_other_teams(client, world, chat) -> None:
    conv, _ = chat
    login(client, "bea")
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(f"/console/conversations/{conv.id}/ws"):
            pass


def test_turns_posted_through_the_api_reach_the_chat_live(client, chat) -> None:
    conv, token = chat
    last = parse(client.get(f"/chat/{token}").text).by_id("chat").attrs["data-last-id"]
    with client.websocket_connect(f"/chat/{token}/ws?after={last}") as ws:
        answer = client.post(
            f"/api/v1/conversations/{conv.id}/turns",
            json={"text": "Sent from the mobile app"},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "app-1"},
        )
        assert answer.status_code == 201
        pushed = _next(ws, "message")
    assert pushed["text"] == "Sent from the mobile app" and pushed["client_id"] == "app-1"
