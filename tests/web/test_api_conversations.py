"""The queue, conversation records, turns with idempotency keys, exports and error bodies."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import Scene

from calmdesk.storage import Turn

V = "/api/v1"


def _turns(scene: Scene) -> int:
    with scene.world.ctx.sessions() as session:
        return session.scalar(select(func.count(Turn.id))) or 0


def test_posting_a_turn_twice_with_one_key_stores_it_once(client: TestClient, scene: Scene) -> None:
    url = f"{V}/conversations/{scene.conv_a.id}/turns"
    headers = {**scene.as_("customer_a"), "Idempotency-Key": "retry-1"}
    before = _turns(scene)
    first = client.post(url, json={"text": "Is it shipped yet?"}, headers=headers)
    again = client.post(url, json={"text": "Is it shipped yet?"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["created"] and not again.json()["created"]
    assert first.json()["turn"]["id"] == again.json()["turn"]["id"]
    assert _turns(scene) == before + 1


def test_customer_turn_response_hides_signals_from_the_customer(
    client: TestClient, scene: Scene
) -> None:
    url = f"{V}/conversations/{scene.conv_a.id}/turns"
    as_customer = client.post(
        url, json={"text": "This is late again!!"}, headers=scene.as_("customer_a")
    )
    as_staff = client.post(
        url, json={"text": "Caller says: late again!!"}, headers=scene.as_("supervisor")
    )
    assert as_customer.json()["signals"] is None
    assert as_staff.json()["signals"]["upset"] > 0.5


def test_agent_reply_returns_its_review_and_records_the_promise(
    client: TestClient, scene: Scene
) -> None:
    reply = client.post(
        f"{V}/conversations/{scene.conv_a.id}/replies",
        json={"text": "I'm sorry about the wait. I will call you back by tomorrow 5pm."},
        headers=scene.as_("agent"),
    )
    assert reply.status_code == 201
    assert 0 <= reply.json()["review"]["score"] <= 100
    detail = client.get(f"{V}/conversations/{scene.conv_a.id}", headers=scene.as_("agent")).json()
    assert len(detail["commitments"]) == 2
    assert detail["commitments"][-1]["status"] == "open"


def test_conversation_detail_has_the_whole_record(client: TestClient, scene: Scene) -> None:
    body = client.get(f"{V}/conversations/{scene.conv_a.id}", headers=scene.as_("supervisor"))
    detail = body.json()
    assert [t["author_role"] for t in detail["turns"]] == ["customer", "agent"]
    assert detail["turns"][0]["signals"]["upset"] > 0
    assert detail["turns"][1]["review"]["checks"]
    assert detail["customer"]["id"] == scene.conv_a.customer_id
    assert len(detail["follow_ups"]) == 1 and detail["assignee_id"] == scene.world.agent.id


def test_chat_view_shows_turns_without_signals_or_notes(client: TestClient, scene: Scene) -> None:
    client.post(
        f"{V}/conversations/{scene.conv_a.id}/notes",
        json={"text": "Internal: VIP"},
        headers=scene.as_("agent"),
    )
    chat = client.get(f"{V}/conversations/{scene.conv_a.id}/chat", headers=scene.as_("customer_a"))
    assert set(chat.json()) == {"id", "status", "turns"}
    assert all(
        set(t) == {"id", "seq", "author_role", "text", "created_at"} for t in chat.json()["turns"]
    )
    assert "Internal" not in chat.text


def test_created_conversation_gives_a_chat_token_that_works(
    client: TestClient, scene: Scene
) -> None:
    created = client.post(
        f"{V}/conversations",
        json={"customer_id": scene.conv_b.customer_id, "channel": "chat", "text": "Hello?"},
        headers=scene.as_("agent"),
    )
    assert created.status_code == 201
    conv = created.json()["conversation"]
    assert conv["team_id"] == scene.world.team.id and conv["customer_turns"] == 0
    chat = {"Authorization": f"Bearer {created.json()['chat_token']}"}
    view = client.get(f"{V}/conversations/{conv['id']}/chat", headers=chat)
    assert [t["text"] for t in view.json()["turns"]] == ["Hello?"]
    other = client.get(f"{V}/conversations/{scene.conv_a.id}/chat", headers=chat)
    assert other.status_code == 404


def test_blocked_customer_cannot_post_and_nothing_is_stored(
    client: TestClient, scene: Scene
) -> None:
    blocked = client.post(
        f"{V}/customers/{scene.conv_a.customer_id}/block",
        json={"reason": "Threatened staff."},
        headers=scene.as_("supervisor"),
    )
    assert blocked.json()["standing"] == "blocked"
    before = _turns(scene)
    response = client.post(
        f"{V}/conversations/{scene.conv_a.id}/turns",
        json={"text": "Let me in"},
        headers=scene.as_("customer_a"),
    )
    assert response.status_code == 403 and _turns(scene) == before


QUEUE_FILTERS = [
    ("", {"a", "b"}),
    ("?status=pending", {"a"}),
    ("?status=open", {"b"}),
    ("?status=open&status=pending", {"a", "b"}),
    ("?assignee=none", {"b"}),
    ("?channel=email", set()),
]


def test_queue_filters_come_from_allow_lists(client: TestClient, scene: Scene) -> None:
    names = {scene.conv_a.id: "a", scene.conv_b.id: "b"}
    for query, expected in QUEUE_FILTERS:
        body = client.get(f"{V}/conversations{query}", headers=scene.as_("supervisor")).json()
        assert {names[item["id"]] for item in body["items"]} == expected, query
        assert body["total"] == len(expected), query


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_queue_sorts_and_pages(client: TestClient, scene: Scene, order: str) -> None:
    headers = scene.as_("admin")
    url = f"{V}/conversations?sort=upset&order={order}"
    full = client.get(url, headers=headers).json()["items"]
    upsets = [item["upset"] for item in full]
    assert upsets == sorted(upsets, reverse=order == "desc")
    page = client.get(f"{url}&limit=1&offset=1", headers=headers).json()
    assert page["total"] == 2 and [i["id"] for i in page["items"]] == [full[1]["id"]]


def test_agent_queue_is_own_and_unassigned_in_team(client: TestClient, scene: Scene) -> None:
    ids = {
        i["id"]
        for i in client.get(f"{V}/conversations", headers=scene.as_("agent")).json()["items"]
    }
    assert ids == {scene.conv_a.id, scene.conv_b.id}
    client.post(
        f"{V}/conversations/{scene.conv_a.id}/escalate",
        json={"reason": "Needs a manager."},
        headers=scene.as_("agent"),
    )
    ids = {
        i["id"]
        for i in client.get(f"{V}/conversations", headers=scene.as_("agent")).json()["items"]
    }
    assert ids == {scene.conv_b.id}  # now the supervisor's


def test_export_json_is_the_detail_plus_history(client: TestClient, scene: Scene) -> None:
    headers = scene.as_("agent")
    detail = client.get(f"{V}/conversations/{scene.conv_a.id}", headers=headers).json()
    export = client.get(f"{V}/conversations/{scene.conv_a.id}/export.json", headers=headers).json()
    assert {k: export[k] for k in detail} == detail
    assert "exported_at" in export and isinstance(export["rule_firings"], list)


def test_review_endpoint_writes_nothing(client: TestClient, scene: Scene) -> None:
    before = _turns(scene)
    response = client.post(
        f"{V}/review",
        json={"conversation_id": scene.conv_a.id, "draft": "Calm down, it's not our fault."},
        headers=scene.as_("agent"),
    )
    assert response.status_code == 200
    failing = {c["check"] for c in response.json()["checks"] if c["status"] == "fail"}
    assert "P5" in failing or "P4" in failing
    assert _turns(scene) == before


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/api/v1/nowhere", 404, "E201"), ("DELETE", "/api/v1/health", 405, "E105")],
)
def test_framework_errors_use_the_error_body(
    client: TestClient, scene: Scene, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_unexpected_errors_answer_500_without_internals(app: FastAPI, scene: Scene) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "E000"
    assert "secret" not in response.text and "Traceback" not in response.text


def test_health_reports_the_database(client: TestClient, scene: Scene) -> None:
    assert client.get(f"{V}/health").json()["database"] == "ok"
