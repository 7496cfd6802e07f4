"""What a transaction wrote with plain SQL statements, for the hooks that watch its flushes.

The live feeds (`web.turn_feed`, `web.desk_feed`) collect new turns and changed cases from the
ORM's flushes into `session.info` and publish them once the transaction commits (nothing for one
that rolls back). A write made with SQLAlchemy Core statements instead of the unit of work (a
posted customer turn, `actions.customer_post`) has no flush to collect from: it notes what it
wrote here, under the same keys, and the feeds publish it exactly as if it had been flushed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

__all__ = ["DESK_CHANGES", "NEW_TURNS", "desk_changes", "note_desk_change", "note_new_turn"]

NEW_TURNS = "calmdesk.new_turns"
"""`session.info` key: {turn id: conversation id} of the turns this transaction stored."""
DESK_CHANGES = "calmdesk.desk_changes"
"""`session.info` key: {"queue": something in the queue changed, "moved": conversation ids
whose hands changed}."""


def desk_changes(session: Session) -> dict[str, Any]:
    """This transaction's desk changes so far (created empty)."""
    found: dict[str, Any] = session.info.setdefault(DESK_CHANGES, {"queue": False, "moved": set()})
    return found


def note_new_turn(session: Session, turn_id: int, conversation_id: int) -> None:
    """A turn stored without a flush: the turn feed publishes it after the commit."""
    session.info.setdefault(NEW_TURNS, {})[turn_id] = conversation_id


def note_desk_change(session: Session) -> None:
    """A case, turn or SLA clock changed without a flush: open queues are told after the commit."""
    desk_changes(session)["queue"] = True
