"""The knowledge base as articles: parsing, passages, hybrid retrieval, policy facts (issue 14)."""

from calmdesk.analysis.kb.abcd import abcd_articles
from calmdesk.analysis.kb.article import (
    MAX_ARTICLE_BYTES,
    Article,
    Fact,
    check_id,
    parse_article,
    render_article,
)
from calmdesk.analysis.kb.facts import policy_facts, with_article_facts
from calmdesk.analysis.kb.folder import read_folder
from calmdesk.analysis.kb.index import Hit, KbIndex, build_index
from calmdesk.analysis.kb.load import load_knowledge_base
from calmdesk.analysis.kb.passages import Passage, passages_of

__all__ = [
    "load_knowledge_base",
    "MAX_ARTICLE_BYTES",
    "Article",
    "Fact",
    "Hit",
    "KbIndex",
    "Passage",
    "abcd_articles",
    "build_index",
    "check_id",
    "parse_article",
    "passages_of",
    "policy_facts",
    "read_folder",
    "render_article",
    "with_article_facts",
]
