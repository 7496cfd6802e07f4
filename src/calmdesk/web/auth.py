"""Who is asking: staff sessions, integration tokens, customer chat tokens, and CSRF.

    staff in a browser   signed session cookie (itsdangerous), carrying the user id and a CSRF token
    integrations         `Authorization: Bearer cdk_...`; only the SHA-256 of the token is stored
    customers in a chat  `Authorization: Bearer <chat token>` (or `?token=` on websockets): a signed
                         token naming exactly one conversation and its customer

Unsafe methods (POST, PUT, PATCH, DELETE) authenticated by the cookie must also send the session's
CSRF token, in the `X-CSRF-Token` header (htmx) or a `csrf_token` form field. Bearer-token requests
need no CSRF token because browsers never attach them on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from calmdesk.config import Settings
from calmdesk.domain.errors import AuthenticationRequired, PermissionDenied, TooManyAttempts

__all__ = [
    "API_TOKEN_PREFIX",
    "CSRF_FORM_FIELD",
    "CSRF_HEADER",
    "LoginThrottle",
    "SESSION_COOKIE",
    "SessionData",
    "check_csrf",
    "hash_api_token",
    "issue_chat_token",
    "issue_session",
    "new_api_token",
    "read_chat_token",
    "read_session",
]

SESSION_COOKIE = "calmdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
API_TOKEN_PREFIX = "cdk_"
_SESSION_SALT = "calmdesk.session.v1"
_CHAT_SALT = "calmdesk.chat.v1"
_BAD_CHAT = "The chat token is not valid; open the chat link again."


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the signed session cookie holds."""

    user_id: int
    csrf: str


def issue_session(settings: Settings, user_id: int) -> tuple[str, SessionData]:
    """A fresh signed cookie value (with a new CSRF token) for a user who just logged in."""
    data = SessionData(user_id=user_id, csrf=secrets.token_urlsafe(24))
    value = _session_signer(settings).dumps({"u": user_id, "c": data.csrf})
    return value, data


def read_session(settings: Settings, cookie: str | None) -> SessionData | None:
    """The session in a cookie, or None when absent, tampered with or older than the max age."""
    if not cookie:
        return None
    try:
        raw = _session_signer(settings).loads(cookie, max_age=settings.session_max_age_s)
    except BadSignature:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("u"), int):
        return None
    return SessionData(user_id=raw["u"], csrf=str(raw.get("c", "")))


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
    """A token that lets one customer read and write one conversation, and nothing else."""
    return _chat_signer(settings).dumps({"v": str(conversation_id), "c": str(customer_id)})


def read_chat_token(settings: Settings, token: str) -> tuple[str, str]:
    """`(conversation_id, customer_id)` from a chat token; AuthenticationRequired when invalid."""
    try:
        raw = _chat_signer(settings).loads(token)
    except BadSignature:
        raise AuthenticationRequired(_BAD_CHAT) from None
    if not isinstance(raw, dict) or not {"v", "c"} <= raw.keys():
        raise AuthenticationRequired(_BAD_CHAT)
    return str(raw["v"]), str(raw["c"])


def _session_signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SESSION_SALT)


def _chat_signer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=_CHAT_SALT)


class LoginThrottle:
    """Refuse logins after too many recent failures for one username or from one client address.

    A username is locked after `per_user` failures within `window_s` seconds, a client address
    (possibly a whole office behind one router) after `per_client`. In memory, per process
    (calmdesk serves with one worker); a restart forgets the counts.
    """

    def __init__(self, per_user: int = 10, per_client: int = 50, window_s: float = 300.0) -> None:
        self.limits = {"user": per_user, "client": per_client}
        self.window_s = window_s
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str) -> tuple[tuple[str, str], ...]:
        return (("user", username.lower()), ("client", client))

    def check(self, username: str, client: str) -> None:
        """TooManyAttempts when the username or the client failed too often lately."""
        now = time.monotonic()
        with self._lock:
            for key in self._keys(username, client):
                recent = [t for t in self._failures.get(key, []) if now - t < self.window_s]
                self._failures[key] = recent
                if len(recent) >= self.limits[key[0]]:
                    minutes = max(1, int(self.window_s // 60))
                    raise TooManyAttempts(f"Too many failed logins; wait {minutes} minutes.")

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(username, client):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(("user", username.lower()), None)
