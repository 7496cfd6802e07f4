"""Knowledge-base articles with their versions, who may edit them, and the bot's team settings.

An article is kept as its Markdown text (front matter included), the one source the analysis
parses; title, team and review date are copied out for listing. Every edit adds a version row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import UTCDateTime, utcnow

__all__ = ["BotTeamSetting", "KbArticle", "KbArticleVersion", "KbEditor"]


class KbArticle(CreatedAt, Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(120), default=None)
    language: Mapped[str] = mapped_column(String(12), default="en")
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    review_by: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(300), default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KbArticleVersion(CreatedAt, Base):
    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")


class KbEditor(CreatedAt, Base):
    """A user who may edit articles without being an admin (a knowledge editor)."""

    __tablename__ = "kb_editors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class BotTeamSetting(Base):
    """Whether the bot answers a team's chats before a person, and what it tells customers."""

    __tablename__ = "bot_team_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), unique=True, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_who: Mapped[str] = mapped_column(String(200), default="")
    handoff_when: Mapped[str] = mapped_column(String(200), default="")
    threshold: Mapped[float | None] = mapped_column(Float, default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
