"""A stand-in analysis for benches that time record-keeping, not the models."""

from __future__ import annotations

from datetime import datetime

from calmdesk.domain import (
    AgentSignals,
    Conversation,
    ConversationAnalysis,
    CustomerSignals,
    Review,
    Role,
    Trend,
    TurnAnalysis,
)


class FixedSignals:
    """Neutral signals for every customer turn; replies get the real review or a fixed one."""

    def __init__(self, real_review: bool = False) -> None:
        self.real_review = real_review

    def analyze(self, conversation: Conversation) -> ConversationAnalysis:
        turns = [
            TurnAnalysis(t.role, _neutral() if t.role is Role.CUSTOMER else AgentSignals(0.8))
            for t in conversation.turns
        ]
        return ConversationAnalysis(conversation.id, turns, Trend.STEADY, 0.2, [])

    def review(self, conversation: Conversation, draft: str, now: datetime) -> Review:
        if not self.real_review:
            return Review(80, [], 0.5, 0.5, 0.8, 0.0, 0.5)
        from calmdesk.analysis.reply import review_draft

        return review_draft(draft, conversation.turns, self.analyze(conversation).turns, now=now)


def _neutral() -> CustomerSignals:
    return CustomerSignals(0.2, 0.1, 0.0, 0.2, 0.1, 0.6, {"neutral": 1.0})
