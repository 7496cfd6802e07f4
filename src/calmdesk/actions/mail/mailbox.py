"""Where each fetched mailbox was read up to (its UIDVALIDITY and last stored UID)."""

from __future__ import annotations

from calmdesk.actions.context import ActionContext
from calmdesk.storage.intake import MailboxState

__all__ = ["mailbox_position", "save_mailbox_position"]


def mailbox_position(ctx: ActionContext, key: str, uidvalidity: int) -> int:
    """The last UID stored from mailbox `key` (0 when new or when its UIDVALIDITY changed)."""
    with ctx.sessions() as session:
        state = session.get(MailboxState, key)
        if state is None or state.uidvalidity != uidvalidity:
            return 0
        return state.last_uid


def save_mailbox_position(ctx: ActionContext, key: str, uidvalidity: int, uid: int) -> None:
    with ctx.sessions.begin() as session:
        state = session.get(MailboxState, key)
        if state is None:
            session.add(MailboxState(key=key, uidvalidity=uidvalidity, last_uid=uid,
                                     updated_at=ctx.now()))  # fmt: skip
            return
        if state.uidvalidity != uidvalidity:
            state.uidvalidity, state.last_uid = uidvalidity, 0
        state.last_uid, state.updated_at = max(state.last_uid, uid), ctx.now()
