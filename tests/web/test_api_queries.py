"""Hot API pages run a fixed number of SQL statements, however many rows they show."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.web.conftest import Scene

import calmdesk.web as web
from calmdesk.actions import Actor, add_customer_turn

V = "/api/v1"


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = app.state.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _queue_selects(app: FastAPI, client: TestClient, scene: Scene) -> int:
    with _statements(app) as seen:
        response = client.get(f"{V}/conversations?limit=200", headers=scene.as_("supervisor"))
    assert response.status_code == 200
    return len(seen)


def test_queue_query_count_does_not_grow_with_rows(
    app: FastAPI, client: TestClient, scene: Scene
) -> None:
    few = _queue_selects(app, client, scene)
    for _ in range(6):
        conv = scene.world.open(scene.world.calm_customer)
        add_customer_turn(scene.world.ctx, Actor.system("t"), conv.id, "Where is it?")
    many = _queue_selects(app, client, scene)
    assert many == few <= 4


def test_conversation_detail_query_count_does_not_grow_with_turns(
    app: FastAPI, client: TestClient, scene: Scene
) -> None:
    url = f"{V}/conversations/{scene.conv_a.id}"
    # the supervisor sees the case throughout (the sixth customer turn escalates it to them)
    with _statements(app) as before:
        client.get(url, headers=scene.as_("supervisor"))
    for n in range(5):
        add_customer_turn(scene.world.ctx, Actor.system("t"), scene.conv_a.id, f"Still here {n}")
    with _statements(app) as after:
        assert client.get(url, headers=scene.as_("supervisor")).status_code == 200
    assert len(after) == len(before) <= 10


def test_web_public_api_is_create_app() -> None:
    assert web.__all__ == ["create_app"]
    assert callable(web.create_app)
