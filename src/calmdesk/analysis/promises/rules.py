"""The local times that words such as "tonight" stand for, and a team's business days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

__all__ = ["DueRules"]


@dataclass(frozen=True, slots=True)
class DueRules:
    """Local times that words stand for, and which weekdays are business days."""

    end_of_day: time = time(17, 0)
    morning: time = time(9, 0)
    noon: time = time(12, 0)
    afternoon: time = time(14, 0)
    evening: time = time(19, 0)
    tonight: time = time(21, 0)
    business_days: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
