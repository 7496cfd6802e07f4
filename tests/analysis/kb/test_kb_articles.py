"""Articles: front matter, facts, limits; every kind of bad article refused with a clear error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calmdesk.analysis.kb import parse_article, passages_of, read_folder, render_article
from calmdesk.analysis.kb.facts import authority_of, policy_facts, with_article_facts
from calmdesk.analysis.knowledge import default_knowledge_base
from calmdesk.domain.errors import ArticleInvalid, KnowledgeBaseUnreadable

GOOD = """---
title: Returning an item
tags: [returns, refund]
team: support
review_by: 2027-06-01
return_window_days: 30
max_refund_eur: 80
fact_keywords:
  return_window_days: [return window]
---
Returns are accepted within 30 days.

## How
Print the label.
"""


def test_kb_article_reads_front_matter_facts_and_limits() -> None:
    article = parse_article("returns", GOOD)
    assert (article.id, article.title, article.team) == ("returns", "Returning an item", "support")
    assert article.tags == ("returns", "refund")
    assert article.review_by == dt.date(2027, 6, 1)
    [fact] = article.facts
    assert (fact.id, fact.value, fact.unit, fact.keywords) == (
        "return_window_days",
        30.0,
        "days",
        ("return window",),
    )
    assert article.limits == {"max_refund_eur": 80.0} and article.currency == "EUR"


def test_kb_article_round_trips_through_render() -> None:
    article = parse_article("returns", GOOD)
    assert parse_article("returns", render_article(article)) == article


def test_kb_passages_follow_headings() -> None:
    passages = passages_of(parse_article("returns", GOOD))
    assert [(p.heading, p.text) for p in passages] == [
        ("Returning an item", "Returns are accepted within 30 days."),
        ("How", "Print the label."),
    ]


def test_kb_long_section_is_cut_into_passages_of_bounded_size() -> None:
    body = " ".join(f"Sentence number {i} says something about deliveries." for i in range(80))
    passages = passages_of(parse_article("long", f"---\ntitle: Long\n---\n{body}\n"))
    assert len(passages) > 3 and all(len(p.text) <= 700 for p in passages)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter here", "must start with YAML front matter"),
        ("---\ntitle: [unclosed\n---\nBody", "not valid YAML"),
        ("---\n- a list\n---\nBody", "must be a mapping"),
        ("---\ntags: [a]\n---\nBody", "`title` must be non-empty text"),
        ("---\ntitle: T\n---\n", "body after the front matter is empty"),
        ("---\ntitle: T\n---\n<script>alert(1)</script>", "HTML or script is not allowed"),
        ("---\ntitle: T\n---\nClick <a href='x'>here</a>", "HTML or script is not allowed"),
        ("---\ntitle: T\n---\n[x](javascript:alert(1))", "HTML or script is not allowed"),
        ("---\ntitle: <b>T</b>\n---\nBody", "HTML or script is not allowed"),
        ("---\ntitle: T\nrefund_days: soon\n---\nBody", "must be a number >= 0"),
        ("---\ntitle: T\nrefund_days: -1\n---\nBody", "must be a number >= 0"),
        ("---\ntitle: T\ncolour: red\n---\nBody", "unknown front matter key `colour`"),
        ("---\ntitle: T\nreview_by: someday\n---\nBody", "must be a date"),
        ("---\ntitle: T\nfact_keywords: {x_days: [a]}\n---\nBody", "names no fact"),
        ("---\ntitle: T\n---\nbinary\x00data", "control characters"),
    ],
)
def test_kb_bad_article_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ArticleInvalid, match=message) as err:
        parse_article("bad", text)
    assert err.value.code == "E901" and "'bad'" in err.value.message


def test_kb_huge_or_non_utf8_article_is_refused() -> None:
    with pytest.raises(ArticleInvalid, match="larger than 100 kB"):
        parse_article("huge", "---\ntitle: T\n---\n" + "x" * 200_000)
    with pytest.raises(ArticleInvalid, match="not UTF-8"):
        parse_article("latin", "---\ntitle: Caf\xe9\n---\nBody".encode("latin-1"))


@pytest.mark.parametrize("bad_id", ["", "Upper", "../etc", "with space", "a" * 101])
def test_kb_bad_article_id_is_refused(bad_id: str) -> None:
    with pytest.raises(ArticleInvalid, match="article id"):
        parse_article(bad_id, GOOD)


def test_kb_folder_with_one_bad_article_loads_nothing(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD)
    (tmp_path / "broken.md").write_text("---\ntitle: [\n---\nx")
    (tmp_path / "markup.md").write_text("---\ntitle: T\n---\n<iframe src=x>")
    with pytest.raises(ArticleInvalid) as err:
        read_folder(tmp_path)
    assert "2 article(s)" in err.value.message and "nothing was loaded" in err.value.message
    assert "broken.md" in err.value.message and "markup.md" in err.value.message


def test_kb_folder_refuses_duplicate_ids_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseUnreadable, match="no .md articles"):
        read_folder(tmp_path)
    with pytest.raises(KnowledgeBaseUnreadable, match="not a folder"):
        read_folder(tmp_path / "missing")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text(GOOD)
    (tmp_path / "x.md").write_text(GOOD)
    with pytest.raises(ArticleInvalid, match="used twice"):
        read_folder(tmp_path)


def test_kb_demo_articles_are_valid_and_a_few_dozen(demo_articles: list) -> None:  # type: ignore[type-arg]
    assert 30 <= len(demo_articles) <= 60
    assert len({a.id for a in demo_articles}) == len(demo_articles)


def test_kb_article_facts_replace_the_file_figures_for_p8(demo_articles: list) -> None:  # type: ignore[type-arg]
    changed = parse_article(
        "refunds",
        "---\ntitle: R\nrefund_time_business_days: 8\n"
        "fact_keywords:\n  refund_time_business_days: [refund]\n---\nBody",
    )
    kb = with_article_facts(default_knowledge_base(), [changed])
    assert kb.facts["refund_time"].value == 8  # the id the option sentences name is kept
    assert "8 business days" in kb.render("{refund_time}")
    assert any(f.value == 8 and "refund" in f.keywords for f in policy_facts([changed]))


def test_kb_authority_is_the_smallest_limit_stated() -> None:
    a = parse_article("a", "---\ntitle: A\nmax_credit_eur: 25\n---\nBody")
    b = parse_article("b", "---\ntitle: B\nmax_credit_eur: 40\nmax_refund_eur: 100\n---\nBody")
    auth = authority_of([a, b])
    assert (auth.max_credit, auth.max_refund, auth.currency) == (25, 100, "EUR")
