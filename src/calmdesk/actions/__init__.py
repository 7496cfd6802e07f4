"""Use cases: every write in calmdesk goes through one of these.

Each action owns its transaction, appends an audit row (who, what, when, before, after) and hands
any timers it created to the job scheduler after commit. Entry points build one `ActionContext`
and pass an `Actor` saying who acts.
"""

from calmdesk.actions.context import (
    ActionContext,
    Actor,
    Analyzer,
    LibraryAnalyzer,
    NullScheduler,
    Scheduler,
)
from calmdesk.actions.conversations import (
    add_note,
    assign_conversation,
    open_conversation,
    record_action_taken,
    reopen_conversation,
    resolve_conversation,
)
from calmdesk.actions.escalation import escalate
from calmdesk.actions.handoff import handoff_summary
from calmdesk.actions.passwords import hash_password, verify_password
from calmdesk.actions.people import (
    authenticate,
    block_customer,
    create_api_token,
    create_customer,
    create_team,
    create_user,
    unblock_customer,
    warn_customer,
)
from calmdesk.actions.practice import (
    assign_practice,
    comment_on_practice,
    find_scenario,
    practice_reply,
    practise_case,
    replay_practice,
    start_practice,
)
from calmdesk.actions.promises import (
    complete_commitment,
    complete_follow_up,
    mark_customer_told,
    schedule_follow_up,
)
from calmdesk.actions.rules import Firing, Rule, RuleSet, evaluate, load_rules, parse_rules
from calmdesk.actions.timer_run import fire_due_timers, fire_timer
from calmdesk.actions.turns import PostedTurn, add_customer_turn, send_agent_reply

__all__ = [
    "ActionContext",
    "Actor",
    "Analyzer",
    "Firing",
    "LibraryAnalyzer",
    "NullScheduler",
    "PostedTurn",
    "Rule",
    "RuleSet",
    "Scheduler",
    "add_customer_turn",
    "add_note",
    "assign_conversation",
    "assign_practice",
    "authenticate",
    "block_customer",
    "comment_on_practice",
    "complete_commitment",
    "complete_follow_up",
    "create_api_token",
    "create_customer",
    "create_team",
    "create_user",
    "escalate",
    "evaluate",
    "find_scenario",
    "fire_due_timers",
    "fire_timer",
    "handoff_summary",
    "hash_password",
    "load_rules",
    "mark_customer_told",
    "open_conversation",
    "parse_rules",
    "practice_reply",
    "practise_case",
    "record_action_taken",
    "reopen_conversation",
    "replay_practice",
    "resolve_conversation",
    "schedule_follow_up",
    "send_agent_reply",
    "start_practice",
    "unblock_customer",
    "verify_password",
    "warn_customer",
]
