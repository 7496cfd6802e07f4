"""Trust tables (issue 9): server-side sessions, chat tokens, shared limits, team privacy policy.

user_sessions   one row per browser login; the cookie holds a random id whose SHA-256 is
                stored, so logging out, a password change or a deactivation revokes it
chat_tokens     a customer's access to one conversation: hashed, expiring, rotatable, revocable
rate_counters   fixed-window counters shared by every server process (rate limits)
login_failures  failed logins per account+address, for progressive delays
team_policies   per team: mask e-mails and phones in free text, retention of conversations
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import UTCDateTime

__all__ = ["ChatToken", "LoginFailure", "RateCounter", "TeamPolicy", "UserSession"]


class UserSession(CreatedAt, Base):
    """A staff member's browser session; only the SHA-256 of the cookie's id is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_reason: Mapped[str] = mapped_column(String(40), default="")
    client: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class ChatToken(CreatedAt, Base):
    """A customer's chat access to one conversation; only its SHA-256 is stored."""

    __tablename__ = "chat_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    replaced_by_id: Mapped[int | None] = mapped_column(Integer, default=None)


class RateCounter(Base):
    """Hits of one limit key in one fixed window (`window` = epoch seconds // window length)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[int] = mapped_column(BigInteger, index=True)


class LoginFailure(Base):
    """Failed logins for one key (`acct:<name>|<address>` or `addr:<address>`)."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[float] = mapped_column(Float, default=0.0)


class TeamPolicy(Base):
    """Privacy settings of a team (a team without a row uses the defaults)."""

    __tablename__ = "team_policies"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    mask_contacts: Mapped[bool] = mapped_column(default=False)
    retention_days: Mapped[int | None] = mapped_column(Integer, default=None)
    retention_mode: Mapped[str] = mapped_column(String(16), default="anonymise")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
