"""The desk in the console: claim, assign, hand back, tags, search, presence, and the live queue.

Forms work with htmx (the sidebar is re-rendered in place) and without it (a redirect back).
A refused action is shown beside the form, in the sidebar, with its reason.
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions import assignment, macros, tags
from calmdesk.domain.errors import CalmdeskError, InputError
from calmdesk.web import access
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.case_view import case_view
from calmdesk.web.console.desk_view import DESK_VIEWS, QUEUE_SORTS, desk_queue, macros_for
from calmdesk.web.console.live import CLOSE_UNAUTHORISED, _staff_from_cookie, same_origin
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.desk_feed import DESK_CHANNEL
from calmdesk.web.desk_search import run_search
from calmdesk.web.errors import status_for
from calmdesk.web.pages import is_htmx, render, team_tz
from calmdesk.web.realtime import Hub

__all__ = ["queue_context", "router"]

router = APIRouter(prefix="/console", include_in_schema=False)

Short = Annotated[str, Form(max_length=2_000)]


def queue_context(
    session: SessionDep, user: StaffPrincipal, actions: ActionsDep, view: str, sort: str, tag: str
) -> dict[str, object]:
    """Everything the queue page and its live-refreshed table need."""
    view = view if view in dict(DESK_VIEWS) else "active"
    sort = sort if sort in dict(QUEUE_SORTS) else "urgent"
    tag = tag.strip().lower()[:40]
    rows, counts = desk_queue(session, user, view, sort, tag, actions.now())
    session.commit()
    return page_context(
        user, nav="queue", rows=rows, view=view, sort=sort, tag=tag, filters=DESK_VIEWS,
        sorts=QUEUE_SORTS, counts=counts,
    )  # fmt: skip


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows_partial(
    request: Request, user: ConsoleUser, session: SessionDep, actions: ActionsDep,
    view: str = "active", sort: str = "urgent", tag: str = "",
) -> Response:  # fmt: skip
    """The queue table alone: what the live queue swaps in when something moved."""
    context = queue_context(session, user, actions, view, sort, tag)
    return render(request, "_partials/queue_table.html", context)


def _sidebar(
    request: Request, user: StaffPrincipal, session: SessionDep, actions: ActionsDep,
    settings: SettingsDep, conversation_id: int, flash: str, kind: str = "ok", where: str = "",
) -> Response:  # fmt: skip
    if not is_htmx(request):
        return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)
    session.expire_all()
    convo = case_view(session, user, conversation_id, team_tz(settings), actions.now())
    session.commit()
    context = page_context(user, convo=convo, flash=flash, flash_kind=kind, flash_where=where)
    return render(request, "_partials/insight.html", context)


def _act(
    request: Request, user: StaffPrincipal, session: SessionDep, actions: ActionsDep,
    settings: SettingsDep, conversation_id: int, done: str, do: object, where: str = "desk-actions",
) -> Response:  # fmt: skip
    """Run one action; a refusal is shown in the sidebar beside the forms, not instead of it."""
    try:
        access.conversation_for(session, user, conversation_id)
        assert callable(do)
        do()
    except CalmdeskError as err:
        if not is_htmx(request):
            raise
        answer = _sidebar(
            request, user, session, actions, settings, conversation_id, err.message, "bad", where
        )
        answer.status_code = status_for(err)  # htmx swaps 4xx answers in too
        return answer
    return _sidebar(request, user, session, actions, settings, conversation_id, done)


@router.post("/conversations/{conversation_id}/claim", response_class=HTMLResponse)
def claim(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    def do() -> None:
        assignment.claim(actions, user.acting(), conversation_id)

    return _act(request, user, session, actions, settings, conversation_id, "It is yours now.", do)


@router.post("/conversations/{conversation_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep,
    target: Annotated[str, Form(max_length=40)] = "", reason: Short = "",
) -> Response:  # fmt: skip
    """`target` is `user:<id>` or `team:<id>`."""

    def do() -> None:
        kind, _, ident = target.partition(":")
        if kind not in ("user", "team") or not ident.isdigit() or len(ident) > 9:
            raise InputError("Choose a person or a team to assign the case to.")
        who = {"user_id": int(ident)} if kind == "user" else {"team_id": int(ident)}
        assignment.assign(actions, user.acting(), conversation_id, reason=reason, **who)

    return _act(request, user, session, actions, settings, conversation_id, "Assigned.", do,
                "assign")  # fmt: skip


@router.post("/conversations/{conversation_id}/hand-back", response_class=HTMLResponse)
def hand_back(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, reason: Short = "",
) -> Response:  # fmt: skip
    def do() -> None:
        assignment.hand_back(actions, user.acting(), conversation_id, reason)

    flash = "Handed back to the team's queue."
    return _act(request, user, session, actions, settings, conversation_id, flash, do)


@router.post("/conversations/{conversation_id}/tags", response_class=HTMLResponse)
def tag(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep,
    tag: Annotated[str, Form(max_length=100)] = "",
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:  # fmt: skip
    def do() -> None:
        change = tags.remove_tag if remove else tags.add_tag
        change(actions, user.acting(), conversation_id, tag)

    flash = "Tag removed." if remove else "Tagged."
    return _act(request, user, session, actions, settings, conversation_id, flash, do, "tags")


@router.post("/presence", response_class=HTMLResponse)
def presence(
    user: ConsoleUser, actions: ActionsDep, status: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    assignment.set_presence(actions, user.acting(), user.user_id, status)
    return RedirectResponse("/console", status_code=303)


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request, user: ConsoleUser, session: SessionDep, q: str = "", tag: str = "",
) -> Response:  # fmt: skip
    """The search page: matching customers and conversations you may see."""
    hits, error = [], ""
    q, tag = q[:500], tag[:40]
    if q.strip() or tag.strip():
        try:
            hits = run_search(session, user, q, tag=tag or None, limit=50)
        except CalmdeskError as err:
            error = err.message
    context = page_context(user, nav="search", q=q, tag=tag, hits=hits, error=error)
    return render(request, "console/search.html", context)


@router.websocket("/desk/ws")
async def desk_socket(ws: WebSocket) -> None:
    """`queue` events for open queues and supervisor boards (no ids, no content: each page
    re-reads what it may see)."""
    user = await run_in_threadpool(_staff_from_cookie, ws) if same_origin(ws) else None
    if user is None:
        await ws.close(code=CLOSE_UNAUTHORISED)
        return
    await ws.accept()
    hub: Hub = ws.app.state.hub
    sub = hub.subscribe(DESK_CHANNEL)
    try:
        async with anyio.create_task_group() as group:

            async def forward() -> None:
                while (event := await sub.next()) is not None:
                    await ws.send_json(event.to_json())
                group.cancel_scope.cancel()

            async def receive() -> None:
                try:
                    while True:
                        await ws.receive_text()
                except WebSocketDisconnect:
                    pass
                group.cancel_scope.cancel()

            group.start_soon(forward)
            group.start_soon(receive)
    except (WebSocketDisconnect, OSError):
        pass
    finally:
        hub.unsubscribe(sub)


@router.post("/conversations/{conversation_id}/macro", response_class=HTMLResponse)
def use_macro(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    macro_id: Annotated[int, Form(ge=1, le=2_147_483_647)] = 0,
) -> Response:  # fmt: skip
    """A macro filled in for this case, for the reply box (reviewed there like any draft)."""
    conversation = access.conversation_for(session, user, conversation_id, read=True)
    chosen = next((m for m in macros_for(session, user) if m.id == macro_id), None)
    context = page_context(user, text="", source="", error="")
    if chosen is None:
        context["error"] = "Choose one of your team's macros."
    else:
        filled = macros.fill_macro(session, chosen, conversation, user.display_name)
        context["text"] = filled.text
        note = f"Macro “{chosen.title}”; review it before sending."
        if filled.missing:
            note += " Fill in: " + ", ".join(filled.missing) + "."
        if chosen.failed_checks:
            note += " It fails: " + ", ".join(chosen.failed_checks) + "."
        context["source"] = note
    session.commit()
    return render(request, "_partials/suggestion.html", context)


@router.get("/macros", response_class=HTMLResponse)
def macro_list(request: Request, user: ConsoleUser, session: SessionDep) -> Response:
    """Your team's macros; those failing a playbook check are flagged (to their author first)."""
    rows = macros_for(session, user)
    session.commit()
    mine = [m for m in rows if m.author_id == user.user_id and m.failed_checks]
    context = page_context(user, nav="macros", macros=rows, flagged=mine, error="", flash="")
    return render(request, "console/macros.html", context)


@router.post("/macros", response_class=HTMLResponse)
def macro_save(
    request: Request, user: ConsoleUser, session: SessionDep, actions: ActionsDep,
    title: Annotated[str, Form(max_length=200)] = "",
    body: Annotated[str, Form(max_length=8000)] = "",
) -> Response:  # fmt: skip
    error = flash = ""
    try:
        saved = macros.save_macro(
            actions, user.acting(), title=title, body=body, team_id=user.team_id
        )
        flash = "Macro saved." + (
            f" It fails {', '.join(saved.failed_checks)}: fix it before the team uses it."
            if saved.failed_checks else ""
        )  # fmt: skip
    except CalmdeskError as err:
        error = err.message
    rows = macros_for(session, user)
    session.commit()
    mine = [m for m in rows if m.author_id == user.user_id and m.failed_checks]
    context = page_context(user, nav="macros", macros=rows, flagged=mine, error=error, flash=flash)
    return render(request, "console/macros.html", context, 400 if error else 200)
