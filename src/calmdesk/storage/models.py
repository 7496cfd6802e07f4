"""Every table, importable from one place (Alembic's env.py and the repositories use this)."""

from __future__ import annotations

from calmdesk.storage.audit import AuditEntry
from calmdesk.storage.base import Base
from calmdesk.storage.desk import (
    Assignment,
    ConversationSla,
    ConversationTag,
    DeskAgent,
    Macro,
    P15Case,
    SlaOutcome,
    SlaPolicy,
    TeamSettings,
)
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

__all__ = [
    "ActionTaken",
    "ApiToken",
    "Assignment",
    "AuditEntry",
    "Base",
    "Commitment",
    "Conversation",
    "ConversationSla",
    "ConversationTag",
    "Customer",
    "DeskAgent",
    "Escalation",
    "FollowUp",
    "ImportCheckpoint",
    "Macro",
    "Note",
    "P15Case",
    "RuleFiring",
    "SlaOutcome",
    "SlaPolicy",
    "Team",
    "TeamSettings",
    "Timer",
    "Turn",
    "User",
]
