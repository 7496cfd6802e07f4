"""Who is asking: staff sessions, integration tokens, customer chat tokens, and CSRF.

    staff in a browser   session cookie: a signed random secret naming a server-side session row
                         (`user_sessions`, see `calmdesk.actions.sessions`): revoked at logout,
                         password change, deactivation, or by the user or an admin
    integrations         `Authorization: Bearer cdk_...`; only the SHA-256 of the token is stored
    customers in a chat  `Authorization: Bearer <chat token>`: a signed, expiring token naming one
                         conversation and its customer, revocable by staff, rotatable

Unsafe methods (POST, PUT, PATCH, DELETE) authenticated by the cookie must also send the session's
CSRF token, in the `X-CSRF-Token` header (htmx) or a `csrf_token` form field. Bearer-token requests
need no CSRF token because browsers never attach them on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from calmdesk.actions.sessions import sign_chat_token
from calmdesk.config import Settings
from calmdesk.domain.errors import PermissionDenied

__all__ = [
    "API_TOKEN_PREFIX",
    "CSRF_FORM_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "SessionData",
    "check_csrf",
    "cookie_secret",
    "hash_api_token",
    "issue_chat_token",
    "new_api_token",
    "session_cookie",
]

SESSION_COOKIE = "calmdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
API_TOKEN_PREFIX = "cdk_"
_SESSION_SALT = "calmdesk.session.v2"


@dataclass(frozen=True, slots=True)
class SessionData:
    """A live server-side session: its user, its CSRF token and its row id."""

    user_id: int
    csrf: str
    session_id: int | None = None
    last_seen_at: datetime | None = None


def session_cookie(settings: Settings, secret: str) -> str:
    """The cookie value for a session secret (signed, so garbage is refused before any lookup)."""
    return str(_session_signer(settings).dumps(secret))


def cookie_secret(settings: Settings, cookie: str | None) -> str | None:
    """The session secret in a cookie, or None when absent, tampered with or past the max age."""
    if not cookie or len(cookie) > 400:
        return None
    try:
        raw = _session_signer(settings).loads(cookie, max_age=settings.session_max_age_s)
    except BadSignature:
        return None
    return raw if isinstance(raw, str) and raw else None


def check_csrf(session: SessionData, sent: str | None) -> None:
    """Refuse an unsafe cookie-authenticated request whose CSRF token is missing or wrong."""
    if not sent or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise PermissionDenied(
            f"The CSRF token is missing or wrong; send it in the {CSRF_HEADER} header "
            f"or the {CSRF_FORM_FIELD} form field (reload the page to get a fresh one)."
        )


def new_api_token() -> tuple[str, str]:
    """A new integration token and the hash to store; the token itself is shown once."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_api_token(token)


def hash_api_token(token: str) -> str:
    """SHA-256 hex of a token: tokens are long and random, so a slow hash adds nothing."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_chat_token(settings: Settings, conversation_id: Any, customer_id: Any) -> str:
    """A signed, expiring chat token for one customer and one conversation (not recorded: use
    `calmdesk.actions.sessions.issue_chat_token` for one staff can list and revoke one by one;
    `revoke_chat_tokens` refuses both kinds)."""
    return sign_chat_token(settings, int(conversation_id), int(customer_id))


def _session_signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SESSION_SALT)
