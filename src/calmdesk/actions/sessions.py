"""Server-side staff sessions, customer chat tokens and integration tokens: issue, check, revoke.

Staff sessions (`user_sessions`): the browser cookie carries a random secret; only its SHA-256 is
stored. A session ends when it expires, at logout, when the password changes, when the user is
deactivated, or when the user or an admin revokes it, and every server process sees that at once
(it is a row, not a signed cookie).

Chat tokens are signed (conversation, customer, issue time) and expire after
`Settings.chat_token_ttl_s`. Each token issued through `issue_chat_token` has a row; staff revoke
all tokens of a conversation (`revoke_chat_tokens`, which also refuses older unregistered tokens),
and a customer rotates theirs (`rotate_chat_token`: a new token, the old one revoked).

API tokens: listed with their last use (updated at most once a minute), revoked by their owner or
an admin.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from calmdesk.actions.audit import write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.config import Settings
from calmdesk.domain import AuthenticationRequired, NotFound, PermissionDenied
from calmdesk.storage import ApiToken, Conversation, User, UserRole
from calmdesk.storage.trust import ChatToken, UserSession

__all__ = [
    "ChatAccess",
    "check_chat_token",
    "find_session",
    "hash_secret",
    "issue_chat_token",
    "list_api_tokens",
    "list_sessions",
    "revoke_api_token",
    "revoke_chat_tokens",
    "revoke_session",
    "revoke_user_sessions",
    "rotate_chat_token",
    "sign_chat_token",
    "start_session",
    "touch_api_token",
    "touch_session",
]

_CHAT_SALT = "calmdesk.chat.v2"
_BAD_CHAT = "The chat link is not valid or has expired; ask the team for a new one."
_REVOKED_CUTOFF = "chat_revoked_before"
_TOUCH_EVERY = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """SHA-256 hex: the secrets are long and random, so a slow hash adds nothing."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


# --- staff sessions ------------------------------------------------------------------------


def start_session(
    ctx: ActionContext, user_id: int, *, client: str = "", user_agent: str = ""
) -> tuple[str, UserSession]:
    """A new session for a user who just logged in: the cookie secret (shown once) and its row."""
    secret = secrets.token_urlsafe(32)
    now = ctx.now()
    row = UserSession(
        user_id=user_id,
        token_hash=hash_secret(secret),
        csrf=secrets.token_urlsafe(24),
        expires_at=now + timedelta(seconds=ctx.settings.session_max_age_s),
        last_seen_at=now,
        client=client[:64],
        user_agent=user_agent[:200],
        created_at=now,
    )
    with ctx.sessions.begin() as session:
        session.add(row)
        session.flush()
        write_audit(session, Actor(f"user:{user_id}", user_id=user_id), "session.started", row)
    return secret, row


