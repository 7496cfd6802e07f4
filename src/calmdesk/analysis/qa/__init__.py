"""Conversation QA: the rubric that scores a whole conversation after it ends (T3, A4). Pure: no
database, no web, no I/O; the role-play trainer reuses it.

    card = score_conversation(conversation, analysis, playbook, facts=facts)
    card.score                      # 0-100
    card.criterion("de_escalation") # CriterionResult(status, weight, evidence, credit)

Criteria are registered by name (`criterion_names()`): one per playbook reply check (P2-P14, over
the agent turns) and the conversation criteria (de-escalation, resolution, promises, escalation,
limits before a block, follow-up, response times, repeat contact, the bot's replies). Weights come
from the playbook file's `checks:` and `qa:` sections. See docs/qa.md."""

# Imported first: importing the criteria module binds the package attribute `criteria` to it;
# the function of that name, imported from the registry below, must be what stays bound.
import calmdesk.analysis.qa.criteria as _criterion_modules  # noqa: F401  (registers them)
from calmdesk.analysis.qa.decode import analysis_from_record, review_from_json, signals_from_json
from calmdesk.analysis.qa.facts import (
    ConversationFacts,
    EscalationFact,
    PromiseFact,
    facts_from_json,
)
from calmdesk.analysis.qa.registry import CriterionSpec, criteria, criterion, criterion_names
from calmdesk.analysis.qa.score import conversation_score, score_conversation
from calmdesk.analysis.qa.scorecard import (
    CriterionResult,
    CriterionStatus,
    Evidence,
    Scorecard,
    TurnScore,
)
from calmdesk.analysis.qa.wire import QaItem, parse_qa_line, qa_item, scorecard_record
from calmdesk.analysis.qa_settings import CONVERSATION_WEIGHTS, QaSettings, parse_qa

__all__ = [
    "CONVERSATION_WEIGHTS",
    "ConversationFacts",
    "CriterionResult",
    "CriterionSpec",
    "CriterionStatus",
    "EscalationFact",
    "Evidence",
    "PromiseFact",
    "QaItem",
    "QaSettings",
    "Scorecard",
    "TurnScore",
    "analysis_from_record",
    "conversation_score",
    "criteria",
    "criterion",
    "criterion_names",
    "facts_from_json",
    "parse_qa",
    "parse_qa_line",
    "qa_item",
    "review_from_json",
    "score_conversation",
    "scorecard_record",
    "signals_from_json",
]
