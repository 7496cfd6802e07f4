"""Articles cut into passages: the pieces retrieval ranks and the bot quotes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from calmdesk.analysis.kb.article import Article

__all__ = ["MAX_PASSAGE_CHARS", "Passage", "passages_of", "plain"]

MAX_PASSAGE_CHARS = 700
_HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.M)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARK = re.compile(r"(\*\*|__|`|^\s*[-*+]\s+|^\s*\d+[.)]\s+|^>\s?)", re.M)


@dataclass(frozen=True, slots=True)
class Passage:
    article_id: str
    heading: str  # the section heading, or the article title for the opening section
    text: str  # plain text (Markdown marks removed), what the bot quotes
    position: int  # 0-based, within the article

    def indexed_text(self, title: str, tags: Iterable[str]) -> str:
        """What retrieval reads: the title, tags, heading and the passage."""
        head = self.heading if self.heading != title else ""
        return " ".join(filter(None, (title, " ".join(tags), head, self.text)))


def plain(markdown: str) -> str:
    """Markdown as plain sentences: links keep their words, emphasis and bullets go."""
    text = _LINK.sub(r"\1", markdown)
    lines = [_MARK.sub("", line).strip() for line in text.splitlines()]
    return "\n".join(lines).strip()


def _sections(article: Article) -> list[tuple[str, str]]:
    marks = list(_HEADING.finditer(article.body))
    out = [(article.title, article.body[: marks[0].start()] if marks else article.body)]
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(article.body)
        out.append((mark.group(1).strip(), article.body[mark.end() : end]))
    return [(h, plain(t)) for h, t in out if plain(t)]


def _chunks(text: str) -> list[str]:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    chunks: list[str] = []
    for para in paragraphs:
        if chunks and len(chunks[-1]) + len(para) + 1 <= MAX_PASSAGE_CHARS:
            chunks[-1] += " " + para
            continue
        while len(para) > MAX_PASSAGE_CHARS:
            cut = para.rfind(". ", 0, MAX_PASSAGE_CHARS)
            cut = cut + 1 if cut > 100 else MAX_PASSAGE_CHARS
            chunks.append(para[:cut].strip())
            para = para[cut:].strip()
        if para:
            chunks.append(para)
    return chunks


def passages_of(article: Article) -> list[Passage]:
    """The article's passages in order: one or more per section, each at most 700 characters."""
    out: list[Passage] = []
    for heading, text in _sections(article):
        for chunk in _chunks(text):
            out.append(Passage(article.id, heading, chunk, len(out)))
    return out
