"""The conversation intelligence: pure functions over domain objects (no database, no web).

Public entry points read customers in context (`analyze_conversation`, `analyze_many`,
`analyze_text`); the rule layer (`find_abuse`, `find_mentions`, `guess_cause`, `read_tone`),
text cleaning and the scorer registry are exported for reuse and tests. The encoder, heads and
reply review live in their own modules (`analysis.encoder`, `analysis.heads`, `analysis.reply`).
"""

from calmdesk.analysis import customer as _customer  # noqa: F401  (registers the scorers)
from calmdesk.analysis.cause import CauseGuess, guess_cause
from calmdesk.analysis.context import HeadRow, TurnContext
from calmdesk.analysis.customer import UPSET_AT, customer_signals
from calmdesk.analysis.mentions import Mentions, find_mentions
from calmdesk.analysis.patterns import AbuseFindings, find_abuse
from calmdesk.analysis.pipeline import analyze_conversation, analyze_many, analyze_text
from calmdesk.analysis.registry import Scorer, scorer, scorers
from calmdesk.analysis.scoring import Models, Scored, default_models
from calmdesk.analysis.text import CleanText, clean_text
from calmdesk.analysis.tone import Tone, read_tone
from calmdesk.analysis.trend import ANGRY_AT, Outlook, outlook
from calmdesk.analysis.wire import analysis_record, conversation_from_json, parse_line

__all__ = [
    "ANGRY_AT",
    "UPSET_AT",
    "AbuseFindings",
    "CauseGuess",
    "CleanText",
    "HeadRow",
    "Mentions",
    "Models",
    "Outlook",
    "Scored",
    "Scorer",
    "Tone",
    "TurnContext",
    "analysis_record",
    "analyze_conversation",
    "analyze_many",
    "analyze_text",
    "clean_text",
    "conversation_from_json",
    "customer_signals",
    "default_models",
    "find_abuse",
    "find_mentions",
    "guess_cause",
    "outlook",
    "parse_line",
    "read_tone",
    "scorer",
    "scorers",
]
