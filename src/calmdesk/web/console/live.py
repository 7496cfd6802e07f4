"""The live channel of one conversation over a websocket, for agents (here) and customers (widget).

`pump` is shared: subscribe first, replay the stored turns after the client's last seen id, then
forward live events through a `Cursor` so nothing is lost or sent twice, while reading what the
client sends (typing, and for customers their messages). Only one task writes to the socket.

Sockets are authenticated like pages (session cookie, or the chat token for customers) and must
come from this site's own pages (the Origin header), so another site cannot open them.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import anyio
import anyio.abc
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.domain.errors import CalmdeskError
from calmdesk.storage.engine import SessionFactory
from calmdesk.storage.records import Turn
from calmdesk.web import access, auth
from calmdesk.web.deps import StaffPrincipal, staff_from_cookie
from calmdesk.web.realtime import Cursor, Event, Hub, Subscription
from calmdesk.web.turn_feed import turn_events

__all__ = [
    "CLOSE_FORBIDDEN",
    "CLOSE_LAGGED",
    "CLOSE_UNAUTHORISED",
    "Handler",
    "pump",
    "replay_events",
    "router",
    "same_origin",
    "typing_relay",
]

router = APIRouter()
log = logging.getLogger("calmdesk.web.live")

CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403  # the case changed hands and this person may no longer watch it
CLOSE_LAGGED = 4000
_MAX_FRAME = 64_000
_TYPING_EVERY_S = 1.0

Handler = Callable[[dict[str, Any], Subscription], Awaitable[None]]


def same_origin(ws: WebSocket) -> bool:
    """True when the socket was opened by a page of this site (browsers always send Origin)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: the cookie or token still has to be valid
    host = ws.headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")


def replay_events(session: Session, conversation_id: int, after: int) -> list[Event]:
    """The stored turns after `after`, as customer-safe message events (no analysis)."""
    stmt = select(Turn.id).where(Turn.conversation_id == conversation_id, Turn.id > after)
    return turn_events(session, list(session.scalars(stmt).all()))


def _replay(sessions: SessionFactory, conversation_id: int, after: int) -> list[Event]:
    with sessions() as session:
        return replay_events(session, conversation_id, after)


async def pump(
    ws: WebSocket,
    conversation_id: int,
    after: int,
    handle: Handler,
    visible: Callable[[Event], bool] = lambda _e: True,
    worker: Callable[[Subscription], Awaitable[None]] | None = None,
    still_allowed: Callable[[], bool] | None = None,
    who: str = "",
) -> None:
    """Run one accepted socket until either side closes it (with `worker`, a third task that
    lives as long as the socket, e.g. storing the customer's messages in order).

    `still_allowed` is asked again before every event sent and every frame handled: once the
    session, chat token or visibility is gone, the socket is closed (4401) and gets nothing more.
    When the case changes hands (an `access` event) and the watcher lost it, they are told once
    (`{"type": "access", "lost": true}`) and the socket closes with CLOSE_FORBIDDEN. `who` is the
    watcher's name for the presence list."""
    hub: Hub = ws.app.state.hub
    after = min(max(0, after), 2_147_483_647)  # a huge `after` must not reach the database
    sub = hub.subscribe(str(conversation_id), who)
    sessions = ws.app.state.actions.sessions
    try:
        cursor = Cursor(after)
        replayed = await run_in_threadpool(_replay, sessions, conversation_id, after)
        for event in cursor.filter(replayed):
            await ws.send_json(event.to_json())
        async with anyio.create_task_group() as group:
            guard = _Guard(ws, still_allowed)
            group.start_soon(_until_done, group, _forward(ws, sub, cursor, visible, guard))
            group.start_soon(_until_done, group, _receive(ws, sub, handle, guard))
            if worker is not None:
                group.start_soon(_until_done, group, worker(sub))
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)


async def _until_done(group: anyio.abc.TaskGroup, work: Awaitable[None]) -> None:
    """Run one side of the socket; when it ends, for whatever reason, end the other side too."""
    try:
        await work
    except (WebSocketDisconnect, OSError, anyio.ClosedResourceError, anyio.BrokenResourceError):
        pass  # the peer went away: normal for a chat
    except Exception as err:  # noqa: BLE001 - one broken socket must not take the server down
        log.warning("live channel failed: %r", err)
    finally:
        group.cancel_scope.cancel()


