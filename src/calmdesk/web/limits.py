"""Request limits checked before any route runs: body size and JSON nesting depth.

The body is read once here (never more than `max_bytes` plus one chunk) and replayed to the app, so
an oversized or absurdly nested request is refused with a clear 4xx before anything parses it.
"""

from __future__ import annotations

import json
import re
from html import escape
from urllib.parse import unquote_to_bytes

import numpy as np
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from calmdesk.web.errors import error_body

__all__ = ["MAX_JSON_DEPTH", "RequestLimits", "json_depth"]

MAX_JSON_DEPTH = 32
"""The deepest nesting of arrays and objects a JSON body may have."""

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_OPEN = np.zeros(256, dtype=np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in `body` (brackets inside strings do not count)."""
    stripped = _STRING.sub(b"", body)
    if not stripped:
        return 0
    steps = _OPEN[np.frombuffer(stripped, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return bytes(value).lower()
    return b""


def _is_json(scope: Scope) -> bool:
    return b"json" in _content_type(scope)


def form_is_utf8(body: bytes) -> bool:
    """Whether an `application/x-www-form-urlencoded` body decodes to UTF-8 text, as the API's
    JSON bodies must (the form parser would otherwise turn bad bytes into U+FFFD silently)."""
    try:
        unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestLimits:
    """ASGI middleware: bodies over `max_bytes` get 413, JSON nested over `max_depth` gets 400."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read(scope, receive)
            self._check_depth(scope, body)
            self._check_form(scope, body)
        except _Refused as refused:
            page = str(scope.get("path", "")).startswith(("/console", "/chat"))
            await _send_error(send, refused, html=page)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            raise self._too_large()
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Refused(400, "E103", "The client went away before sending the whole body.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_large()
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    def _too_large(self) -> _Refused:
        message = f"The request body is over {self.max_bytes} bytes; send less."
        return _Refused(413, "E102", message)

    def _check_form(self, scope: Scope, body: bytes) -> None:
        if body and b"x-www-form-urlencoded" in _content_type(scope) and not form_is_utf8(body):
            raise _Refused(400, "E103", "The form is not valid UTF-8 text; send UTF-8.")

    def _check_depth(self, scope: Scope, body: bytes) -> None:
        if body and _is_json(scope) and json_depth(body) > self.max_depth:
            message = f"The JSON body nests deeper than {self.max_depth} levels; flatten it."
            raise _Refused(400, "E103", message)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _send_error(send: Send, refused: _Refused, *, html: bool = False) -> None:
    if html:  # a person's browser: a page, not raw JSON
        text = escape(f"{refused.code}: {refused.message}")
        payload = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>That did not work</title>'
            f'<p role="alert">{text}</p><p><a href="/console">Back to calmdesk</a></p></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    else:
        payload = json.dumps(error_body(refused.code, refused.message)).encode()
        kind = b"application/json"
    headers = [(b"content-type", kind), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