def find_session(session: Session, secret: str, now: datetime) -> UserSession | None:
    """The live session for a cookie secret: not revoked, not expired, its user active."""
    row = session.scalars(
        select(UserSession).where(UserSession.token_hash == hash_secret(secret))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return row


def list_sessions(session: Session, user_id: int | None = None) -> list[UserSession]:
    """Live and recent sessions (newest first), of one user or of everyone."""
    stmt = select(UserSession).order_by(UserSession.id.desc()).limit(500)
    if user_id is not None:
        stmt = stmt.where(UserSession.user_id == user_id)
    return list(session.scalars(stmt).all())


def _may_manage(actor: Actor, owner_id: int) -> None:
    if actor.label.startswith("system:") or actor.role is UserRole.ADMIN:
        return
    if actor.user_id != owner_id:
        raise PermissionDenied("Only its owner or an admin may do that.")


def revoke_session(
    ctx: ActionContext, actor: Actor, session_id: int, reason: str = "revoked"
) -> UserSession:
    """End one session (its owner or an admin)."""
    with ctx.sessions.begin() as session:
        row = session.get(UserSession, session_id)
        if row is None:
            raise NotFound(f"No session with id {session_id}.")
        _may_manage(actor, row.user_id)
        if row.revoked_at is None:
            row.revoked_at, row.revoked_reason = ctx.now(), reason[:40]
            write_audit(session, actor, "session.revoked", row, None, {"reason": reason[:40]})
    return row


def revoke_user_sessions(
    ctx: ActionContext,
    actor: Actor,
    user_id: int,
    reason: str = "revoked",
    *,
    keep_session_id: int | None = None,
    session: Session | None = None,
) -> int:
    """End every live session of `user_id` (its owner or an admin); returns how many ended.

    Pass `session` to do it inside the caller's transaction (deactivation, password change)."""
    _may_manage(actor, user_id)
    if session is None:
        with ctx.sessions.begin() as own:
            return _revoke_all(ctx, own, actor, user_id, reason, keep_session_id)
    return _revoke_all(ctx, session, actor, user_id, reason, keep_session_id)


def _revoke_all(
    ctx: ActionContext, session: Session, actor: Actor, user_id: int, reason: str,
    keep: int | None,
) -> int:  # fmt: skip
    stmt = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(UserSession.id != keep)
    result = session.execute(stmt.values(revoked_at=ctx.now(), revoked_reason=reason[:40]))
    ended = int(getattr(result, "rowcount", 0) or 0)
    user = session.get(User, user_id)
    if user is not None and ended:
        write_audit(
            session, actor, "session.revoked_all", user, None, {"reason": reason, "ended": ended}
        )
    return ended


# --- chat tokens ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatAccess:
    """What a valid chat token grants: one conversation of one customer."""

    conversation_id: int
    customer_id: int
    token_id: int | None
    issued_at: datetime


def _chat_signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_CHAT_SALT)


def sign_chat_token(settings: Settings, conversation_id: int, customer_id: int) -> str:
    """A signed, expiring chat token (no row: `issue_chat_token` also records it)."""
    payload = {"v": str(conversation_id), "c": str(customer_id), "j": secrets.token_urlsafe(9)}
    return str(_chat_signer(settings).dumps(payload))


def issue_chat_token(
    ctx: ActionContext, actor: Actor, conversation_id: int
) -> tuple[str, ChatToken]:
    """A new chat token for the customer of `conversation_id`, recorded so it can be revoked."""
    with ctx.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"No conversation with id {conversation_id}.")
        return _issue(ctx, session, actor, conversation)


def _issue(
    ctx: ActionContext, session: Session, actor: Actor, conversation: Conversation
) -> tuple[str, ChatToken]:
    token = sign_chat_token(ctx.settings, conversation.id, conversation.customer_id)
    now = ctx.now()
    row = ChatToken(
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        token_hash=hash_secret(token),
        expires_at=now + timedelta(seconds=ctx.settings.chat_token_ttl_s),
        created_at=now,
    )
    session.add(row)
    session.flush()
    write_audit(session, actor, "chat_token.issued", row)
    return token, row


def check_chat_token(session: Session, settings: Settings, token: str, now: datetime) -> ChatAccess:
    """The access a chat token grants, or AuthenticationRequired (forged, expired or revoked)."""
    if not token or len(token) > 500:
        raise AuthenticationRequired(_BAD_CHAT)
    try:
        raw, signed_at = _chat_signer(settings).loads(
            token, max_age=settings.chat_token_ttl_s, return_timestamp=True
        )
    except (SignatureExpired, BadSignature):
        raise AuthenticationRequired(_BAD_CHAT) from None
    if not isinstance(raw, dict) or not str(raw.get("v", "")).isdigit():
        raise AuthenticationRequired(_BAD_CHAT)
    if not str(raw.get("c", "")).isdigit():
        raise AuthenticationRequired(_BAD_CHAT)
    conversation_id, customer_id = int(raw["v"]), int(raw["c"])
    if not (1 <= conversation_id <= 2_147_483_647 and 1 <= customer_id <= 2_147_483_647):
        raise AuthenticationRequired(_BAD_CHAT)
    row = session.scalars(
        select(ChatToken).where(ChatToken.token_hash == hash_secret(token))
    ).first()
    if row is not None and (row.revoked_at is not None or row.expires_at <= now):
        raise AuthenticationRequired(_BAD_CHAT)
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.customer_id != customer_id:
        raise AuthenticationRequired(_BAD_CHAT)
    cutoff = (conversation.meta or {}).get(_REVOKED_CUTOFF)
    if cutoff:
        issued = row.created_at if row is not None else signed_at  # whole seconds when no row
        if issued <= datetime.fromisoformat(cutoff):
            raise AuthenticationRequired(_BAD_CHAT)
    return ChatAccess(conversation_id, customer_id, row.id if row else None, signed_at)


