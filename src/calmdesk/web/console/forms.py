"""What an agent does from the console: review a draft as it is typed, send, escalate, resolve,
set limits with an abusive customer, add notes, keep promises.

Each write calls one action from `calmdesk.actions` and then tells the conversation's live channel.
Every form also works without htmx: a plain POST is answered with a redirect back to the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from calmdesk.actions import conversations as conv_actions
from calmdesk.actions import people as people_actions
from calmdesk.actions import promises as promise_actions
from calmdesk.actions.bot import stored_facts, with_stored_facts
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.actions.desk_overrides import playbook_for
from calmdesk.actions.escalation import escalate
from calmdesk.actions.turns import send_agent_reply, to_domain
from calmdesk.analysis.kb import load_knowledge_base
from calmdesk.analysis.suggest import suggest_reply
from calmdesk.domain.errors import CalmdeskError, EmptyInput, NotFound, UnsupportedValue
from calmdesk.storage.enums import ConversationStatus
from calmdesk.web import access, queries
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.console.case_view import case_view
from calmdesk.web.console.review import review_against_stored
from calmdesk.web.console.view import review_view
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep, StaffPrincipal
from calmdesk.web.errors import status_for
from calmdesk.web.pages import is_htmx, render, team_tz
from calmdesk.web.realtime import Event

__all__ = ["actor_for", "router"]

router = APIRouter(prefix="/console", include_in_schema=False)

Text = Annotated[str, Form(max_length=100_000)]
Short = Annotated[str, Form(max_length=2_000)]


def actor_for(user: StaffPrincipal) -> Actor:
    return Actor(label=user.actor, user_id=user.user_id, role=user.role)


def _publish_status(request: Request, conversation_id: int, status: str, by: int) -> None:
    event = Event("status", str(conversation_id), {"status": status, "by": str(by)})
    request.app.state.hub.publish(event)


@router.get("/conversations/{conversation_id}/review", response_class=HTMLResponse)
@router.post("/conversations/{conversation_id}/review", response_class=HTMLResponse)
def review(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    settings: SettingsDep, actions: ActionsDep, text: Text = "",
) -> Response:  # fmt: skip
    """The coaching panel for a draft: failing checks with fixes, and the promises it would make."""
    conversation = access.conversation_for(session, user, conversation_id, read=True)
    context = page_context(user, convo_id=conversation_id, review=None, error="")
    if text.strip():
        rows = [
            t for t in queries.turns_of(session, conversation.id) if str(t.author_role) != "system"
        ]
        history = to_domain(conversation.id, rows).turns
        stored = [t.signals for t in rows]
        facts = stored_facts(session)  # the knowledge base's policy facts (P8)
        saved = playbook_for(session, settings, conversation.team_id)
        session.commit()  # the review runs without holding the database
        try:
            now = actions.now()
            result = review_against_stored(
                history, stored, text, now, settings.playbook_path, facts, saved
            )
            context["review"] = review_view(result, team_tz(settings), actions.now())
        except CalmdeskError as err:
            context["error"] = err.message
    return render(request, "_partials/review.html", context)


@router.post("/conversations/{conversation_id}/suggest", response_class=HTMLResponse)
def suggest(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep,
) -> Response:  # fmt: skip
    """A reply written by calmdesk's offline composer (or the configured model) to start from."""
    conversation = access.conversation_for(session, user, conversation_id, read=True)
    history = to_domain(conversation.id, queries.turns_of(session, conversation.id))
    context = page_context(user, text="", source="", error="")
    try:
        kb = with_stored_facts(session, load_knowledge_base(settings.knowledge_base_path))
        session.commit()
        handed_over = conversation.status is ConversationStatus.ESCALATED  # a step really taken
        suggestion = suggest_reply(
            history, None, kb=kb, now=actions.now(), config=settings, handed_over=handed_over
        )
        context["text"] = suggestion.text
        context["source"] = f"Composed {suggestion.source}; review it before sending."
    except CalmdeskError as err:
        context["error"] = err.message
    return render(request, "_partials/suggestion.html", context)


