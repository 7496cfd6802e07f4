"""Review of an agent's draft against the playbook (P2-P14) and the draft's own signals.

Public: `review_draft(...) -> Review`, `agent_signals(...) -> AgentSignals`, the playbook loader,
and the check registry (`checks()`, `check_names()`).

The `checks` subpackage (the check functions) is imported first, so that the name `checks` of this
package is the registry function: importing a subpackage later would bind its module to that name.
"""

import calmdesk.analysis.reply.checks as _check_functions  # noqa: F401  (see above; registers them)
from calmdesk.analysis.reply.playbook import (
    Authority,
    CheckSetting,
    Playbook,
    PolicyFact,
    default_playbook,
    load_playbook,
    parse_playbook,
)
from calmdesk.analysis.reply.politeness import lexical_politeness
from calmdesk.analysis.reply.registry import CheckSpec, check_names, checks, get_check
from calmdesk.analysis.reply.review import MAX_DRAFT_CHARS, agent_signals, review_draft

__all__ = [
    "MAX_DRAFT_CHARS",
    "Authority",
    "CheckSetting",
    "CheckSpec",
    "Playbook",
    "PolicyFact",
    "agent_signals",
    "check_names",
    "checks",
    "default_playbook",
    "get_check",
    "lexical_politeness",
    "load_playbook",
    "parse_playbook",
    "review_draft",
]
