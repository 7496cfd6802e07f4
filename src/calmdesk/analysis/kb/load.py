"""Load the knowledge base a team configured: the default, a YAML file or a folder of articles."""

from __future__ import annotations

from pathlib import Path

from calmdesk.analysis.kb.facts import with_article_facts
from calmdesk.analysis.kb.folder import read_folder
from calmdesk.analysis.knowledge import KnowledgeBase, default_knowledge_base, load_knowledge_file

__all__ = ["load_knowledge_base"]


def load_knowledge_base(path: Path | str | None = None) -> KnowledgeBase:
    """Read and validate a knowledge base file; None gives the documented default. A folder of
    Markdown articles (`analysis/kb`) gives the default with the articles' policy facts."""
    if path is None:
        return default_knowledge_base()
    if Path(path).is_dir():
        return with_article_facts(default_knowledge_base(), read_folder(Path(path)))
    return load_knowledge_file(path)
