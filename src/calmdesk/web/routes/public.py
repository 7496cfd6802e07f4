"""Public intake: the anonymous API, the contact page, the embeddable widget and its frame.

    POST /api/v1/public/conversations   JSON; 201 {"conversation_id", "chat_token", "chat_url"}
    GET/POST /contact                   a plain form (no JavaScript needed), CSRF double submit
    GET /widget.js                      the script a team's site embeds (no third parties)
    GET /widget/frame, /widget/chat/... the chat bubble's iframe, framed only by allowed origins
    GET /public/verify/{token}          the link sent to a typed address: links the records

Nobody is identified by what they type. A returning visitor is recognised only by the chat token
their browser kept (localStorage in the widget frame). Every write goes through
`calmdesk.actions.intake`.
"""

from __future__ import annotations

import hmac
import re
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Header, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import Field

from calmdesk.actions.context import ActionContext
from calmdesk.actions.intake import (
    PublicConversation,
    link_verified_email,
    open_public_conversation,
    request_email_verification,
)
from calmdesk.config import Settings
from calmdesk.domain.errors import (
    AuthenticationRequired,
    CalmdeskError,
    HoneypotFilled,
    VerificationInvalid,
)
from calmdesk.web import auth
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, client_address
from calmdesk.web.errors import status_for
from calmdesk.web.intake_limits import IntakeLimits
from calmdesk.web.pages import CSP, SECURITY_HEADERS, render
from calmdesk.web.routes.widget import chat_identity, chat_page
from calmdesk.web.schemas import ErrorOut, Name, Text, _In

__all__ = ["PublicConversationIn", "PublicConversationOut", "frame_ancestors", "router"]

router = APIRouter(include_in_schema=True)

_STATIC = Path(__file__).resolve().parents[1] / "static"
_CSRF_COOKIE = "calmdesk_contact_csrf"
_VERIFY_SALT = "calmdesk.verify.v1"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d{1,5})?$")
_TEAM_MAX = 120


class PublicConversationIn(_In):
    name: Name
    text: Text
    email: Annotated[str, Field(max_length=254)] | None = None
    team: Annotated[str, Field(max_length=_TEAM_MAX)] | None = None
    website: Annotated[str, Field(max_length=200)] | None = Field(
        default=None, description="Honeypot: leave it out or empty (forms hide it from people)."
    )


class PublicConversationOut(_In):
    conversation_id: int
    chat_token: str
    chat_url: str


def frame_ancestors(settings: Settings) -> str:
    """`frame-ancestors` for the widget frame: this site and the origins the admin allows."""
    allowed = [
        o for o in settings.widget_allowed_origins.replace(",", " ").split() if _ORIGIN.match(o)
    ]
    return " ".join(["'self'", *allowed])


def _framable(response: Response, settings: Settings) -> Response:
    response.headers["Content-Security-Policy"] = CSP.replace(
        "frame-ancestors 'none'", f"frame-ancestors {frame_ancestors(settings)}"
    )
    if "X-Frame-Options" in response.headers:
        del response.headers["X-Frame-Options"]
    return response


def _limits(request: Request) -> IntakeLimits:
    limits: IntakeLimits = request.app.state.intake_limits
    return limits


