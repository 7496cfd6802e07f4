"""The customer chat: a page opened with a signed link, and its websocket.

Who the customer is comes only from the signed chat token (never from a typed name or email). The
customer sees the messages and a typing indicator, never the analysis. A message carries a client
id that becomes the turn's idempotency key, so a message re-sent after a dropped connection is
stored once; the reply to every reconnect replays what the customer has not seen yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio
import anyio.abc
from fastapi import APIRouter, Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from calmdesk.actions.bot import bot_answer
from calmdesk.actions.context import Actor
from calmdesk.actions.sessions import check_chat_token, hash_secret
from calmdesk.actions.turns import add_customer_turn
from calmdesk.domain.errors import AuthenticationRequired, CalmdeskError
from calmdesk.storage.enums import CustomerStanding
from calmdesk.storage.records import Conversation
from calmdesk.storage.types import utcnow
from calmdesk.web.console.live import (
    CLOSE_UNAUTHORISED,
    pump,
    replay_events,
    same_origin,
    typing_relay,
)
from calmdesk.web.deps import SessionDep, SettingsDep
from calmdesk.web.pages import render, team_tz
from calmdesk.web.realtime import Event, Subscription
from calmdesk.web.timefmt import clock
from calmdesk.web.turn_feed import turn_events

__all__ = ["ChatIdentity", "chat_identity", "router"]

router = APIRouter(include_in_schema=False)

_TEAM_NAME = "Customer support"
_MAX_TOKEN = 500
_CUSTOMER_SEES = frozenset({"message", "typing", "error"})
_INBOX = 32  # messages waiting to be stored before the socket stops reading


@dataclass(frozen=True, slots=True)
class ChatIdentity:
    conversation_id: int
    customer_id: int
    token_key: str = ""


def chat_identity(settings: Any, token: str, session: Session | None = None) -> ChatIdentity:
    """The conversation and customer a chat token names; AuthenticationRequired when the token
    is forged, expired or revoked (checked against the database when `session` is given)."""
    if not token or len(token) > _MAX_TOKEN:
        raise AuthenticationRequired("The chat link is not valid; ask the team for a new one.")
    if session is None:
        raise AuthenticationRequired("The chat link could not be checked; try again.")
    access = check_chat_token(session, settings, token, utcnow())
    return ChatIdentity(access.conversation_id, access.customer_id, hash_secret(token)[:24])


def _conversation(session: Session, who: ChatIdentity) -> Conversation:
    conversation = session.get(Conversation, who.conversation_id)
    if conversation is None or conversation.customer_id != who.customer_id:
        raise AuthenticationRequired("The chat link is not valid; ask the team for a new one.")
    return conversation


@router.get("/chat/{token}", response_class=HTMLResponse)
def chat_page(request: Request, token: str, settings: SettingsDep, session: SessionDep) -> Response:
    """The chat as the customer sees it: messages only, live."""
    who = chat_identity(settings, token, session)
    conversation = _conversation(session, who)
    tz = team_tz(settings)
    messages = [
        {"id": e.message_id, "role": e.data["role"], "author": e.data["author"],
         "text": e.data["text"], "at_iso": e.data["at"], "at_label": _time(e.data["at"], tz)}
        for e in replay_events(session, who.conversation_id, 0)
    ]  # fmt: skip
    blocked = conversation.customer.standing is CustomerStanding.BLOCKED
    context = {
        "user": None, "csrf_token": "", "team_name": _TEAM_NAME,
        "customer_name": conversation.customer.name, "messages": messages,
        "last_id": max((m["id"] or 0 for m in messages), default=0),
        "ws_path": f"/chat/{token}/ws", "max_chars": settings.max_text_chars,
        "blocked": "Please contact us another way." if blocked else "",
        "csat_path": f"/chat/{token}/csat" if _csat_waiting(session, who.conversation_id) else "",
    }  # fmt: skip
    return render(request, "chat.html", context)


def _csat_waiting(session: Session, conversation_id: int) -> bool:
    """The CSAT question was asked here and not answered yet (issue 12)."""
    from sqlalchemy import select

    from calmdesk.storage.qa import CsatSurvey

    query = select(CsatSurvey.answered_at).where(CsatSurvey.conversation_id == conversation_id)
    row = session.execute(query).first()
    return row is not None and row[0] is None


def _time(iso: str, tz: Any) -> str:
    return clock(datetime.fromisoformat(iso), tz)


@router.websocket("/chat/{token}/ws")
async def chat_socket(ws: WebSocket, token: str, after: int = 0) -> None:
    """Messages both ways, typing, and replay after the last message the page has shown."""
    who = await run_in_threadpool(_identify, ws, token) if same_origin(ws) else None
    if who is None:
        await ws.close(code=CLOSE_UNAUTHORISED)
        return
    await ws.accept()
    relay = typing_relay(ws.app.state.hub, "customer")
    inbox: anyio.abc.ObjectSendStream[dict[str, Any]]
    inbox, outbox = anyio.create_memory_object_stream[dict[str, Any]](_INBOX)

    async def handle(frame: dict[str, Any], sub: Subscription) -> None:
        if frame["type"] == "typing":
            relay(sub)  # at once, even while an earlier message is still being analysed
        elif frame["type"] == "message":
            await inbox.send(frame)

    async def store(sub: Subscription) -> None:
        async with outbox:
            async for frame in outbox:  # one at a time, in the order they were sent
                if not await run_in_threadpool(_chat_limit_ok, ws, who, sub):
                    continue
                await run_in_threadpool(_post_message, ws, who, frame, sub)

    def visible(event: Event) -> bool:
        return event.kind in _CUSTOMER_SEES and not (
            event.kind == "typing" and event.data.get("role") == "customer"
        )

    def still_allowed() -> bool:
        return _identify(ws, token) is not None

    async with inbox:
        await pump(ws, who.conversation_id, max(0, after), handle, visible, store, still_allowed)


def _identify(ws: WebSocket, token: str) -> ChatIdentity | None:
    try:
        with ws.app.state.actions.sessions() as session:
            who = chat_identity(ws.app.state.settings, token, session)
            _conversation(session, who)
    except CalmdeskError:
        return None
    return who


def _chat_limit_ok(ws: WebSocket, who: ChatIdentity, sub: Subscription) -> bool:
    """The chat token's rate limit, shared with its HTTP posts; an error frame when over."""
    limiter = getattr(ws.app.state, "limiter", None)
    if limiter is None:
        return True
    peer = ws.client.host if ws.client else None
    ip = ws.app.state.trusted_proxies.client(peer, ws.headers.getlist("x-forwarded-for"))
    try:
        limiter.check(route="WS /chat/{token}/ws", ip=ip, chat=who.token_key)
    except CalmdeskError as err:
        sub.deliver(Event("error", sub.conversation_id, err.to_dict()))
        return False
    return True


def _post_message(
    ws: WebSocket, who: ChatIdentity, frame: dict[str, Any], sub: Subscription
) -> None:
    """Store the customer's message once (by its client id) and tell everyone watching."""
    text, client_id = frame.get("text"), frame.get("client_id")
    ctx = ws.app.state.actions
    try:
        key = client_id if isinstance(client_id, str) and client_id else None
        posted = add_customer_turn(
            ctx, Actor.for_customer(who.customer_id), who.conversation_id, text,  # type: ignore[arg-type]
            idempotency_key=key,
        )  # fmt: skip
    except CalmdeskError as err:
        sub.deliver(Event("error", sub.conversation_id, err.to_dict()))
        return
    if not posted.created:  # a re-sent message: the live feed stays quiet, answer this socket
        with ctx.sessions() as session:
            for item in turn_events(session, [posted.turn.id]):
                sub.deliver(item)
        return
    bot_answer(ctx, who.conversation_id)  # where the team turned the bot on (issue 14)
