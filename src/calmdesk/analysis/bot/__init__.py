"""The FAQ bot: answer from the knowledge base or hand over to a person (issue 14, T2)."""

from calmdesk.analysis.bot.decide import REASONS_ALL, BotReply, BotSettings, ScopeCheck, decide
from calmdesk.analysis.bot.summary import handoff_summary, mood
from calmdesk.analysis.bot.triggers import handoff_trigger

__all__ = [
    "REASONS_ALL",
    "BotReply",
    "BotSettings",
    "ScopeCheck",
    "decide",
    "handoff_summary",
    "handoff_trigger",
    "mood",
]
