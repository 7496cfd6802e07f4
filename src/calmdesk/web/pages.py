"""Server-rendered pages: the Jinja2 environment, security headers, and HTML error pages.

Every page is rendered with autoescape on; nothing user-written is ever marked safe (highlighted
customer text is built from escaped pieces in `markup`). Responses carry a content security policy
that allows scripts, styles and sockets from this origin only, and no inline script or style.
"""

from __future__ import annotations

import inspect
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from calmdesk import __version__
from calmdesk.config import Settings
from calmdesk.domain.errors import CalmdeskError
from calmdesk.web.errors import status_for

__all__ = [
    "CSP",
    "DOCS_CSP",
    "LoginRequired",
    "SECURITY_HEADERS",
    "install_pages",
    "docs_page",
    "is_htmx",
    "render",
    "team_tz",
    "templates",
]

log = logging.getLogger("calmdesk.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_PAGE_PREFIXES = ("/console", "/chat")

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["static"] = lambda path: f"/static/{path}?v={__version__}"


class LoginRequired(Exception):
    """A console page was asked for without a session: send the browser to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def team_tz(settings: Settings) -> ZoneInfo:
    """The team's time zone for labels; UTC when the setting is not a known zone."""
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A template rendered with the security headers."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _is_page(request: Request) -> bool:
    return request.url.path.startswith(_PAGE_PREFIXES)


def _error_page(request: Request, exc: CalmdeskError) -> Response:
    status = status_for(exc)
    titles = {404: "Not found", 403: "Not allowed", 401: "Please log in", 409: "Already done"}
    context: dict[str, Any] = {"title": titles.get(status, "That did not work")}
    context["message"] = exc.message
    context |= {"code": exc.code, "flash": exc.message, "flash_kind": "bad", "user": None}
    if is_htmx(request):
        return render(request, "_partials/flash.html", context, status)
    return render(request, "console/error.html", context, status)


def install_pages(app: FastAPI) -> None:
    """HTML answers for console and chat pages; the JSON handlers stay in charge of the API."""
    json_handler = app.exception_handlers.get(CalmdeskError)

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, CalmdeskError) and _is_page(request):
            return _error_page(request, exc)
        if json_handler is None:
            raise exc
        answer = json_handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    async def on_login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        if is_htmx(request):
            return Response(status_code=204, headers={"HX-Redirect": "/console/login"})
        target = "/console/login"
        if exc.next_url.startswith("/console") and exc.next_url != "/console/login":
            target += "?next=" + quote(exc.next_url, safe="/")
        return Response(status_code=303, headers={"Location": target})

    app.add_exception_handler(CalmdeskError, on_error)
    app.add_exception_handler(LoginRequired, on_login_required)
    _install_http_pages(app)


_HTTP_TITLES = {
    404: ("Not found", "There is no such page. It may have moved, or the link is mistyped."),
    405: ("Not possible here", "That page cannot be used this way; go back and try again."),
    403: ("Not allowed", "You are not allowed to see this page."),
}


def _install_http_pages(app: FastAPI) -> None:
    """Browser pages get HTML errors in the console's style (404, 403, 405, 500), never JSON."""
    json_http = app.exception_handlers.get(StarletteHTTPException)
    json_crash = app.exception_handlers.get(Exception)

    async def delegate(handler: Any, request: Request, exc: Exception) -> Response:
        if handler is None:
            raise exc
        answer = handler(request, exc)
        result: Response = await answer if inspect.isawaitable(answer) else answer
        return result

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not _is_page(request) or exc.status_code not in _HTTP_TITLES:
            return await delegate(json_http, request, exc)
        title, message = _HTTP_TITLES[exc.status_code]
        context: dict[str, Any] = {"title": title, "message": message}
        context["code"] = f"HTTP {exc.status_code}"
        context |= {"flash": message, "flash_kind": "bad", "user": None}
        name = "_partials/flash.html" if is_htmx(request) else "console/error.html"
        return render(request, name, context, exc.status_code)

    async def on_crash(request: Request, exc: Exception) -> Response:
        if not _is_page(request):
            return await delegate(json_crash, request, exc)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        message = "calmdesk hit an unexpected problem; it was logged. Try again, or tell an admin."
        context: dict[str, Any] = {"title": "Something went wrong", "message": message}
        context["code"] = "E000"
        context |= {"flash": message, "flash_kind": "bad", "user": None}
        name = "_partials/flash.html" if is_htmx(request) else "console/error.html"
        return render(request, name, context, 500)

    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def docs_page(request: Request) -> HTMLResponse:
    """/docs: the vendored Swagger UI (swagger-ui-dist), so it works without internet."""
    response = templates.TemplateResponse(request, "docs.html", {}, status_code=200)
    response.headers.update(SECURITY_HEADERS | {"Content-Security-Policy": DOCS_CSP})
    return response
