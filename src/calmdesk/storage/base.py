"""The declarative base with stable constraint names (Alembic needs them to alter SQLite tables)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from calmdesk.storage.types import JSONType, UTCDateTime, utcnow

__all__ = ["Base", "CreatedAt", "enum_column"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: a short string with a CHECK constraint over the member values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class CreatedAt:
    """Mixin: `created_at`, set once when the row is inserted."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
