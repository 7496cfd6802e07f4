"""Load shedding: a process over capacity refuses a request at the door, before doing any work.

Each server process takes at most `max_in_flight` HTTP requests at once (`Settings.max_in_flight`,
default 256: far more than the 40 threads that serve them, so a burst queues rather than fails).
The next one is answered at once with 503, `Retry-After: 1` and the error E870: nothing was read
or written for it, so a client may simply send it again. Websockets and the health check are not
counted. Writes that do get in queue for the database (`storage.engine`: the SQLite write gate)
instead of failing midway.
"""

from __future__ import annotations

import json
from html import escape

from starlette.types import ASGIApp, Receive, Scope, Send

from calmdesk.domain.errors import ServerBusy
from calmdesk.web.errors import error_body

__all__ = ["Admission"]

_EXEMPT = frozenset({"/api/v1/health"})


class Admission:
    """ASGI middleware: 503 E870 with Retry-After when `max_in_flight` requests are in flight."""

    def __init__(self, app: ASGIApp, max_in_flight: int) -> None:
        self.app, self.max_in_flight = app, max(1, max_in_flight)
        self.in_flight = 0  # changed only on the event loop's thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in _EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await _refuse(scope, send, ServerBusy(retry_after=1))
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _refuse(scope: Scope, send: Send, err: ServerBusy) -> None:
    if str(scope.get("path", "")).startswith(("/console", "/chat")):  # a person: a page
        text = escape(f"{err.code}: {err.message}")
        payload = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>calmdesk is busy</title>'
            f'<p role="alert">{text}</p><p><a href="">Try again</a></p></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    else:
        payload = json.dumps(error_body(err.code, err.message)).encode()
        kind = b"application/json"
    headers = [
        (b"content-type", kind),
        (b"content-length", b"%d" % len(payload)),
        (b"retry-after", str(err.retry_after).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
