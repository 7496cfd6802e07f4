"""Durable timers behind the jobs, and import checkpoints.

A timer fires at most once: a worker claims it with a conditional UPDATE on its status, so a
retry, a second worker or a restart cannot fire it twice.
`key` is unique, so scheduling is idempotent too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt, enum_column
from calmdesk.storage.enums import TimerKind, TimerStatus
from calmdesk.storage.types import UTCDateTime, utcnow

__all__ = ["ImportCheckpoint", "Timer"]


class Timer(CreatedAt, Base):
    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[TimerKind] = mapped_column(enum_column(TimerKind, "timer_kind"))
    target_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    status: Mapped[TimerStatus] = mapped_column(
        enum_column(TimerStatus, "timer_status"), default=TimerStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")


class ImportCheckpoint(Base):
    """How far an import of one file got, so a rerun resumes instead of starting over."""

    __tablename__ = "import_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    source_name: Mapped[str] = mapped_column(String(500))
    lines_done: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
