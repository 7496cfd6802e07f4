"""Reading a folder of articles, all or nothing: one bad file and nothing is returned."""

from __future__ import annotations

from pathlib import Path

from calmdesk.analysis.kb.article import MAX_ARTICLE_BYTES, Article, parse_article
from calmdesk.domain.errors import ArticleInvalid, CalmdeskError, KnowledgeBaseUnreadable

__all__ = ["MAX_ARTICLES", "read_folder"]

MAX_ARTICLES = 20_000
_SHOWN = 10


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise KnowledgeBaseUnreadable(f"{folder} is not a folder of .md articles.")
    try:
        files = sorted(p for p in folder.rglob("*.md") if p.is_file() or p.is_symlink())
    except OSError as exc:
        raise KnowledgeBaseUnreadable(f"{folder} cannot be read: {exc.strerror}.") from exc
    if not files:
        raise KnowledgeBaseUnreadable(f"{folder} holds no .md articles.")
    if len(files) > MAX_ARTICLES:
        raise KnowledgeBaseUnreadable(f"{folder} holds more than {MAX_ARTICLES} articles.")
    return files


def _read(path: Path) -> Article:
    aid = path.name[:-3]
    try:
        if path.is_symlink() or not path.is_file():
            raise ArticleInvalid(f"article {aid!r}: {path.name} is not a regular file")
        with path.open("rb") as fh:
            raw = fh.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        raise ArticleInvalid(f"article {aid!r}: cannot be read ({exc.strerror})") from exc
    return parse_article(aid, raw)


def read_folder(folder: Path | str) -> list[Article]:
    """Every `*.md` under `folder`, validated; ArticleInvalid lists every bad file when any is."""
    folder = Path(folder)
    articles: list[Article] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in _files(folder):
        try:
            article = _read(path)
        except CalmdeskError as err:
            problems.append(f"{path.relative_to(folder)}: {err.message}")
            continue
        if article.id in seen:
            problems.append(f"{path.relative_to(folder)}: id {article.id!r} is used twice")
            continue
        seen[article.id] = path
        articles.append(article)
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise ArticleInvalid(
            f"{len(problems)} article(s) in {folder} are not valid, nothing was loaded: "
            + "; ".join(problems[:_SHOWN])
            + more
        )
    return articles
