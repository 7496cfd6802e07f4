"""One knowledge-base article: Markdown with YAML front matter, validated (issue 14, P8).

    ---
    title: Returning an item
    tags: [returns, refund]
    team: support            # optional: only this team's bot and agents use it
    language: en             # optional, default en
    review_by: 2027-06-01    # optional: when an editor should check it again
    return_window_days: 30   # policy facts: <name>_<unit>, a number
    max_refund_eur: 50       # authority limits: max_refund_<currency>, max_credit_<currency>
    fact_keywords:           # optional: words that name a fact in a reply (for the P8 check)
      return_window_days: [return window, return it within]
    ---
    Body in Markdown. `## Headings` split it into passages.

The id is the file name without `.md`. Parsing is pure: it takes the text, never a path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from calmdesk.domain.errors import ArticleInvalid

__all__ = [
    "FACT_UNITS",
    "MAX_ARTICLE_BYTES",
    "Article",
    "Fact",
    "check_id",
    "parse_article",
    "render_article",
]

MAX_ARTICLE_BYTES = 100_000
MAX_TITLE = 200
MAX_TAGS = 30
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_MARKUP = re.compile(r"<\s*/?\s*[a-z][a-z0-9-]*(?=[\s>/])|<!|javascript:", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
FACT_UNITS: dict[str, str] = {
    "business_days": "business days",
    "days": "days",
    "hours": "hours",
    "minutes": "minutes",
    "weeks": "weeks",
    "percent": "percent",
}
_FACT_KEY = re.compile(r"([a-z][a-z0-9_]*?)_(business_days|days|hours|minutes|weeks|percent)")
_LIMIT_KEY = re.compile(r"(max_refund|max_credit)_([a-z]{3})")
_KNOWN = {"title", "tags", "team", "language", "review_by", "fact_keywords", "summary"}


@dataclass(frozen=True, slots=True)
class Fact:
    """A policy fact an article states: `return_window_days: 30` -> 30 days."""

    id: str
    name: str
    value: float
    unit: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    team: str | None = None
    language: str = "en"
    review_by: dt.date | None = None
    facts: tuple[Fact, ...] = ()
    limits: Mapping[str, float] = field(default_factory=dict)  # max_refund_eur -> 50
    currency: str | None = None

    def front_matter(self) -> dict[str, Any]:
        """The front matter as it would be written back (facts and limits included)."""
        data: dict[str, Any] = {"title": self.title, "tags": list(self.tags)}
        if self.team:
            data["team"] = self.team
        if self.language != "en":
            data["language"] = self.language
        if self.review_by:
            data["review_by"] = self.review_by.isoformat()
        for fact in self.facts:
            data[fact.id] = int(fact.value) if fact.value.is_integer() else fact.value
        data.update(self.limits)
        keywords = {f.id: list(f.keywords) for f in self.facts if f.keywords != _default_kw(f.id)}
        if keywords:
            data["fact_keywords"] = keywords
        return data


def _fail(article_id: str, what: str) -> ArticleInvalid:
    return ArticleInvalid(f"article {article_id!r}: {what}")


def check_id(article_id: str) -> str:
    """The id as given, if it is a valid article id (lower-case letters, digits, - and _)."""
    if not isinstance(article_id, str) or not _ID.fullmatch(article_id):
        raise ArticleInvalid(
            f"article id {str(article_id)[:60]!r}: use 1-100 lower-case letters, digits, - and _ "
            "(the file name without .md)"
        )
    return article_id


def _default_kw(fact_id: str) -> tuple[str, ...]:
    match = _FACT_KEY.fullmatch(fact_id)
    stem = match.group(1) if match else fact_id
    return (stem.replace("_", " "),)


def _text(value: Any, aid: str, key: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(aid, f"front matter `{key}` must be non-empty text")
    text = " ".join(value.split())
    if len(text) > limit:
        raise _fail(aid, f"front matter `{key}` is longer than {limit} characters")
    return text


def _tags(value: Any, aid: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        raise _fail(aid, f"front matter `tags` must be a list of at most {MAX_TAGS} words")
    return tuple(_text(v, aid, "tags", 60).lower() for v in value)


def _number(value: Any, aid: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e9:
        raise _fail(aid, f"front matter `{key}` must be a number >= 0, got {value!r}")
    return float(value)


def _review_by(value: Any, aid: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail(aid, f"front matter `review_by` must be a date (YYYY-MM-DD), got {value!r}")


def _keywords(raw: Any, aid: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail(aid, "front matter `fact_keywords` must map a fact to a list of words")
    out: dict[str, tuple[str, ...]] = {}
    for key, words in raw.items():
        if not isinstance(words, list) or not words:
            raise _fail(aid, f"`fact_keywords.{key}` must be a non-empty list of words")
        out[str(key)] = tuple(_text(w, aid, f"fact_keywords.{key}", 80).lower() for w in words)
    return out


def _front(meta: Mapping[str, Any], aid: str) -> dict[str, Any]:
    keywords = _keywords(meta.get("fact_keywords"), aid)
    facts: list[Fact] = []
    limits: dict[str, float] = {}
    currencies: set[str] = set()
    for key, value in meta.items():
        key = str(key)
        if key in _KNOWN:
            continue
        if limit := _LIMIT_KEY.fullmatch(key):
            limits[key] = _number(value, aid, key)
            currencies.add(limit.group(2).upper())
        elif fact := _FACT_KEY.fullmatch(key):
            name = fact.group(1).replace("_", " ")
            unit = FACT_UNITS[fact.group(2)]
            kws = keywords.pop(key, _default_kw(key))
            facts.append(Fact(key, name, _number(value, aid, key), unit, kws))
        else:
            raise _fail(
                aid,
                f"unknown front matter key `{key}` (facts end in _days, _business_days, _hours, "
                "_minutes, _weeks or _percent; limits are max_refund_<currency>)",
            )
    if keywords:
        raise _fail(aid, f"`fact_keywords` names no fact: {', '.join(sorted(keywords))}")
    if len(currencies) > 1:
        raise _fail(aid, "authority limits use more than one currency")
    return {
        "facts": tuple(facts),
        "limits": limits,
        "currency": currencies.pop() if currencies else None,
    }


def _split(text: str, aid: str) -> tuple[Mapping[str, Any], str]:
    match = _FRONT.match(text.lstrip("\ufeff"))
    if not match:
        raise _fail(aid, "it must start with YAML front matter between two `---` lines")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise _fail(aid, f"the front matter is not valid YAML: {first}") from exc
    if not isinstance(meta, Mapping):
        raise _fail(aid, "the front matter must be a mapping of `key: value` lines")
    return meta, text.lstrip("\ufeff")[match.end() :].strip()


def parse_article(article_id: str, raw: bytes | str) -> Article:
    """Validate one article; ArticleInvalid says what is wrong and where."""
    aid = check_id(article_id)
    size = len(raw.encode("utf-8")) if isinstance(raw, str) else len(raw)
    if size > MAX_ARTICLE_BYTES:
        raise _fail(aid, f"it is larger than {MAX_ARTICLE_BYTES // 1000} kB; split it up")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(aid, "it is not UTF-8 text") from exc
    if _CONTROL.search(raw):
        raise _fail(aid, "it contains control characters (is it a binary file?)")
    meta, body = _split(raw, aid)
    if markup := _MARKUP.search(raw):
        raise _fail(aid, f"HTML or script is not allowed in articles (found {markup.group(0)!r})")
    if not body:
        raise _fail(aid, "the body after the front matter is empty")
    language = _text(meta.get("language", "en"), aid, "language", 12).lower()
    team = meta.get("team")
    return Article(
        id=aid,
        title=_text(meta.get("title"), aid, "title", MAX_TITLE),
        body=body,
        tags=_tags(meta.get("tags"), aid),
        team=_text(team, aid, "team", 120) if team is not None else None,
        language=language,
        review_by=_review_by(meta.get("review_by"), aid),
        **_front(meta, aid),
    )


def render_article(article: Article) -> str:
    """The article as a Markdown file again (what an export or an editor shows)."""
    meta = yaml.safe_dump(article.front_matter(), sort_keys=False, allow_unicode=True)
    return f"---\n{meta}---\n{article.body}\n"
