"""Every error the web answers with has one JSON shape: `{"error": {"code", "message"}}`.

Deliberate errors (`CalmdeskError`) map to a 4xx by their class; request validation failures become
422 with the offending fields named; a database constraint refusal becomes 409 and a busy or
unreachable database 503; anything unexpected becomes a 500 whose body says nothing about the
internals (the traceback goes to the log only).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from calmdesk.domain.errors import (
    AuthenticationRequired,
    CalmdeskError,
    ConfigError,
    Conflict,
    InputError,
    InputTooLarge,
    ModelUnavailable,
    NotFound,
    PermissionDenied,
    ServerBusy,
    TooManyAttempts,
)

__all__ = ["error_body", "install_error_handlers", "status_for"]

log = logging.getLogger("calmdesk.web")

_STATUS: tuple[tuple[type[CalmdeskError], int], ...] = (
    (InputTooLarge, 413),
    (InputError, 400),
    (NotFound, 404),
    (TooManyAttempts, 429),
    (AuthenticationRequired, 401),
    (PermissionDenied, 403),
    (Conflict, 409),
    (ModelUnavailable, 503),
    (ServerBusy, 503),
    (ConfigError, 500),
)

_HTTP_CODES = {
    400: ("E103", "The request body could not be read; send UTF-8 encoded JSON."),
    401: ("E302", "Log in or send a valid token first."),
    403: ("E301", "You are not allowed to do that."),
    404: ("E201", "There is no such page or resource."),
    405: ("E105", "That method is not allowed here."),
    413: ("E102", "The request body is larger than calmdesk accepts."),
}
_PHRASES = {s.value for s in HTTPStatus}


def status_for(err: CalmdeskError) -> int:
    """The HTTP status of a deliberate error: the first matching class wins."""
    for cls, status in _STATUS:
        if isinstance(err, cls):
            return status
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The JSON body shared by every error response."""
    return {"error": {"code": code, "message": message, **extra}}


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    if parts:
        return ".".join(parts)
    return str(loc[0]) if loc else "request"


def _validation_message(errors: Sequence[Any]) -> tuple[str, list[dict[str, str]]]:
    fields = []
    for err in errors[:20]:
        name = _field_name(err.get("loc", ()))
        fields.append({"field": name, "problem": str(err.get("msg", "is invalid"))})
    if any(e.get("type") == "json_invalid" for e in errors):
        return "The request body is not valid JSON.", fields
    first = fields[0] if fields else {"field": "request", "problem": "is invalid"}
    return f"{first['field']}: {first['problem']}", fields


async def _on_calmdesk_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CalmdeskError)
    headers = None
    if isinstance(exc, AuthenticationRequired):
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(exc, ServerBusy):
        headers = {"Retry-After": str(exc.retry_after)}
    elif isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(getattr(exc, "retry_after", 300))}
    return JSONResponse(error_body(exc.code, exc.message), status_for(exc), headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    message, fields = _validation_message(exc.errors())
    return JSONResponse(error_body("E103", message, fields=fields), 422)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, default = _HTTP_CODES.get(exc.status_code, ("E100", "The request could not be handled."))
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in _PHRASES else ""
    detail = exc.detail if isinstance(exc.detail, str) else ""
    generic = exc.status_code == 400 or detail == phrase  # the framework's own wording
    message = default if generic or not detail else detail
    return JSONResponse(error_body(code, message), exc.status_code, headers=exc.headers)


async def _on_integrity(request: Request, exc: Exception) -> JSONResponse:
    log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc)
    message = "That change conflicts with the stored records (a referenced record may not exist)."
    return JSONResponse(error_body("E401", message), 409)


async def _on_database_busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
    message = "The database is busy or unreachable; nothing was saved. Try again shortly."
    return JSONResponse(error_body("E000", message), 503, headers={"Retry-After": "1"})


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    message = "calmdesk hit an unexpected problem; it was logged. Try again or tell an admin."
    return JSONResponse(error_body("E000", message), 500)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers on `app`; `create_app` calls this once."""
    app.add_exception_handler(CalmdeskError, _on_calmdesk_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(IntegrityError, _on_integrity)
    app.add_exception_handler(OperationalError, _on_database_busy)
    app.add_exception_handler(Exception, _on_unexpected)