def revoke_chat_tokens(ctx: ActionContext, actor: Actor, conversation_id: int) -> int:
    """Refuse every chat token of the conversation issued until now (staff); the rows revoked."""
    if not actor.is_staff and not actor.label.startswith("system:"):
        raise PermissionDenied("Only staff can revoke chat links.")
    now = ctx.now()
    with ctx.sessions.begin() as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound(f"No conversation with id {conversation_id}.")
        conversation.meta = {**(conversation.meta or {}), _REVOKED_CUTOFF: now.isoformat()}
        flag_modified(conversation, "meta")
        revoked = session.execute(
            update(ChatToken)
            .where(ChatToken.conversation_id == conversation_id, ChatToken.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount  # type: ignore[attr-defined]
        write_audit(
            session, actor, "chat_token.revoked_all", conversation, None, {"revoked": revoked}
        )
    return int(revoked or 0)


def rotate_chat_token(ctx: ActionContext, token: str) -> tuple[str, ChatToken]:
    """The customer's new token; the one presented is revoked (it must still be valid)."""
    now = ctx.now()
    with ctx.sessions.begin() as session:
        access = check_chat_token(session, ctx.settings, token, now)
        conversation = session.get(Conversation, access.conversation_id)
        assert conversation is not None
        actor = Actor.for_customer(access.customer_id)
        new_token, new_row = _issue(ctx, session, actor, conversation)
        old = session.get(ChatToken, access.token_id) if access.token_id else None
        if old is None:
            old = ChatToken(
                conversation_id=access.conversation_id, customer_id=access.customer_id,
                token_hash=hash_secret(token), created_at=access.issued_at,
                expires_at=access.issued_at + timedelta(seconds=ctx.settings.chat_token_ttl_s),
            )  # fmt: skip
            session.add(old)
        old.revoked_at, old.replaced_by_id = now, new_row.id
        session.flush()
        write_audit(session, actor, "chat_token.rotated", old, None, {"replaced_by": new_row.id})
    return new_token, new_row


# --- API tokens ----------------------------------------------------------------------------


def list_api_tokens(session: Session, user_id: int | None = None) -> list[ApiToken]:
    """Tokens (newest first), of one user or of everyone; the hashes are never returned."""
    stmt = select(ApiToken).order_by(ApiToken.id.desc())
    if user_id is not None:
        stmt = stmt.where(ApiToken.user_id == user_id)
    return list(session.scalars(stmt).all())


def revoke_api_token(ctx: ActionContext, actor: Actor, token_id: int) -> ApiToken:
    """Revoke an integration token (its owner or an admin); revoking twice changes nothing."""
    with ctx.sessions.begin() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"No API token with id {token_id}.")
        _may_manage(actor, row.user_id)
        if row.revoked_at is None:
            row.revoked_at = ctx.now()
            write_audit(
                session,
                actor,
                "api_token.revoked",
                row,
                None,
                {"revoked_at": row.revoked_at.isoformat()},
            )
    return row


def touch_session(ctx: ActionContext, session_id: int, last_seen: datetime | None) -> None:
    """Record that a session was used now (at most once a minute)."""
    now = ctx.now()
    if last_seen is not None and now - last_seen < _TOUCH_EVERY:
        return
    with ctx.sessions.begin() as session:
        session.execute(
            update(UserSession).where(UserSession.id == session_id).values(last_seen_at=now)
        )


def touch_api_token(ctx: ActionContext, token_id: int, last_used: datetime | None) -> None:
    """Record that a token was used now (at most once a minute, so reads stay reads)."""
    now = ctx.now()
    if last_used is not None and now - last_used < _TOUCH_EVERY:
        return
    with ctx.sessions.begin() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
