"""The customer's CSAT answer (A3): a page opened from the chat link, or from the link in the
CSAT email (`/csat/{token}`), one question, one answer.

Who the customer is comes only from the signed token: the chat token, as in the chat itself, or
the survey token of the email (`actions.csat_mail`), which opens this page and nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.context import Actor
from calmdesk.actions.csat import CSAT_QUESTION, answer_csat
from calmdesk.actions.csat_mail import read_csat_token
from calmdesk.domain.errors import CalmdeskError
from calmdesk.storage.qa import CsatSurvey
from calmdesk.web.deps import ActionsDep, SessionDep, SettingsDep
from calmdesk.web.pages import render
from calmdesk.web.routes.widget import chat_identity

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _answer(
    ctx: ActionsDep, customer_id: int, conversation_id: int, score: str, comment: str
) -> tuple[CsatSurvey | None, str, int]:
    """Store the customer's answer (chat and e-mail alike): the survey, "" and 200; or, refused,
    the survey as it stands, the reason and its status (409 answered already, 404 none asked)."""
    try:
        survey = answer_csat(ctx, Actor.for_customer(customer_id), conversation_id, score, comment)
    except CalmdeskError as err:
        with ctx.sessions() as session:
            current = _survey(session, conversation_id)
        status = 409 if err.code == "E401" else 404 if err.code == "E201" else 400
        return current, err.message, status
    return survey, "", 200


def _page(request: Request, token: str, survey: CsatSurvey | None, error: str = "",
          status: int = 200) -> Response:  # fmt: skip
    context = {
        "user": None, "csrf_token": "", "question": CSAT_QUESTION, "survey": survey,
        "action": f"/chat/{token}/csat", "chat": f"/chat/{token}", "error": error,
    }  # fmt: skip
    return render(request, "qa/csat.html", context, status)


def _survey(session: Session, conversation_id: int) -> CsatSurvey | None:
    query = select(CsatSurvey).where(CsatSurvey.conversation_id == conversation_id)
    return session.scalars(query).first()


@router.get("/chat/{token}/csat", response_class=HTMLResponse)
def csat_page(request: Request, token: str, settings: SettingsDep, session: SessionDep) -> Response:
    """The question, or a thank-you when it was answered."""
    who = chat_identity(settings, token, session)
    return _page(request, token, _survey(session, who.conversation_id))


@router.post("/chat/{token}/csat", response_class=HTMLResponse)
def csat_answer(
    request: Request,
    token: str,
    settings: SettingsDep,
    ctx: ActionsDep,
    score: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=4_000)] = "",
) -> Response:
    """Store the answer once; a bad rating shows the form again with the reason."""
    with ctx.sessions() as session:
        who = chat_identity(settings, token, session)
    return _page(
        request, token, *_answer(ctx, who.customer_id, who.conversation_id, score, comment)
    )


def _mail_page(request: Request, token: str, survey: CsatSurvey | None, error: str = "",
               status: int = 200) -> Response:  # fmt: skip
    context = {
        "user": None, "csrf_token": "", "question": CSAT_QUESTION, "survey": survey,
        "action": f"/csat/{token}", "chat": None, "error": error,
    }  # fmt: skip
    return render(request, "qa/csat.html", context, status)


_BAD_LINK = "This link is not valid any more. Reply to our email if you would like to tell us."


@router.get("/csat/{token}", response_class=HTMLResponse)
def csat_mail_page(
    request: Request, token: str, settings: SettingsDep, session: SessionDep
) -> Response:
    """The question from the CSAT email (a signed link, no login), or a thank-you."""
    link = read_csat_token(settings, token)
    if link is None:
        return _mail_page(request, token, None, _BAD_LINK, 404)
    survey = session.get(CsatSurvey, link.survey_id)
    if survey is None or survey.conversation_id != link.conversation_id:
        return _mail_page(request, token, None, _BAD_LINK, 404)
    return _mail_page(request, token, survey)


@router.post("/csat/{token}", response_class=HTMLResponse)
def csat_mail_answer(
    request: Request,
    token: str,
    settings: SettingsDep,
    ctx: ActionsDep,
    score: Annotated[str, Form(max_length=10)] = "",
    comment: Annotated[str, Form(max_length=4_000)] = "",
) -> Response:
    """Store the answer once (the same action as the chat's); a bad rating shows the form again."""
    link = read_csat_token(settings, token)
    if link is None:
        return _mail_page(request, token, None, _BAD_LINK, 404)
    answered = _answer(ctx, link.customer_id, link.conversation_id, score, comment)
    return _mail_page(request, token, *answered)
