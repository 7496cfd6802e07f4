"""Test personas built through the real actions, and a plain-cue analyzer for action tests.

The personas (Zulip's hamlet and cordelia, here a calm agent, a supervisor, an angry gold-tier
customer...) exist in the database exactly as the product would create them.

`CueAnalyzer` reads a handful of plain words instead of running the trained models, so action and
rule tests say exactly which signal they rely on; replies are reviewed by the real
`calmdesk.analysis.reply.review_draft`. A `slow` test runs the real analysis end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from calmdesk.actions import (
    ActionContext,
    Actor,
    create_customer,
    create_team,
    create_user,
    open_conversation,
)
from calmdesk.config import Settings
from calmdesk.domain import (
    AgentSignals,
    Cause,
    Conversation,
    ConversationAnalysis,
    CustomerSignals,
    Mention,
    MentionKind,
    Review,
    Role,
    Span,
    Trend,
    TurnAnalysis,
)
from calmdesk.storage import Conversation as ConversationRow
from calmdesk.storage import Customer, SessionFactory, Team, User

PASSWORD = "correct horse battery"
ADMIN = Actor.system("tests")

_UPSET_CUES = ("late", "ridiculous", "worst", "angry", "!!", "never", "unacceptable", "again")
_ABUSE_CUES = ("idiot", "useless", "morons")


def _mention(text: str, kind: MentionKind, *cues: str) -> list[Mention]:
    low = text.lower()
    return [Mention(kind, Span(low.index(c), low.index(c) + len(c), c)) for c in cues if c in low][
        :1
    ]


def cue_signals(text: str) -> CustomerSignals:
    """Signals from plain cues: upset words, insults, manager requests, legal threats."""
    low = text.lower()
    upset = min(1.0, 0.1 + 0.25 * sum(c in low for c in _UPSET_CUES))
    abuse = 0.9 if any(c in low for c in _ABUSE_CUES) else 0.0
    delivery = any(w in low for w in ("order", "delivery", "parcel"))
    return CustomerSignals(
        upset=upset,
        anger=upset,
        abuse=abuse,
        complaint=upset,
        urgency=0.3,
        politeness=0.5,
        emotion={"anger": upset, "neutral": 1 - upset},
        cause=Cause.DELIVERY_DELAY if delivery else Cause.NONE,
        requests=_mention(text, MentionKind.SUPERVISOR, "manager", "supervisor"),
        threats=_mention(text, MentionKind.LEGAL, "lawyer", "sue"),
    )


class CueAnalyzer:
    """Deterministic analysis for action tests (see the module docstring)."""

    def analyze(self, conversation: Conversation) -> ConversationAnalysis:
        turns, upsets = [], []
        for turn in conversation.turns:
            if turn.role is Role.CUSTOMER:
                signals: CustomerSignals | AgentSignals = cue_signals(turn.text)
                upsets.append(signals.upset)  # type: ignore[union-attr]
            else:
                signals = AgentSignals(politeness=0.8)
            turns.append(TurnAnalysis(turn.role, signals))
        rising = len(upsets) > 1 and upsets[-1] > upsets[-2]
        risk = max(upsets[-2:], default=0.0)
        reasons = ["upset is rising"] if rising else []
        trend = Trend.HEATING if rising else Trend.STEADY
        return ConversationAnalysis(conversation.id, turns, trend, risk, reasons)

    def review(self, conversation: Conversation, draft: str, now: datetime) -> Review:
        from calmdesk.actions.playbook_scope import current_playbook
        from calmdesk.analysis.reply import review_draft

        history = self.analyze(conversation).turns  # a saved playbook applies, as in the real one
        return review_draft(draft, conversation.turns, history, now=now, config=current_playbook())


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    """A small support organisation, created through the actions."""

    ctx: ActionContext
    team: Team
    other_team: Team
    admin: User
    supervisor: User
    agent: User
    other_agent: User
    angry_customer: Customer
    calm_customer: Customer

    def actor(self, user: User) -> Actor:
        return Actor.for_user(user)

    def open(self, customer: Customer | None = None, channel: str = "chat") -> ConversationRow:
        """A conversation of `customer` (default: the angry one) in the agent's team."""
        who = customer or self.angry_customer
        return open_conversation(
            self.ctx,
            self.actor(self.agent),
            customer_id=who.id,
            channel=channel,
            team_id=self.team.id,
            subject="Order 1042",
        )


def build_world(sessions: SessionFactory, clock: FixedClock | None = None) -> World:
    """Teams, an admin, a supervisor, a calm agent, another team's agent and two customers."""
    ctx = ActionContext(sessions, Settings(), analyzer=CueAnalyzer())
    if clock is not None:
        ctx.clock = clock
    team = create_team(ctx, ADMIN, "Orders")
    other = create_team(ctx, ADMIN, "Billing")

    def user(name: str, role: str, team_id: int, limit: float = 50.0) -> User:
        return create_user(
            ctx,
            ADMIN,
            username=name,
            password=PASSWORD,
            role=role,
            display_name=name.title(),
            team_id=team_id,
            authority_limit=limit,
        )

    return World(
        ctx=ctx,
        team=team,
        other_team=other,
        admin=user("ada", "admin", team.id, 10_000),
        supervisor=user("sam", "supervisor", team.id, 1_000),
        agent=user("cal", "agent", team.id),
        other_agent=user("bea", "agent", other.id),
        angry_customer=create_customer(
            ctx,
            ADMIN,
            name="Gail Furious",
            tier="gold",
            complaints_count=3,
            bad_experiences=["late refund 2025"],
        ),
        calm_customer=create_customer(ctx, ADMIN, name="Carl Calm", external_id="crm-7"),
    )
