"""The hot read routes run on the event loop on a SQLite file, with no thread hand-over.

The chat view and the queue page are most of an integration's requests. On a SQLite file in WAL
mode a read never waits for a writer, so handing it to the thread pool (a pool thread woken, the
result handed back, a pooled connection checked out and reset) cost more CPU than much of the read
itself. These routes read on the event loop's own connection (`token_reads.LoopReader`), in a
fresh read transaction each time (a write committed in any process is seen at once), ended before
the answer is sent. PostgreSQL (a network round trip) and in-memory SQLite read in the thread pool,
in a session opened and closed there. The routes take no session dependency (FastAPI's exit stack
for a generator dependency is a noticeable part of a cheap read).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from calmdesk.storage.engine import SessionFactory
from calmdesk.web.token_reads import LoopReader

__all__ = ["on_loop", "read"]

P = ParamSpec("P")
R = TypeVar("R")


def on_loop(request: Request) -> bool:
    """Whether reads run on the event loop for this app (a SQLite file)."""
    return getattr(request.app.state, "loop_reader", None) is not None


async def read(
    request: Request,
    work: Callable[Concatenate[Session, P], R],
    *args: P.args,
    **kwargs: P.kwargs,
) -> R:
    """`work(session, ...)`: on the event loop's connection where reads may run there, else in
    the thread pool in a session of its own. `work` only reads."""
    reader: LoopReader | None = getattr(request.app.state, "loop_reader", None)
    if reader is None:
        sessions: SessionFactory = request.app.state.actions.sessions

        @functools.wraps(work)  # named as the route's work in a profile
        def in_session() -> R:
            with sessions() as session:
                return work(session, *args, **kwargs)

        return await run_in_threadpool(in_session)
    with reader.session() as session:
        return work(session, *args, **kwargs)
