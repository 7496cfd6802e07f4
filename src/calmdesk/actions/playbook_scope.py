"""Which saved playbook the reviews of the current call use.

`actions.turns` looks up a team's (or the desk's) saved playbook once per write and runs the
analysis inside `using_playbook(book)`; `ActionContext.review` reads it back with
`current_playbook()`. Kept apart from `desk_overrides` (which saves and looks the overrides up) so
that the context does not import the module that imports the context."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from calmdesk.analysis.reply.playbook import Playbook

__all__ = ["current_playbook", "using_playbook"]

_current: ContextVar[Playbook | None] = ContextVar("calmdesk_playbook", default=None)


@contextlib.contextmanager
def using_playbook(book: Playbook | None) -> Iterator[None]:
    """Reviews inside this block use `book` (a team's or the desk's saved playbook)."""
    token = _current.set(book)
    try:
        yield
    finally:
        _current.reset(token)


def current_playbook() -> Playbook | None:
    """The playbook `using_playbook` set for this call, if any."""
    return _current.get()
