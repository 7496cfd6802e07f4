"""The live review behind the reply box, fast enough to run on every pause in typing.

Each customer turn's signals were stored when it arrived, so a draft is reviewed against those
stored signals instead of analysing the whole conversation again on every keystroke pause.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from calmdesk.analysis.qa.decode import stored_customer_signals
from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook, review_draft
from calmdesk.analysis.reply.playbook import PolicyFact
from calmdesk.domain import (
    Review,
    Role,
    Turn,
    TurnAnalysis,
)

__all__ = ["review_against_stored", "warm_up"]


def review_against_stored(
    history: Sequence[Turn],
    stored: Sequence[Mapping[str, Any] | None],
    draft: str,
    now: datetime,
    playbook_path: Path | None = None,
    facts: Sequence[PolicyFact] = (),
    saved: Playbook | None = None,
) -> Review:
    """Review `draft` given the turns before it and each turn's stored signals (None: unknown);
    `facts` (the knowledge base's articles) replace the playbook's facts of the same name (P8);
    `saved` is the team's or the desk's saved playbook, which wins over the file."""
    analyses = [
        TurnAnalysis(t.role, stored_customer_signals(s) if t.role is Role.CUSTOMER else None)
        for t, s in zip(history, stored, strict=True)
    ]
    playbook = saved or (_playbook(playbook_path) if playbook_path else None)
    if facts:
        base = playbook or default_playbook()
        names = {f.name for f in facts}
        merged = tuple(facts) + tuple(f for f in base.facts if f.name not in names)
        playbook = dataclasses.replace(base, facts=merged)
    return review_draft(draft, list(history), analyses, now=now, config=playbook)


_warmed = threading.Event()


def warm_up() -> None:
    """Load the review's lazy parts (date parsing, lexicons) once per process, in the background,
    so the first draft an agent types is reviewed as fast as the rest."""
    if _warmed.is_set():
        return
    _warmed.set()

    def run() -> None:
        now = datetime.now(UTC)
        turn = Turn(Role.CUSTOMER, "My order is late.", now)
        with contextlib.suppress(Exception):
            review_against_stored([turn], [None], "Sorry, I will call you by Friday 5pm.", now)

    thread = threading.Thread(target=run, name="calmdesk-review-warm-up", daemon=True)
    _warm_threads.append(thread)
    atexit.register(wait_warmed, 60.0)  # an exit under a running model load aborts the process
    thread.start()


_warm_threads: list[threading.Thread] = []


def wait_warmed(timeout: float = 120.0) -> None:
    """Wait until the background warm-up (and the model loaders it started) has finished; see
    `calmdesk.analysis.scoring.wait_warmed` for why tests need this."""
    for thread in list(_warm_threads):
        thread.join(timeout)
    from calmdesk.analysis import scoring

    scoring.wait_warmed(timeout)


@lru_cache(maxsize=4)
def _playbook(path: Path) -> Playbook:
    return load_playbook(path)
