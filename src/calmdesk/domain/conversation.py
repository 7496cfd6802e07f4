"""Conversations as the analysis sees them: who said what, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = ["Conversation", "Role", "Turn"]


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"


@dataclass(frozen=True, slots=True)
class Turn:
    """One message. `at` is an aware datetime when known."""

    role: Role
    text: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    turns: tuple[Turn, ...] = field(default_factory=tuple)

    def customer_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role is Role.CUSTOMER]
