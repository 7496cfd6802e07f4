"""Oversized, deeply nested, malformed, wrongly typed or hostile input: a clear 4xx, no writes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.web.conftest import Scene

from calmdesk.storage import AuditEntry, Conversation, Note, Turn
from calmdesk.web.limits import MAX_JSON_DEPTH, json_depth

V = "/api/v1"
JSON = {"content-type": "application/json"}


def _counts(scene: Scene) -> tuple[int, ...]:
    with scene.world.ctx.sessions() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Turn, Note, Conversation, AuditEntry)
        )


def _nested(depth: int) -> bytes:
    return b'{"text": ' + b"[" * depth + b"1" + b"]" * depth + b"}"


BAD_BODIES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("oversized", b'{"text": "' + b"a" * 1_100_000 + b'"}', JSON, 413, "E102"),
    ("deeply-nested", _nested(5_000), JSON, 400, "E103"),
    ("malformed-json", b'{"text": "unterminated', JSON, 422, "E103"),
    ("binary", bytes(range(256)) * 4, JSON, 422, "E103"),
    ("latin-1", '{"text": "café crème"}'.encode("latin-1"), JSON, 400, "E103"),
    ("wrong-type", b'{"text": 12345}', JSON, 422, "E103"),
    ("list-not-object", b'["text"]', JSON, 422, "E103"),
    ("empty-text", b'{"text": "   "}', JSON, 422, "E103"),
    ("nul-bytes", b'{"text": "hi\\u0000there"}', JSON, 422, "E103"),
    ("lone-surrogate", b'{"text": "hi \\ud800"}', JSON, 422, "E103"),
    ("extra-field", b'{"text": "hi", "seq": 1}', JSON, 422, "E103"),
    ("too-long", json.dumps({"text": "a" * 20_001}).encode(), JSON, 422, "E103"),
    ("no-body", b"", JSON, 422, "E103"),
    ("form-not-json", b"text=hello", {"content-type": "application/x-www-form-urlencoded"},
     422, "E103"),
]  # fmt: skip


def _post_turn(client: TestClient, scene: Scene, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(
        f"{V}/conversations/{scene.conv_a.id}/turns",
        content=body,
        headers={**headers, **scene.as_("customer_a")},
    )


# The cases share one database per backend (building one per case made the suite slow); a
# failure names every case that went wrong.


def test_bad_turn_bodies_get_a_clear_4xx_and_write_nothing(
    client: TestClient, scene: Scene
) -> None:
    before = _counts(scene)
    wrong = {}
    for name, body, headers, status, code in BAD_BODIES:
        response = _post_turn(client, scene, body, headers)
        error = response.json().get("error", {})
        clear = error.get("code") == code and len(error.get("message", "")) > 10
        if response.status_code != status or not clear or "Traceback" in response.text:
            wrong[name] = (response.status_code, response.text[:200])
    assert not wrong
    assert _counts(scene) == before


BAD_QUERIES = [
    ("/conversations/0", 422),
    ("/conversations/-1", 422),
    ("/conversations/99999999999999999999", 422),
    ("/conversations/abc", 422),
    ("/conversations/2147483647", 404),
    ("/conversations?sort=id;drop table turns", 422),
    ("/conversations?status=archived", 422),
    ("/conversations?limit=100000", 422),
    ("/conversations?offset=-5", 422),
    ("/conversations?assignee=someone", 422),
]


def test_bad_ids_and_query_values_get_a_clear_4xx(client: TestClient, scene: Scene) -> None:
    wrong = {}
    for path, status in BAD_QUERIES:
        response = client.get(f"{V}{path}", headers=scene.as_("admin"))
        if response.status_code != status or not response.json()["error"]["message"]:
            wrong[path] = response.status_code
    assert not wrong


def test_bad_idempotency_keys_are_refused_and_write_nothing(
    client: TestClient, scene: Scene
) -> None:
    before = _counts(scene)
    for key in ("k" * 201, "has space", "tab\tkey", ""):
        response = client.post(
            f"{V}/conversations/{scene.conv_a.id}/turns",
            json={"text": "hello"},
            headers={**scene.as_("customer_a"), "Idempotency-Key": key},
        )
        assert 400 <= response.status_code < 500, key
    assert _counts(scene) == before


def test_follow_up_needs_an_aware_valid_datetime(client: TestClient, scene: Scene) -> None:
    before = _counts(scene)
    for due_at in ("2026-05-01T09:00:00", "next week", "2026-13-45T00:00:00Z", "2026-05-01", None):
        response = client.post(
            f"{V}/conversations/{scene.conv_a.id}/follow-ups",
            json={"due_at": due_at},
            headers=scene.as_("agent"),
        )
        assert response.status_code == 422, due_at
        assert "due_at" in response.json()["error"]["message"]
    assert _counts(scene) == before


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_html_is_stored_as_text_and_escaped_in_the_export(
    client: TestClient, scene: Scene
) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    posted = client.post(
        f"{V}/conversations/{scene.conv_a.id}/turns",
        json={"text": hostile},
        headers=scene.as_("customer_a"),
    )
    assert posted.status_code == 201 and posted.json()["turn"]["text"] == hostile
    page = client.get(
        f"{V}/conversations/{scene.conv_a.id}/export.html", headers=scene.as_("agent")
    )
    parser = _Tags()
    parser.feed(page.text)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert any(hostile in chunk for chunk in parser.text)


@pytest.mark.parametrize(
    ("body", "depth"),
    [(b"{}", 1), (b'{"a": [1, {"b": 2}]}', 3), (b'{"a": "[[[[{{{{"}', 1), (b'"x"', 0),
     (b'{"a": "\\"[[["}', 1), (_nested(40), 41)],
)  # fmt: skip
def test_json_depth_ignores_brackets_inside_strings(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_json_depth_limit_allows_ordinary_nesting(client: TestClient, scene: Scene) -> None:
    body = _nested(MAX_JSON_DEPTH - 2)
    response = client.post(
        f"{V}/conversations/{scene.conv_a.id}/turns",
        content=body,
        headers={**JSON, **scene.as_("customer_a")},
    )
    assert response.status_code == 422  # reaches validation: a list is not text
