"""Backpressure: a busy server makes writes wait or refuses at the door, never fails midway."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.types import Message, Receive, Scope, Send
from tests.factories import CueAnalyzer, World
from tests.web.conftest import Scene

from calmdesk.config import Settings
from calmdesk.storage import Turn
from calmdesk.storage.engine import write_gate
from calmdesk.web import create_app
from calmdesk.web.admission import Admission
from calmdesk.web.turn_feed import drain_turn_feed


def _in_own_loop(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `scenario` on a fresh event loop in a thread of its own (an earlier test, such as
    the browser tests' sync Playwright, may leave a loop running in the main thread)."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:  # re-raised in the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


class _Slow:
    """An app whose requests wait until told to finish; counts the requests it was given."""

    def __init__(self) -> None:
        self.calls = 0
        self.go = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        await self.go.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


async def _call(app: Admission, path: str, kind: str = "http") -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": kind, "path": path, "method": "POST", "headers": []}
    await app(scope, receive, send)
    return sent


def _status(sent: list[Message]) -> tuple[int, dict[bytes, bytes], bytes]:
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def test_over_capacity_requests_are_refused_at_once_with_retry_after() -> None:
    async def scenario() -> None:
        inner = _Slow()
        gate = Admission(inner, max_in_flight=2)
        first = [asyncio.create_task(_call(gate, "/api/v1/conversations/1/turns")) for _ in "ab"]
        await asyncio.sleep(0.05)
        status, headers, body = _status(await _call(gate, "/api/v1/conversations/1/turns"))
        assert status == 503
        assert headers[b"retry-after"] == b"1"
        assert json.loads(body)["error"]["code"] == "E870"
        page = _status(await _call(gate, "/console/queue"))
        assert page[0] == 503 and page[1][b"content-type"].startswith(b"text/html")
        assert b"E870" in page[2] and b"<script" not in page[2]
        assert inner.calls == 2  # the refused requests never reached the app
        health = asyncio.create_task(_call(gate, "/api/v1/health"))  # never shed
        inner.go.set()
        done = [_status(await task)[0] for task in [*first, health]]
        assert done == [200, 200, 200]
        assert gate.in_flight == 0
        assert _status(await _call(gate, "/api/v1/conversations/1/turns"))[0] == 200

    _in_own_loop(scenario)


@pytest.fixture
def impatient_app(settings: Settings, world: World, db_url: str) -> Iterator[FastAPI]:
    if not db_url.startswith("sqlite"):
        pytest.skip("the write gate is SQLite's")
    tuned = settings.model_copy(update={"sqlite_write_wait_s": 0.3})
    application = create_app(tuned, analyzer=CueAnalyzer())
    yield application
    drain_turn_feed()
    application.state.engine.dispose()


def test_a_post_that_cannot_get_the_write_queue_in_time_gets_503_and_stores_nothing(
    impatient_app: FastAPI, scene: Scene
) -> None:
    gate = write_gate(impatient_app.state.engine)
    assert gate is not None
    url = f"/api/v1/conversations/{scene.conv_a.id}/turns"
    headers = scene.as_("agent") | {"Idempotency-Key": "busy-1"}
    with TestClient(impatient_app) as client:
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with gate.held():
                held.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert held.wait(5)
            refused = client.post(url, json={"text": "Still waiting for order 77"}, headers=headers)
        finally:
            release.set()
            holder.join(10)
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "E871"
        assert int(refused.headers["retry-after"]) >= 1
        with impatient_app.state.actions.sessions() as session:
            texts = session.scalars(select(Turn.text).where(Turn.idempotency_key.is_not(None)))
            assert not any("order 77" in t for t in texts)
        again = client.post(url, json={"text": "Still waiting for order 77"}, headers=headers)
        assert again.status_code == 201  # the client's retry, same key, is stored once
        replay = client.post(url, json={"text": "Still waiting for order 77"}, headers=headers)
        assert replay.status_code == 200 and replay.json()["created"] is False
