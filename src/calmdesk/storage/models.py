"""Every table, importable from one place (Alembic's env.py and the repositories use this)."""

from __future__ import annotations

from calmdesk.storage.audit import AuditEntry
from calmdesk.storage.base import Base
from calmdesk.storage.people import ApiToken, Customer, Team, User
from calmdesk.storage.records import (
    ActionTaken,
    Commitment,
    Conversation,
    Escalation,
    FollowUp,
    Note,
    RuleFiring,
    Turn,
)
from calmdesk.storage.timers import ImportCheckpoint, Timer
from calmdesk.storage.trust import ChatToken, LoginFailure, RateCounter, TeamPolicy, UserSession

__all__ = [
    "ActionTaken",
    "ApiToken",
    "AuditEntry",
    "Base",
    "ChatToken",
    "Commitment",
    "Conversation",
    "Customer",
    "Escalation",
    "FollowUp",
    "ImportCheckpoint",
    "LoginFailure",
    "Note",
    "RateCounter",
    "RuleFiring",
    "Team",
    "TeamPolicy",
    "Timer",
    "Turn",
    "User",
    "UserSession",
]