@router.post("/conversations/{conversation_id}/reply", response_class=HTMLResponse)
def reply(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, text: Text = "",
    client_id: Annotated[str, Form(max_length=200)] = "",
) -> Response:  # fmt: skip
    """Send the reply: stored with its review, its promises tracked, the customer told live.
    `client_id` (one per draft) makes a retry after a lost connection store the reply once."""
    access.conversation_for(session, user, conversation_id)
    key = client_id.strip() or None
    posted = send_agent_reply(actions, actor_for(user), conversation_id, text, idempotency_key=key)
    if not is_htmx(request):
        return _back(conversation_id)
    tz, now = team_tz(settings), actions.now()
    promises = [f"{c.action} ({_due(c.due_at, tz, now)})" for c in posted.commitments]
    message = "Sent." + (f" Promise tracked: {'; '.join(promises)}." if promises else "")
    return render(request, "_partials/flash.html", {"flash": message, "flash_kind": "ok"})


def _due(due: object, tz: object, now: object) -> str:
    from calmdesk.web.console.view import due_label

    return due_label(due, tz, now)  # type: ignore[arg-type]


def _back(conversation_id: int) -> Response:
    return RedirectResponse(f"/console/conversations/{conversation_id}", status_code=303)


def _insight(
    request: Request, user: StaffPrincipal, actions: ActionContext, settings: SettingsDep,
    conversation_id: int, flash: str, session: SessionDep, kind: str = "ok", use: str = "",
    where: str = "",
) -> Response:  # fmt: skip
    """The sidebar re-rendered after an action, with its result on top, or beside the form
    named by `where` (the id of its section: escalate, resolve, standing, notes)."""
    if not is_htmx(request):
        return _back(conversation_id)
    session.expire_all()
    try:
        convo = case_view(session, user, conversation_id, team_tz(settings), actions.now())
        session.commit()
    except NotFound:
        context = {"flash": f"{flash} The case has left your queue.", "flash_kind": "ok"}
        return render(request, "_partials/flash.html", context)
    if kind == "ok" and convo.desk is not None and convo.desk.held_notice:
        flash += " The case has left your queue; you can still read it here."
    context = page_context(
        user, convo=convo, flash=flash, flash_kind=kind, flash_use=use, flash_where=where
    )
    return render(request, "_partials/insight.html", context)


def _refused(
    request: Request, user: StaffPrincipal, actions: ActionContext, settings: SettingsDep,
    conversation_id: int, err: CalmdeskError, session: SessionDep, where: str = "",
) -> Response:  # fmt: skip
    """A refused sidebar action: its reason beside the form that was sent (`where`), the
    sidebar and its forms still there."""
    if not is_htmx(request) or not conversation_id:
        raise err
    answer = _insight(
        request,
        user,
        actions,
        settings,
        conversation_id,
        err.message,
        session,
        "bad",
        where=where,
    )
    answer.status_code = status_for(err)  # htmx swaps 4xx answers in too (base.html config)
    return answer


@router.post("/conversations/{conversation_id}/escalate", response_class=HTMLResponse)
def escalate_case(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, reason: Short = "", summary: Text = "",
    customer_message: Short = "",
) -> Response:  # fmt: skip
    """P14: tell the customer what happens next, hand over with a summary, record why."""
    access.conversation_for(session, user, conversation_id)
    actor = actor_for(user)
    try:
        if not reason.strip():
            raise EmptyInput("Say why you are handing the case over.")
        if customer_message.strip():
            send_agent_reply(actions, actor, conversation_id, customer_message)
        row = escalate(actions, actor, conversation_id, reason)
    except CalmdeskError as err:
        return _refused(request, user, actions, settings, conversation_id, err, session, "escalate")
    if summary.strip():
        conv_actions.add_note(
            actions, actor, f"Hand-off note: {summary}", conversation_id=conversation_id
        )
    _publish_status(request, conversation_id, "escalated", user.user_id)
    target = "a supervisor" if row.to_user_id else "the team"
    return _insight(
        request, user, actions, settings, conversation_id, f"Escalated to {target}.", session
    )


