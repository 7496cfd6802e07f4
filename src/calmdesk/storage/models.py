"""Every table, importable from one place (Alembic's env.py and the repositories use this)."""

from __future__ import annotations

from calmdesk.storage.audit import AuditEntry
from calmdesk.storage.base import Base
from calmdesk.storage.cases import ResolutionCase, ResolutionStep
from calmdesk.storage.desk import (
    Assignment,
    ConversationSla,
    ConversationTag,
    DeskAgent,
    Macro,
    SlaOutcome,
    SlaPolicy,
    TeamSettings,
)
from calmdesk.storage.desk_admin import DeskOverride
from calmdesk.storage.intake import EmailMessage, MailboxState, TurnChannel
from calmdesk.storage.kb import BotTeamSetting, KbArticle, KbArticleVersion, KbEditor
from calmdesk.storage.people import ApiToken, Customer, Team, User
from calmdesk.storage.practice import (
    PracticeAssignment,
    PracticeComment,
    PracticeScenario,
    PracticeSession,
)
from calmdesk.storage.qa import CsatSurvey, QaFailure, QaOverride, QaResponse, QaScorecard
from calmdesk.storage.qa_rollups import (
    QaDaily,
    QaDailyEscalation,
    QaDailyFailure,
    QaDailyVolume,
    QaRollupState,
)
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
    "Assignment",
    "AuditEntry",
    "Base",
    "BotTeamSetting",
    "ChatToken",
    "Commitment",
    "Conversation",
    "CsatSurvey",
    "Customer",
    "EmailMessage",
    "Escalation",
    "FollowUp",
    "ImportCheckpoint",
    "KbArticle",
    "KbArticleVersion",
    "KbEditor",
    "MailboxState",
    "Note",
    "PracticeAssignment",
    "PracticeComment",
    "PracticeScenario",
    "PracticeSession",
    "ResolutionCase",
    "ResolutionStep",
    "QaDaily",
    "QaDailyEscalation",
    "QaDailyFailure",
    "QaDailyVolume",
    "QaFailure",
    "QaOverride",
    "QaResponse",
    "QaRollupState",
    "QaScorecard",
    "LoginFailure",
    "Note",
    "RateCounter",
    "ConversationSla",
    "ConversationTag",
    "DeskAgent",
    "DeskOverride",
    "Macro",
    "RuleFiring",
    "SlaOutcome",
    "SlaPolicy",
    "Team",
    "TeamPolicy",
    "TeamSettings",
    "Timer",
    "Turn",
    "TurnChannel",
    "User",
    "UserSession",
]
