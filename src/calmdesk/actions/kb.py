"""Knowledge-base writes: importing a folder (all or nothing), editing an article (a new version
each time), knowledge editors, and the bot's per-team settings. Every change is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from calmdesk.actions.audit import snapshot, write_audit
from calmdesk.actions.context import ActionContext, Actor
from calmdesk.analysis.kb import Article, parse_article, render_article
from calmdesk.domain.errors import ArticleNotFound, MalformedInput, NotFound, PermissionDenied
from calmdesk.storage import Team, User, UserRole
from calmdesk.storage.kb import BotTeamSetting, KbArticle, KbArticleVersion, KbEditor

__all__ = [
    "ImportReport",
    "article_row",
    "can_edit_kb",
    "grant_kb_editor",
    "import_articles",
    "save_article",
    "set_bot_settings",
    "stored_articles",
]

_NOTE_MAX = 300
_FIELDS = ("slug", "title", "team", "language", "version", "review_by", "source")


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _snap(row: KbArticle | None) -> dict[str, Any] | None:
    data = snapshot(row, *_FIELDS)
    if data is not None and row is not None and row.review_by is not None:
        data["review_by"] = row.review_by.isoformat()
    return data


def can_edit_kb(session: Session, actor: Actor) -> bool:
    """Admins, knowledge editors and the system may change articles."""
    if actor.label.startswith("system:") or actor.role is UserRole.ADMIN:
        return True
    return actor.user_id is not None and session.get(KbEditor, actor.user_id) is not None


def _require_editor(session: Session, actor: Actor) -> None:
    if not can_edit_kb(session, actor):
        raise PermissionDenied("Only an admin or a knowledge editor may change articles.")


def _write(
    session: Session, actor: Actor, article: Article, text: str, source: str, note: str
) -> str:
    """Create or update one article row; returns created / updated / unchanged."""
    row = session.scalars(select(KbArticle).where(KbArticle.slug == article.id)).first()
    if row is not None and row.text == text:
        return "unchanged"
    before = _snap(row)
    if row is None:
        row = KbArticle(slug=article.id, text=text, version=0)
        session.add(row)
    row.title, row.team, row.language = article.title, article.team, article.language
    row.text, row.review_by, row.source = text, article.review_by, source
    row.version += 1
    row.updated_by = actor.label
    session.flush()
    session.add(KbArticleVersion(article_id=row.id, version=row.version, text=text,
                                 author=actor.label, note=note[:_NOTE_MAX]))  # fmt: skip
    action = "kb.article_created" if before is None else "kb.article_updated"
    write_audit(session, actor, action, row, before, _snap(row))
    return "created" if before is None else "updated"


def import_articles(
    ctx: ActionContext, actor: Actor, articles: Sequence[Article], source: str
) -> ImportReport:
    """Store already-validated articles in one transaction: all of them or none."""
    report = ImportReport()
    with ctx.sessions.begin() as session:
        _require_editor(session, actor)
        for article in articles:
            outcome = _write(session, actor, article, render_article(article), source, "import")
            getattr(report, outcome).append(article.id)
    return report


def save_article(
    ctx: ActionContext, actor: Actor, slug: str, text: str, note: str = ""
) -> KbArticle:
    """Create or edit one article from its Markdown text; a new version when it changed."""
    if not isinstance(text, str):
        raise MalformedInput("The article must be text.")
    text = text.replace("\r\n", "\n")
    article = parse_article(slug, text)
    with ctx.sessions.begin() as session:
        _require_editor(session, actor)
        _write(session, actor, article, text, "console", note or "edit")
        row = session.scalars(select(KbArticle).where(KbArticle.slug == slug)).one()
        session.expunge(row)
    return row


def stored_articles(session: Session) -> list[Article]:
    """Every article in the database, parsed (rows were validated when they were written)."""
    rows = session.scalars(select(KbArticle).order_by(KbArticle.slug))
    return [parse_article(r.slug, r.text) for r in rows]


def article_row(session: Session, slug: str) -> KbArticle:
    row = session.scalars(select(KbArticle).where(KbArticle.slug == slug)).first()
    if row is None:
        raise ArticleNotFound(f"No article has the id {slug[:100]!r}.")
    return row


def grant_kb_editor(ctx: ActionContext, actor: Actor, user_id: int) -> None:
    """Let a user edit articles (admins only)."""
    actor.require_role(UserRole.ADMIN)
    with ctx.sessions.begin() as session:
        if session.get(User, user_id) is None:
            raise NotFound(f"No user has the id {user_id}.")
        if session.get(KbEditor, user_id) is None:
            row = KbEditor(user_id=user_id)
            session.add(row)
            write_audit(session, actor, "kb.editor_granted", row)


def set_bot_settings(
    ctx: ActionContext,
    actor: Actor,
    team_id: int | None,
    *,
    enabled: bool,
    handoff_who: str = "",
    handoff_when: str = "",
    threshold: float | None = None,
) -> BotTeamSetting:
    """Turn the bot on or off for a team's chats (None: chats without a team)."""
    actor.require_role(UserRole.ADMIN, UserRole.SUPERVISOR)
    if threshold is not None and not 0 <= threshold <= 1:
        raise MalformedInput("The bot's confidence threshold must be between 0 and 1.")
    with ctx.sessions.begin() as session:
        if team_id is not None and session.get(Team, team_id) is None:
            raise NotFound(f"No team has the id {team_id}.")
        row = session.scalars(
            select(BotTeamSetting).where(
                BotTeamSetting.team_id.is_(None)
                if team_id is None
                else BotTeamSetting.team_id == team_id
            )  # fmt: skip
        ).first()
        before = snapshot(row)
        if row is None:
            row = BotTeamSetting(team_id=team_id)
            session.add(row)
        row.enabled, row.threshold = enabled, threshold
        row.handoff_who, row.handoff_when = handoff_who[:200], handoff_when[:200]
        write_audit(session, actor, "bot.settings_changed", row, before)
        session.flush()
        session.expunge(row)
    return row