class _Guard:
    """Re-checks access (in a worker thread); closes the socket once it is gone."""

    def __init__(self, ws: WebSocket, check: Callable[[], bool] | None) -> None:
        self.ws, self.check, self.closed = ws, check, False

    async def ok(self) -> bool:
        if self.closed:
            return False
        if self.check is None or await run_in_threadpool(self.check):
            return True
        self.closed = True
        await self.ws.close(code=CLOSE_UNAUTHORISED)
        return False

    async def still_holds(self) -> bool:
        """Whether the watcher still has the case after it changed hands (no closing here)."""
        if self.closed or self.check is None:
            return not self.closed
        if await run_in_threadpool(self.check):
            return True
        self.closed = True
        return False


async def _forward(
    ws: WebSocket, sub: Subscription, cursor: Cursor, visible: Callable[[Event], bool],
    guard: _Guard,
) -> None:  # fmt: skip
    while (event := await sub.next()) is not None:
        if event.kind == "access" and not await guard.still_holds():
            await ws.send_json({"type": "access", "lost": True})
            await ws.close(code=CLOSE_FORBIDDEN)
            return
        if not visible(event):
            continue
        if not await guard.ok():
            return
        if cursor.accept(event):
            await ws.send_json(event.to_json())
    if sub.lagged:
        await ws.close(code=CLOSE_LAGGED)


async def _receive(ws: WebSocket, sub: Subscription, handle: Handler, guard: _Guard) -> None:
    try:
        while True:
            raw = await ws.receive_text()
            if not await guard.ok():
                return
            frame = _parse(raw)
            if frame is None:
                sub.deliver(_error(sub, "E103", "Send JSON objects with a `type`."))
                continue
            await handle(frame, sub)
    except WebSocketDisconnect:
        return


def _parse(raw: str) -> dict[str, Any] | None:
    if len(raw) > _MAX_FRAME:
        return None
    try:
        frame = json.loads(raw)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) and isinstance(frame.get("type"), str) else None


def _error(sub: Subscription, code: str, message: str) -> Event:
    return Event("error", sub.conversation_id, {"code": code, "message": message})


def typing_relay(
    hub: Hub, role: str, name: str = "", user_id: int | None = None
) -> Callable[[Subscription], None]:
    """Publish `typing` for a subscriber at most once a second (staff: with their name and id,
    so a second agent drafting in the same case is warned)."""
    last = 0.0

    def relay(sub: Subscription) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= _TYPING_EVERY_S:
            last = now
            data: dict[str, Any] = {"role": role, "at": datetime.now(UTC).isoformat()}
            if name:
                data |= {"name": name, "user": str(user_id)}
            hub.publish(Event("typing", sub.conversation_id, data, sender=sub.id))

    return relay


def _staff_from_cookie(ws: WebSocket) -> StaffPrincipal | None:
    ctx = ws.app.state.actions
    with ctx.sessions() as session:
        found = staff_from_cookie(
            ctx.settings, session, ws.cookies.get(auth.SESSION_COOKIE), ctx.now()
        )
        session.commit()
    return found[0] if found else None


def _may_watch(ws: WebSocket, user: StaffPrincipal, conversation_id: int) -> bool:
    with ws.app.state.actions.sessions() as session:
        try:
            access.conversation_for(session, user, conversation_id)
        except CalmdeskError:
            return False
    return True


@router.websocket("/console/conversations/{conversation_id}/ws")
async def agent_socket(ws: WebSocket, conversation_id: int, after: int = 0) -> None:
    """New turns and typing for an agent watching a conversation; the agent may send typing."""
    user = await run_in_threadpool(_staff_from_cookie, ws) if same_origin(ws) else None
    if user is None or not await run_in_threadpool(_may_watch, ws, user, conversation_id):
        await ws.close(code=CLOSE_UNAUTHORISED)
        return
    await ws.accept()
    hub: Hub = ws.app.state.hub
    relay = typing_relay(hub, "agent", user.display_name, user.user_id)

    async def handle(frame: dict[str, Any], sub: Subscription) -> None:
        if frame["type"] == "typing":
            relay(sub)

    def still_allowed() -> bool:
        now_user = _staff_from_cookie(ws)
        return now_user is not None and _may_watch(ws, now_user, conversation_id)

    channel = str(conversation_id)
    hub.publish(Event("presence", channel, {"viewers": [*hub.viewers(channel), user.display_name]}))
    try:
        await pump(
            ws, conversation_id, max(0, after), handle, still_allowed=still_allowed,
            who=user.display_name,
        )  # fmt: skip
    finally:
        hub.publish(Event("presence", channel, {"viewers": hub.viewers(channel)}))
