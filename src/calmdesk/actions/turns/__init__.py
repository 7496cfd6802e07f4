"""Posting turns: a customer message (analysed, rules applied) and an agent reply (reviewed).

Posting is idempotent: the same idempotency key on the same conversation returns the stored turn
and writes nothing new, even when two posts race (the unique key decides, the loser re-reads).

`customer` and `agent` write; `fresh` makes the analysis or review before the write transaction;
`stored` reads the stored turns; `posted` holds the answer and the author-scoped keys.
"""

from calmdesk.actions.turns.agent import send_agent_reply
from calmdesk.actions.turns.customer import add_customer_turn
from calmdesk.actions.turns.posted import PostedTurn, client_key, scoped_key
from calmdesk.actions.turns.stored import to_domain

__all__ = [
    "PostedTurn",
    "add_customer_turn",
    "client_key",
    "scoped_key",
    "send_agent_reply",
    "to_domain",
]
