"""Team overrides of the desk's file settings, kept as data (issue 11).

desk_overrides  the escalation rules or the playbook of the whole desk (`scope` "desk") or of one
                team (`scope` "team:<id>"), as the YAML text an admin saved. The packaged files
                (or the paths in the settings) stay the defaults; a saved text is validated
                before it is stored, so a stored one always loads. `revision` grows with every
                save, so each process re-reads a changed override without a restart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from calmdesk.storage.base import Base, CreatedAt
from calmdesk.storage.types import UTCDateTime, utcnow

__all__ = ["DeskOverride"]


class DeskOverride(CreatedAt, Base):
    """One saved override: `kind` escalation_rules | playbook, for the desk or one team."""

    __tablename__ = "desk_overrides"
    __table_args__ = (UniqueConstraint("kind", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(24))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), default=None, index=True)
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
