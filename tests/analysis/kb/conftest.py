"""The demo shop's articles and one index over them with the real encoder (built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmdesk.analysis.kb import Article, KbIndex, build_index, read_folder

DEMO_KB = Path(__file__).resolve().parents[3] / "src" / "calmdesk" / "demo" / "kb"


@pytest.fixture(scope="session")
def demo_articles() -> list[Article]:
    return read_folder(DEMO_KB)


@pytest.fixture(scope="session")
def demo_index(demo_articles: list[Article]) -> KbIndex:
    return build_index(demo_articles)