@router.post("/conversations/{conversation_id}/resolve", response_class=HTMLResponse)
def resolve_case(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, outcome: Text = "",
) -> Response:  # fmt: skip
    """A1/A3: record the outcome and schedule the follow-up."""
    access.conversation_for(session, user, conversation_id)
    try:
        _, follow_up = conv_actions.resolve_conversation(
            actions, actor_for(user), conversation_id, outcome
        )
    except CalmdeskError as err:
        return _refused(request, user, actions, settings, conversation_id, err, session, "resolve")
    _publish_status(request, conversation_id, "resolved", user.user_id)
    when = _due(follow_up.due_at, team_tz(settings), actions.now())
    flash = f"Resolved. Follow-up scheduled for {when}."
    return _insight(request, user, actions, settings, conversation_id, flash, session)


@router.post("/conversations/{conversation_id}/notes", response_class=HTMLResponse)
def add_note(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, text: Text = "",
) -> Response:  # fmt: skip
    access.conversation_for(session, user, conversation_id)
    try:
        conv_actions.add_note(actions, actor_for(user), text, conversation_id=conversation_id)
    except CalmdeskError as err:
        return _refused(request, user, actions, settings, conversation_id, err, session, "notes")
    return _insight(request, user, actions, settings, conversation_id, "Note added.", session)


BOUNDARY_MESSAGE = (
    "I want to help you sort this out, and I will keep working on it with you. I can't continue "
    "if the conversation includes insults, so please keep to the problem and we will fix it."
)
"""P13: what the agent says to set the boundary after warning a customer (offered, not sent)."""

_STANDING = {
    "warn": (people_actions.warn_customer, "Warning recorded."),
    "block": (people_actions.block_customer, "Customer blocked."),
    "unblock": (people_actions.unblock_customer, "Good standing restored."),
}


@router.post("/customers/{customer_id}/standing", response_class=HTMLResponse)
def set_standing(
    request: Request, customer_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, conversation_id: Annotated[int, Form()] = 0,
    action: Annotated[str, Form(max_length=20)] = "", reason: Short = "",
) -> Response:  # fmt: skip
    """P13: warn an abusive customer, or block them as a last resort, always with a reason."""
    if action not in _STANDING:
        raise UnsupportedValue("Choose warn, block or unblock.")
    access.customer_for(session, user, customer_id)
    access.conversation_for(session, user, conversation_id)
    do, flash = _STANDING[action]
    try:
        if action != "warn":
            access.require_supervisor_of(user, action)
        do(actions, actor_for(user), customer_id, reason)
    except CalmdeskError as err:
        return _refused(request, user, actions, settings, conversation_id, err, session, "standing")
    if action == "warn":
        flash += f" Tell the customer: “{BOUNDARY_MESSAGE}”"
    return _insight(request, user, actions, settings, conversation_id, flash, session,
                    use=BOUNDARY_MESSAGE if action == "warn" else "", where="standing")  # fmt: skip


@router.post("/commitments/{commitment_id}/done", response_class=HTMLResponse)
def commitment_done(
    request: Request, commitment_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, conversation_id: Annotated[int, Form()] = 0,
) -> Response:  # fmt: skip
    """A2: the promise was kept and the customer was told."""
    access.commitment_for(session, user, commitment_id)
    promise_actions.complete_commitment(actions, actor_for(user), commitment_id, customer_told=True)
    return _insight(request, user, actions, settings, conversation_id, "Promise kept.", session)


@router.post("/follow-ups/{follow_up_id}/done", response_class=HTMLResponse)
def follow_up_done(
    request: Request, follow_up_id: int, user: ConsoleUser, session: SessionDep,
    actions: ActionsDep, settings: SettingsDep, conversation_id: Annotated[int, Form()] = 0,
    outcome: Short = "",
) -> Response:  # fmt: skip
    """A3: the follow-up happened; what the customer said is recorded."""
    access.follow_up_for(session, user, follow_up_id)
    promise_actions.complete_follow_up(actions, actor_for(user), follow_up_id, outcome)
    return _insight(
        request, user, actions, settings, conversation_id, "Follow-up recorded.", session
    )
