"""The knowledge base in the console: suggested articles beside the reply box (with a button that
inserts a citation), the article list, and editing with versions for admins and knowledge editors.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from calmdesk.actions.bot import kb_index
from calmdesk.actions.context import Actor
from calmdesk.actions.kb import article_row, can_edit_kb, save_article
from calmdesk.analysis.kb import check_id
from calmdesk.domain.errors import CalmdeskError, PermissionDenied
from calmdesk.storage import AuthorRole
from calmdesk.storage.kb import KbArticle, KbArticleVersion
from calmdesk.web import access, queries
from calmdesk.web.console.base import ConsoleUser, page_context
from calmdesk.web.deps import ActionsDep, SessionDep
from calmdesk.web.pages import is_htmx, render

__all__ = ["router"]

router = APIRouter(prefix="/console", include_in_schema=False)

Text = Annotated[str, Form(max_length=200_000)]
Short = Annotated[str, Form(max_length=300)]
_TEMPLATE = "---\ntitle: \ntags: []\n---\nWrite the answer here.\n"


def _actor(user: Any) -> Actor:
    return Actor(label=user.actor, user_id=user.user_id, role=user.role)


@router.get("/conversations/{conversation_id}/articles", response_class=HTMLResponse)
def suggested_articles(
    request: Request, conversation_id: int, user: ConsoleUser, session: SessionDep
) -> Response:
    """The articles that best answer the customer's last message, with a citation to insert."""
    conversation = access.conversation_for(session, user, conversation_id)
    turns = queries.turns_of(session, conversation.id)
    question = next((t.text for t in reversed(turns) if t.author_role is AuthorRole.CUSTOMER), "")
    context = page_context(user, articles=[], error="")
    try:
        index = kb_index(session)
        team = conversation.team.name if conversation.team else None
        hits = index.search(question, k=3, team=team) if question else []
        context["articles"] = [
            {"id": h.article.id, "title": h.article.title, "score": h.score,
             "passage": h.passage.text, "cite": f'(See our help article "{h.article.title}".)'}
            for h in hits
        ]  # fmt: skip
    except CalmdeskError as err:
        context["error"] = err.message
    session.commit()
    return render(request, "_partials/kb_articles.html", context)


@router.get("/kb", response_class=HTMLResponse)
def kb_list(request: Request, user: ConsoleUser, session: SessionDep) -> Response:
    """Every article with its version and review date; editors get edit links."""
    rows = list(session.scalars(select(KbArticle).order_by(KbArticle.slug)))
    editor = can_edit_kb(session, _actor(user))
    session.commit()
    return render(request, "console/kb_list.html",
                  page_context(user, nav="kb", rows=rows, editor=editor))  # fmt: skip


def _edit_page(
    request: Request, user: Any, session: Any, slug: str, text: str, note: str, error: str
) -> Response:
    row = session.scalars(select(KbArticle).where(KbArticle.slug == slug)).first()
    versions = []
    if row is not None:
        versions = list(session.scalars(
            select(KbArticleVersion).where(KbArticleVersion.article_id == row.id)
            .order_by(KbArticleVersion.version.desc())
        ))  # fmt: skip
    session.commit()
    context = page_context(user, nav="kb", slug=slug, row=row, text=text, note=note,
                           error=error, versions=versions)  # fmt: skip
    return render(request, "console/kb_edit.html", context, status=400 if error else 200)


def _require_editor(session: Any, user: Any) -> None:
    if not can_edit_kb(session, _actor(user)):
        raise PermissionDenied("Only an admin or a knowledge editor may edit articles.")


@router.get("/kb/{slug}", response_class=HTMLResponse)
def kb_edit(request: Request, slug: str, user: ConsoleUser, session: SessionDep) -> Response:
    """The article's Markdown in an editor (a new article when the id is not used yet)."""
    check_id(slug)
    _require_editor(session, user)
    row = session.scalars(select(KbArticle).where(KbArticle.slug == slug)).first()
    return _edit_page(request, user, session, slug, row.text if row else _TEMPLATE, "", "")


@router.post("/kb/{slug}", response_class=HTMLResponse)
def kb_save(
    request: Request, slug: str, user: ConsoleUser, session: SessionDep, actions: ActionsDep,
    text: Text = "", note: Short = "",
) -> Response:  # fmt: skip
    """Save a new version; a bad article is shown again with the error, nothing is stored."""
    check_id(slug)
    _require_editor(session, user)
    session.commit()
    try:
        save_article(actions, _actor(user), slug, text, note)
    except CalmdeskError as err:
        if isinstance(err, PermissionDenied):
            raise
        return _edit_page(request, user, session, slug, text, note, str(err))
    article_row(session, slug)
    session.commit()
    if is_htmx(request):
        return _edit_page(request, user, session, slug, text, "", "")
    return RedirectResponse(f"/console/kb/{slug}", status_code=303)
