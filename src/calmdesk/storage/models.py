"""Every table, importable from one place (Alembic's env.py and the repositories use this)."""

from __future__ import annotations

from calmdesk.storage.audit import AuditEntry
from calmdesk.storage.base import Base
from calmdesk.storage.intake import EmailMessage, MailboxState, TurnChannel
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
    "AuditEntry",
    "Base",
    "Commitment",
    "Conversation",
    "Customer",
    "EmailMessage",
    "Escalation",
    "FollowUp",
    "ImportCheckpoint",
    "MailboxState",
    "Note",
    "RuleFiring",
    "Team",
    "Timer",
    "Turn",
    "TurnChannel",
    "User",
]
