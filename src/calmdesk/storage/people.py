"""Teams, users with roles, API tokens and customers (with history, tier and standing)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from calmdesk.storage.base import Base, CreatedAt, enum_column
from calmdesk.storage.enums import CustomerStanding, UserRole
from calmdesk.storage.types import JSONType, UTCDateTime

__all__ = ["ApiToken", "Customer", "Team", "User"]


class Team(CreatedAt, Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class User(CreatedAt, Base):
    """A person who works in calmdesk. `authority_limit`: the largest amount they may promise."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole, "user_role"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    password_hash: Mapped[str] = mapped_column(String(400))
    authority_limit: Mapped[float] = mapped_column(Float, default=50.0)
    is_active: Mapped[bool] = mapped_column(default=True)

    team: Mapped[Team | None] = relationship(lazy="joined")


class ApiToken(CreatedAt, Base):
    """An integration token; only its SHA-256 is stored, `prefix` helps people tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    user: Mapped[User] = relationship(lazy="joined")


class Customer(CreatedAt, Base):
    """V6/C4: who the customer is, their history figures and earlier bad experiences."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    tier: Mapped[str] = mapped_column(String(40), default="standard")
    profile: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    lifetime_value: Mapped[float] = mapped_column(Float, default=0.0)
    complaints_count: Mapped[int] = mapped_column(Integer, default=0)
    contacts_count: Mapped[int] = mapped_column(Integer, default=0)
    bad_experiences: Mapped[list[str]] = mapped_column(JSONType, default=list)
    standing: Mapped[CustomerStanding] = mapped_column(
        enum_column(CustomerStanding, "customer_standing"), default=CustomerStanding.GOOD
    )
    standing_reason: Mapped[str] = mapped_column(Text, default="")
    warnings_count: Mapped[int] = mapped_column(Integer, default=0)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
