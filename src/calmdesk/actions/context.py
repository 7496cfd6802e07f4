"""What every action needs: who acts, sessions, the analysis, the job scheduler, a clock."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from calmdesk.config import Settings
from calmdesk.domain import (
    Conversation,
    ConversationAnalysis,
    ModelUnavailable,
    PermissionDenied,
    Review,
    TurnAnalysis,
)
from calmdesk.storage import SessionFactory, User, UserRole, utcnow

if TYPE_CHECKING:
    from calmdesk.actions.rules import RuleSet

__all__ = ["ActionContext", "Actor", "Analyzer", "LibraryAnalyzer", "NullScheduler", "Scheduler"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs an action; `label` is what the audit log shows (`user:ana`, `job:reminders`)."""

    label: str
    user_id: int | None = None
    role: UserRole | None = None
    customer_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(label=f"user:{user.username}", user_id=user.id, role=user.role)

    @classmethod
    def system(cls, name: str = "calmdesk") -> Actor:
        return cls(label=f"system:{name}")

    @classmethod
    def for_customer(cls, customer_id: int) -> Actor:
        return cls(label=f"customer:{customer_id}", customer_id=customer_id)

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    def require_desk_role(self) -> None:
        """A QA analyst scores conversations and never works them (replies, claims, assigns)."""
        if self.role is UserRole.QA_ANALYST:
            raise PermissionDenied(
                "A QA analyst reads and scores conversations; replying and assigning are for "
                "agents, supervisors and admins."
            )

    def require_role(self, *roles: UserRole) -> None:
        """Raise PermissionDenied unless the actor is a user with one of `roles` (or the system)."""
        if self.label.startswith("system:"):
            return
        if self.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise PermissionDenied(f"Only a {allowed} may do that.")


class Analyzer(Protocol):
    """The conversation intelligence the actions call (the real one is `LibraryAnalyzer`)."""

    def analyze(self, conversation: Conversation) -> ConversationAnalysis: ...

    def review(self, conversation: Conversation, draft: str, now: datetime) -> Review: ...


class Scheduler(Protocol):
    """Hands timers to the job queue after the action commits (`jobs.HueyScheduler`)."""

    def schedule(self, timer_id: int, due_at: datetime) -> None: ...


class NullScheduler:
    """Schedules nothing now; the worker's periodic sweep still fires every due timer."""

    def schedule(self, timer_id: int, due_at: datetime) -> None:
        return None


class LibraryAnalyzer:
    """`calmdesk.analysis`: signals per customer turn, trend and risk; reviews of agent drafts.

    The last analyses are kept (by the conversation's exact turns), so the review of a reply does
    not analyse again the conversation its last customer turn already analysed."""

    CACHE_SIZE = 256

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._cache: OrderedDict[Conversation, ConversationAnalysis] = OrderedDict()
        self._lock = threading.Lock()

    def analyze(self, conversation: Conversation) -> ConversationAnalysis:
        from calmdesk.analysis.pipeline import analyze_conversation

        with self._lock:
            cached = self._cache.get(conversation)
            if cached is not None:
                self._cache.move_to_end(conversation)
                return cached
        analysis = analyze_conversation(conversation, self.settings)
        with self._lock:
            self._cache[conversation] = analysis
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return analysis

    def review(self, conversation: Conversation, draft: str, now: datetime) -> Review:
        from calmdesk.analysis.reply import review_draft

        try:
            history = self.analyze(conversation).turns
        except ModelUnavailable:  # the review falls back to word cues for the customer's state
            history = [TurnAnalysis(t.role, None) for t in conversation.turns]
        return review_draft(draft, conversation.turns, history, now=now, config=self._playbook())

    def _playbook(self) -> Any:
        from calmdesk.actions.playbook_scope import current_playbook

        saved = current_playbook()  # the team's or the desk's saved playbook, if any
        if saved is not None:
            return saved
        if self.settings.playbook_path is None:
            return None
        from calmdesk.analysis.reply import load_playbook

        return load_playbook(self.settings.playbook_path)


@dataclass
class ActionContext:
    """Passed to every action by the entry point (web app, worker, CLI, tests)."""

    sessions: SessionFactory
    settings: Settings = field(default_factory=Settings)
    analyzer: Analyzer | None = None
    scheduler: Scheduler = field(default_factory=NullScheduler)
    clock: Callable[[], datetime] = utcnow
    _rules: RuleSet | None = None

    def __post_init__(self) -> None:
        if self.analyzer is None:
            self.analyzer = LibraryAnalyzer(self.settings)

    @property
    def analysis(self) -> Analyzer:
        assert self.analyzer is not None
        return self.analyzer

    @property
    def rules(self) -> RuleSet:
        """The escalation rules from `Settings.escalation_rules_path` or the packaged defaults."""
        if self._rules is None:
            from calmdesk.actions.rules import load_rules

            self._rules = load_rules(self.settings.escalation_rules_path)
        return self._rules

    def now(self) -> datetime:
        return self.clock()
