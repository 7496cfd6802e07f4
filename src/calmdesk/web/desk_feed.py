"""Live desk updates: after a commit, tell watchers of a case that its hands changed, and tell
every open queue and supervisor board that something in the queue moved.

Hooked on the app's session factory like the turn feed, so changes made anywhere (the console,
the API, a rule firing on a chat message, a job) are told. Nothing is read from the database here:
the events carry only ids, and each socket re-checks its own access.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from calmdesk.storage.desk import Assignment, ConversationSla, ConversationTag
from calmdesk.storage.engine import SessionFactory
from calmdesk.storage.records import Conversation, Turn
from calmdesk.storage.session_notes import DESK_CHANGES, desk_changes
from calmdesk.web.realtime import Event, Hub

__all__ = ["DESK_CHANNEL", "install_desk_feed"]

DESK_CHANNEL = "desk"
_KEY = DESK_CHANGES  # actions that write without a flush note their changes there too
_WATCHED = (Conversation, Turn, Assignment, ConversationSla, ConversationTag)


def install_desk_feed(sessions: SessionFactory, hub: Hub) -> None:
    def collect(session: Session, _context: Any) -> None:
        changes = desk_changes(session)
        for obj in (*session.new, *session.dirty):
            if isinstance(obj, _WATCHED):
                changes["queue"] = True
            if isinstance(obj, Assignment) and obj.conversation_id is not None:
                changes["moved"].add(int(obj.conversation_id))

    def publish(session: Session) -> None:
        changes = session.info.pop(_KEY, None)
        if not changes:
            return
        for conversation_id in sorted(changes["moved"]):
            hub.publish(Event("access", str(conversation_id), {"changed": True}))
        if changes["queue"]:
            hub.publish(Event("queue", DESK_CHANNEL, {}))

    def forget(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(sessions, "after_flush", collect)
    event.listen(sessions, "after_commit", publish)
    event.listen(sessions, "after_rollback", forget)
