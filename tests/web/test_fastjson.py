"""The routes that write their JSON once (`web.fastjson`) answer what FastAPI's own response
serialisation would: the same bytes, status and content type, for the queue, the chat and posts."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.routing import serialize_response
from fastapi.testclient import TestClient
from fastapi.utils import create_model_field
from tests.web.conftest import Scene

from calmdesk.web.schemas import ChatView, ConversationSummary, Page, PostedTurnOut


def _fastapi_bytes(model_type: Any, payload: Any) -> bytes:
    """What FastAPI writes for `payload` under `response_model=model_type` (its dump_json path)."""
    field = create_model_field(name="Response", type_=model_type, mode="serialization")
    value = model_type.model_validate(payload)
    coro = serialize_response(field=field, response_content=value, dump_json=True)
    # in a thread of its own: sync Playwright (the browser tests) leaves a loop running here
    with ThreadPoolExecutor(1) as pool:
        out = pool.submit(asyncio.run, coro).result()
    assert isinstance(out, bytes)
    return out


def test_the_queue_page_is_what_fastapi_would_write(client: TestClient, scene: Scene) -> None:
    got = client.get("/api/v1/conversations?limit=20", headers=scene.as_("admin"))
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/json"
    page = got.json()
    assert page["total"] >= 2 and page["items"]
    assert got.content == _fastapi_bytes(Page[ConversationSummary], page)


def test_the_chat_view_is_what_fastapi_would_write(client: TestClient, scene: Scene) -> None:
    got = client.get(
        f"/api/v1/conversations/{scene.conv_a.id}/chat", headers=scene.as_("customer_a")
    )
    assert got.status_code == 200 and got.headers["content-type"] == "application/json"
    assert got.json()["turns"]
    assert got.content == _fastapi_bytes(ChatView, got.json())


def test_a_post_answers_201_then_200_on_replay_as_fastapi_would(
    client: TestClient, scene: Scene
) -> None:
    url = f"/api/v1/conversations/{scene.conv_b.id}/turns"
    headers = scene.as_("admin") | {"Idempotency-Key": "fastjson-1"}
    first = client.post(url, json={"text": "Where is my refund? Ünïcode ✓"}, headers=headers)
    assert first.status_code == 201 and first.json()["created"] is True
    assert first.json()["signals"] is not None  # staff see the signals
    assert first.content == _fastapi_bytes(PostedTurnOut, first.json())
    again = client.post(url, json={"text": "Where is my refund? Ünïcode ✓"}, headers=headers)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["turn"]["id"] == first.json()["turn"]["id"]
    customer = client.post(
        f"/api/v1/conversations/{scene.conv_b.id}/turns",
        json={"text": "Hello?"},
        headers=scene.as_("customer_b"),
    )
    assert customer.status_code == 201 and customer.json()["signals"] is None


def test_the_routes_still_describe_their_answers_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    turn = schema["paths"]["/api/v1/conversations/{conversation_id}/turns"]["post"]
    assert "PostedTurnOut" in str(turn["responses"]["201"])
    assert "PostedTurnOut" in str(turn["responses"]["200"])
    chat = schema["paths"]["/api/v1/conversations/{conversation_id}/chat"]["get"]
    assert "ChatView" in str(chat["responses"]["200"])
    queue = schema["paths"]["/api/v1/conversations"]["get"]
    assert "Page_ConversationSummary_" in str(queue["responses"]["200"])
