"""Payment data kept out of the free-text columns of the newer records, whatever action wrote them.

`personal_text` redacts turns, notes, reasons and the rest where the first actions store them.
The intake, desk, QA, role-play, KB and P15 work added more columns of free text (CSAT comments,
macros, KB articles and their versions, practice replies and trainer comments, QA overrides and
answers, P15 resolution cases (reasons, decisions, outcomes) and steps, e-mail subjects and
bodies, names typed in the public chat) and the audit rows that copy them. This guard redacts
card numbers, IBANs and card security codes in those columns (strings inside JSON too) in every
session, just before a flush writes them: nothing reaches the database unredacted, however it
was written.

Contacts (e-mails, phones) are left to the team's policy in `personal_text`: a macro or an article
may rightly name the support address. Columns are listed one by one, never "every string": hashes,
keys and message ids must stay byte for byte.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from calmdesk.analysis.privacy import scrub
from calmdesk.storage import AuditEntry, Customer, Note
from calmdesk.storage.cases import ResolutionCase, ResolutionStep
from calmdesk.storage.desk import Macro
from calmdesk.storage.intake import EmailMessage
from calmdesk.storage.kb import KbArticle, KbArticleVersion
from calmdesk.storage.practice import PracticeComment, PracticeSession
from calmdesk.storage.qa import CsatSurvey, QaOverride, QaResponse

__all__ = ["GUARDED", "install_payment_guard", "scrub_value"]

GUARDED: dict[type[Any], tuple[str, ...]] = {
    AuditEntry: ("before", "after"),
    Customer: ("name",),
    Note: ("text",),
    CsatSurvey: ("comment",),
    Macro: ("title", "body"),
    KbArticle: ("title", "text"),
    KbArticleVersion: ("text", "note"),
    PracticeSession: ("replies", "result"),
    PracticeComment: ("text",),
    QaOverride: ("comment",),
    QaResponse: ("comment",),
    ResolutionCase: ("reason", "decision", "reasons", "outcome"),
    ResolutionStep: ("data",),
    EmailMessage: ("subject", "body"),
}
"""The models and columns of free text this guard redacts."""


def scrub_value(value: Any) -> Any:
    """`value` with payment data redacted in its text (in strings inside lists and dicts too)."""
    if isinstance(value, str):
        return scrub(value).text
    if isinstance(value, dict):
        return {k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v) for v in value)
    return value


def _guard(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.new, *session.dirty):
        columns = GUARDED.get(type(obj))
        if not columns:
            continue
        for name in columns:
            value = getattr(obj, name, None)
            if value is None:
                continue
            cleaned = scrub_value(value)
            if cleaned != value:
                setattr(obj, name, cleaned)


_installed = False


def install_payment_guard() -> None:
    """Redact the guarded columns in every session before each flush (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_flush", _guard)
        _installed = True


install_payment_guard()
