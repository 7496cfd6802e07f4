"""Role-play training on simulated difficult customers (V5, A4), scored by the same checks.

Public: the scenario library (`default_scenarios`, `load_scenarios`, `scenario_by_id`,
`parse_scenario`), `Session` (one practice conversation) and its `OUTCOMES`. Pure: no database, no
web; the trainee's replies are read by the live analysis. See docs/roleplay.md.
"""

from calmdesk.analysis.roleplay.mood import Mood, Reading
from calmdesk.analysis.roleplay.scenario import (
    Fact,
    Scenario,
    default_scenarios,
    load_scenarios,
    parse_scenario,
    scenario_by_id,
)
from calmdesk.analysis.roleplay.session import OUTCOMES, Reader, Session, Step

__all__ = [
    "OUTCOMES",
    "Fact",
    "Mood",
    "Reader",
    "Reading",
    "Scenario",
    "Session",
    "Step",
    "default_scenarios",
    "load_scenarios",
    "parse_scenario",
    "scenario_by_id",
]