def _returning_customer(
    actions: ActionContext, settings: Settings, authorization: str | None
) -> int | None:
    """The customer of a chat token this browser already holds (None when absent or invalid)."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        with actions.sessions() as session:
            return chat_identity(settings, token.strip(), session).customer_id
    except AuthenticationRequired:
        return None


def _verify_signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_VERIFY_SALT)


def _start(
    request: Request, actions: ActionContext, settings: Settings, fields: dict[str, Any],
    authorization: str | None, channel_label: str,
) -> tuple[PublicConversation, str, str]:  # fmt: skip
    """Checks shared by every way in, then the action; returns the case, token and chat URL."""
    if fields.get("website"):
        raise HoneypotFilled("Leave the hidden website field empty (it is there to catch bots).")
    _limits(request).new_conversation(client_address(request))
    opened = open_public_conversation(
        actions, name=fields.get("name"), text=fields.get("text"), email=fields.get("email"),
        team=fields.get("team") or None,
        returning_customer_id=_returning_customer(actions, settings, authorization),
        channel_label=channel_label,
    )  # fmt: skip
    conversation = opened.conversation
    token = auth.issue_chat_token(settings, conversation.id, opened.customer_id)
    base = settings.public_base_url.rstrip("/")  # never the request's Host header
    address = fields.get("email")
    if isinstance(address, str) and address.strip():
        link_token = _verify_signer(settings).dumps(
            {"v": conversation.id, "c": opened.customer_id, "e": address.strip()}
        )
        request_email_verification(
            actions, conversation.id, address, f"{base}/public/verify/{link_token}"
        )
    return opened, token, f"{base}/chat/{token}"


@router.post(
    "/api/v1/public/conversations",
    status_code=201,
    response_model=PublicConversationOut,
    responses={code: {"model": ErrorOut} for code in (400, 403, 409, 413, 422, 429, 503)},
    tags=["public"],
)
def create_public_conversation(
    body: PublicConversationIn, request: Request, actions: ActionsDep, settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> PublicConversationOut:  # fmt: skip
    """Anonymous: a visitor opens a case (the first message is analysed; the team's queue).

    A returning visitor may send the chat token their browser kept as `Authorization: Bearer`;
    the case then belongs to the same customer. Limits: CALMDESK_PUBLIC_PER_IP_PER_HOUR."""
    opened, token, url = _start(
        request, actions, settings, body.model_dump(), authorization, "chat"
    )
    return PublicConversationOut(
        conversation_id=opened.conversation.id, chat_token=token, chat_url=url
    )


# --- the contact page ----------------------------------------------------------------------


def _team_name(actions: ActionContext, team: str | None) -> str:
    from calmdesk.actions.intake import find_team

    try:
        with actions.sessions() as session:
            found = find_team(session, actions, team)
    except CalmdeskError:
        return "our team"
    return found.name if found is not None else "our team"


def _contact_form(
    request: Request, actions: ActionContext, team: str | None, values: dict[str, Any],
    error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    token = secrets.token_urlsafe(24)
    context = {
        "user": None, "csrf_token": token, "team": team or "", "values": values,
        "error": error, "team_name": _team_name(actions, team),
        "max_chars": actions.settings.max_text_chars,
    }  # fmt: skip
    response = render(request, "public/contact.html", context, status)
    response.set_cookie(
        _CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict", path="/contact"
    )
    return response


@router.get("/contact", response_class=HTMLResponse, include_in_schema=False)
def contact_page(request: Request, actions: ActionsDep, team: str | None = None) -> Response:
    """The contact form: works without JavaScript."""
    return _contact_form(request, actions, (team or "")[:_TEAM_MAX] or None, {})


@router.post("/contact", response_class=HTMLResponse, include_in_schema=False)
def contact_submit(
    request: Request, actions: ActionsDep, settings: SettingsDep,
    name: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20_000)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    team: Annotated[str, Form(max_length=_TEAM_MAX)] = "",
    website: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    """Open the case and send the visitor to a page with their chat link (post, redirect, get)."""
    values = {"name": name, "email": email, "text": text}
    expected = request.cookies.get(_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        message = "The form expired or was sent from another site; please send it again."
        return _contact_form(request, actions, team or None, values, message, 403)
    fields = values | {"team": team, "website": website}
    try:
        opened, token, _url = _start(request, actions, settings, fields, None, "web form")
    except CalmdeskError as err:
        return _contact_form(request, actions, team or None, values, err.message, status_for(err))
    response = RedirectResponse(f"/contact/sent/{token}", status_code=303)
    response.delete_cookie(_CSRF_COOKIE, path="/contact")
    return response


@router.get("/contact/sent/{token}", response_class=HTMLResponse, include_in_schema=False)
def contact_sent(
    request: Request, token: str, settings: SettingsDep, session: SessionDep
) -> Response:
    try:
        who = chat_identity(settings, token, session)
    except AuthenticationRequired as err:
        return _problem(request, "That link is not valid", err.message, "/contact", 401)
    context = {
        "user": None, "csrf_token": "", "conversation_id": who.conversation_id,
        "chat_url": f"{settings.public_base_url.rstrip('/')}/chat/{token}",
        "email_note": "If you gave an email address, we sent a link to confirm it.",
    }  # fmt: skip
    return render(request, "public/sent.html", context)


def _problem(request: Request, title: str, message: str, back: str, status: int) -> Response:
    context = {"user": None, "csrf_token": "", "title": title, "message": message, "back": back}
    return render(request, "public/problem.html", context, status)


# --- the widget ----------------------------------------------------------------------------


@router.get("/widget.js", include_in_schema=False)
def widget_script() -> Response:
    """The embeddable script: a chat bubble that opens calmdesk's frame. Nothing else loads."""
    response = FileResponse(_STATIC / "widget.js", media_type="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@router.get("/widget/frame", response_class=HTMLResponse, include_in_schema=False)
def widget_frame(
    request: Request, actions: ActionsDep, settings: SettingsDep,
    team: str | None = None, reset: int = 0, new: int = 0,
) -> Response:  # fmt: skip
    """The frame's start page; its script resumes a kept conversation (localStorage)."""
    wanted = (team or "")[:_TEAM_MAX] or None
    context: dict[str, Any] = {
        "user": None, "csrf_token": "", "team": wanted or "", "values": {}, "error": "",
        "team_name": _team_name(actions, wanted), "max_chars": settings.max_text_chars,
        "reset": bool(reset), "new": bool(new),
    }  # fmt: skip
    return _framable(render(request, "public/frame.html", context), settings)


@router.get("/widget/chat/{token}", response_class=HTMLResponse, include_in_schema=False)
def widget_chat(
    request: Request, token: str, settings: SettingsDep, session: SessionDep,
    team: str | None = None,
) -> Response:  # fmt: skip
    """The conversation inside the frame (the customer chat, framable by allowed origins)."""
    try:
        response = chat_page(request, token, settings, session)
    except AuthenticationRequired:  # moved (verified and merged) or forged: start again
        query = f"?team={team[:_TEAM_MAX]}&reset=1" if team else "?reset=1"
        return _framable(RedirectResponse(f"/widget/frame{query}", status_code=303), settings)
    return _framable(response, settings)


# --- verification of a typed address -------------------------------------------------------


@router.get("/public/verify/{token}", response_class=HTMLResponse, include_in_schema=False)
def verify_email(
    request: Request, token: str, actions: ActionsDep, settings: SettingsDep
) -> Response:
    """The visitor followed the link sent to the address they typed: link the records."""
    try:
        raw = _verify_signer(settings).loads(token[:1000], max_age=settings.verify_max_age_s)
        if not isinstance(raw, dict) or not {"v", "c", "e"} <= raw.keys():
            raise VerificationInvalid()
        customer = link_verified_email(actions, int(raw["v"]), int(raw["c"]), str(raw["e"]))
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        err: CalmdeskError = VerificationInvalid()
        return _problem(request, "That link does not work", err.message, "", 400)
    except CalmdeskError as err:
        return _problem(request, "That link does not work", err.message, "", status_for(err))
    chat_token = auth.issue_chat_token(settings, int(raw["v"]), customer.id)
    context: dict[str, Any] = {"user": None, "csrf_token": "", "chat_url": f"/chat/{chat_token}"}
    response = render(request, "public/verified.html", context)
    response.headers.update(SECURITY_HEADERS)
    return response
