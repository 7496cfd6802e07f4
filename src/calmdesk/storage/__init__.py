"""Storage: SQLAlchemy tables, durable engines and sessions, queries, and packaged migrations.

Only `actions/` writes through these; the web and jobs read through `storage.queries`.
"""

from calmdesk.storage.audit import AuditEntry, AuditImmutable
from calmdesk.storage.engine import (
    SessionFactory,
    check_durability,
    make_engine,
    make_session_factory,
)
from calmdesk.storage.enums import (
    AuthorRole,
    Channel,
    CommitmentStatus,
    ConversationStatus,
    CustomerStanding,
    Priority,
    TimerKind,
    TimerStatus,
    UserRole,
)
from calmdesk.storage.migrate import current_revision, head_revision, upgrade
from calmdesk.storage.models import (
    ActionTaken,
    ApiToken,
    Base,
    Commitment,
    Conversation,
    Customer,
    Escalation,
    FollowUp,
    ImportCheckpoint,
    Note,
    RuleFiring,
    Team,
    Timer,
    Turn,
    User,
)
from calmdesk.storage.types import UTCDateTime, utcnow

__all__ = [
    "ActionTaken",
    "ApiToken",
    "AuditEntry",
    "AuditImmutable",
    "AuthorRole",
    "Base",
    "Channel",
    "Commitment",
    "CommitmentStatus",
    "Conversation",
    "ConversationStatus",
    "Customer",
    "CustomerStanding",
    "Escalation",
    "FollowUp",
    "ImportCheckpoint",
    "Note",
    "Priority",
    "RuleFiring",
    "SessionFactory",
    "Team",
    "Timer",
    "TimerKind",
    "TimerStatus",
    "Turn",
    "UTCDateTime",
    "User",
    "UserRole",
    "check_durability",
    "current_revision",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "upgrade",
    "utcnow",
]
