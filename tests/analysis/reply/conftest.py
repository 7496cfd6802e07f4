"""Fixtures for the reply-review tests; named customers live in reply_personas.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reply_personas import Customer

from calmdesk.analysis.reply import Playbook, review_draft
from calmdesk.domain import Review

ReviewFn = Callable[..., Review]


@pytest.fixture
def review() -> ReviewFn:
    """review(draft, *customers, config=None) -> Review, history built from the customers."""

    def run(draft: str, *customers: Customer, config: Playbook | None = None) -> Review:
        pairs = [c.turn() for c in customers]
        return review_draft(
            draft, [t for t, _ in pairs], [a for _, a in pairs], politeness=0.8, config=config
        )

    return run
