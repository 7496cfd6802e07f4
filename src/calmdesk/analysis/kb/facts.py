"""Policy facts and authority limits from articles, for the review's P8 check and suggestions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from calmdesk.analysis.kb.article import Article
from calmdesk.analysis.knowledge import Fact as KbFact
from calmdesk.analysis.knowledge import KnowledgeBase
from calmdesk.analysis.reply.playbook import Authority, PolicyFact

__all__ = ["authority_of", "policy_facts", "with_article_facts"]


def _facts(articles: Iterable[Article]) -> dict[str, KbFact]:
    out: dict[str, KbFact] = {}
    for article in articles:
        for f in article.facts:
            out[f.id] = KbFact(f.id, f.name, f.keywords, f.value, f.unit)
    return out


def policy_facts(articles: Iterable[Article]) -> tuple[PolicyFact, ...]:
    """Every fact the articles state, in the shape P8 compares a draft against."""
    return tuple(PolicyFact(f.name, f.keywords, f.value, f.unit) for f in _facts(articles).values())


def with_article_facts(kb: KnowledgeBase, articles: Iterable[Article]) -> KnowledgeBase:
    """The knowledge base with the articles' facts: a file fact that shares a keyword with an
    article's fact takes the article's figure (its id stays, so option sentences still render),
    and the other article facts are added. The articles are the one place a figure is kept."""
    ours = _facts(articles)
    merged = dict(kb.facts)
    used: set[str] = set()
    for key, fact in kb.facts.items():
        match = next((f for f in ours.values() if set(f.keywords) & set(fact.keywords)), None)
        if match is not None:
            merged[key] = replace(fact, value=match.value, unit=match.unit)
            used.add(match.id)
    for key, fact in ours.items():
        if key not in used and key not in merged:
            merged[key] = fact
    return replace(kb, facts=merged)


def authority_of(articles: Iterable[Article], base: Authority | None = None) -> Authority:
    """The smallest refund and credit limits any article states (an agent may promise no more)."""
    auth = base or Authority()
    for article in articles:
        currency = article.currency or auth.currency
        for key, value in article.limits.items():
            if key.startswith("max_refund") and (
                auth.max_refund is None or value < auth.max_refund
            ):
                auth = replace(auth, max_refund=value, currency=currency)
            elif key.startswith("max_credit") and (
                auth.max_credit is None or value < auth.max_credit
            ):
                auth = replace(auth, max_credit=value, currency=currency)
    return auth
