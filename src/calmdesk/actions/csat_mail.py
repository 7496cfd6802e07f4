"""CSAT by email (A3): the one question goes out as a mail with a link to a page with 1-5 and an
optional comment; the link carries a signed token naming the survey, so the customer answers
without logging in (and the token opens nothing else: not the thread, not the chat).

The mail is queued in the asking transaction, in the outbox the intake's `mail send-pending`
delivers (threaded under the customer's last message, retried, "not delivered" after its
retries). The rules of the chat apply: never to a blocked customer, never twice
(`actions.csat`)."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from calmdesk.actions.context import ActionContext
from calmdesk.config import Settings
from calmdesk.storage import Conversation
from calmdesk.storage.qa import CsatSurvey

__all__ = ["CSAT_LINK_DAYS", "CsatLink", "csat_link", "queue_csat_mail", "read_csat_token"]

CSAT_LINK_DAYS = 30
"""How long the link in the mail works."""

_SALT = "calmdesk.csat.v1"


@dataclass(frozen=True, slots=True)
class CsatLink:
    """Who a valid token names: the survey, its conversation and customer."""

    survey_id: int
    conversation_id: int
    customer_id: int


def _signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=_SALT)


def csat_link(settings: Settings, survey: CsatSurvey) -> str:
    """The answer page's address for this survey (from the configured public base URL)."""
    token = _signer(settings).dumps([survey.id, survey.conversation_id, survey.customer_id])
    return f"{settings.public_base_url.rstrip('/')}/csat/{token}"


def read_csat_token(settings: Settings, token: str) -> CsatLink | None:
    """The survey a token names, or None when it is forged, damaged or older than the limit."""
    if not isinstance(token, str) or len(token) > 500:
        return None
    try:
        value = _signer(settings).loads(token, max_age=CSAT_LINK_DAYS * 86_400)
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(type(v) is int for v in value)):
        return None
    return CsatLink(*value)


def _body(question: str, link: str) -> str:
    return (
        f"{question}\n\n"
        f"Answer here (one click, no login needed): {link}\n\n"
        f"The link works for {CSAT_LINK_DAYS} days. Thank you for your time.\n"
    )


def queue_csat_mail(
    session: Session, ctx: ActionContext, conversation: Conversation, survey: CsatSurvey,
    question: str,
) -> bool:  # fmt: skip
    """Queue the question as a reply in the conversation's mail thread; False when there is no
    customer address to answer (no mail received in it)."""
    from calmdesk.actions.mail import queue_mail

    body = _body(question, csat_link(ctx.settings, survey))
    return queue_mail(session, ctx, conversation, f"csat:{survey.id}", "csat", body)
