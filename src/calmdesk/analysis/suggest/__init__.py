"""A suggested next reply for a conversation, reviewed against the playbook before it is shown.

Offline by default: `compose` builds the reply from the project's own building blocks
(`suggest_phrases`) and the knowledge base. With an OpenAI-compatible endpoint configured, the
conversation is redacted (`redact`), sent with a timeout (`llm`), restored and reviewed; any
failure, or an answer that fails an applicable check, falls back to the offline composer and
`Suggestion.source` says why.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from calmdesk.analysis.kb import load_knowledge_base
from calmdesk.analysis.knowledge import KnowledgeBase, default_knowledge_base
from calmdesk.analysis.llm import ChatBackend, OpenAICompatible
from calmdesk.analysis.reply import Playbook, default_playbook, load_playbook, review_draft
from calmdesk.analysis.suggest.claims import HANDED_OVER, as_offers
from calmdesk.analysis.suggest.compose import Situation, compose_candidates, situation
from calmdesk.analysis.suggest.prompt import ask_model
from calmdesk.config import Settings
from calmdesk.domain import (
    BackendUnavailable,
    CheckStatus,
    Conversation,
    ConversationAnalysis,
    EmptyInput,
    MalformedInput,
    Review,
    Role,
    Turn,
    TurnAnalysis,
)

__all__ = ["Suggestion", "failed_checks", "suggest_reply"]


@dataclass(slots=True)
class Suggestion:
    """The suggested text, where it came from ("offline", "llm", or a fallback note), its review."""

    text: str
    source: str
    review: Review


def failed_checks(review: Review) -> list[str]:
    """Playbook ids of the checks that failed."""
    return [c.check for c in review.checks if c.status is CheckStatus.FAIL]


def _history(
    conversation: Conversation, analysis: ConversationAnalysis | None
) -> tuple[list[Turn], list[TurnAnalysis]]:
    """The turns the suggestion answers; a trailing agent draft is what it replaces."""
    turns = list(conversation.turns)
    analyses = list(analysis.turns) if analysis is not None else []
    while turns and turns[-1].role is not Role.CUSTOMER:
        turns.pop()
    if not turns:
        raise EmptyInput("The conversation has no customer turn to reply to.")
    analyses = analyses[: len(turns)]
    analyses += [TurnAnalysis(t.role, None) for t in turns[len(analyses) :]]
    return turns, analyses


def _playbook(playbook: Playbook | None, kb: KnowledgeBase, config: Settings | None) -> Playbook:
    """The review's playbook with the knowledge base's facts (P8 checks them); where both name
    the same fact, the knowledge base's figure counts, as the suggestion states it."""
    base = playbook or default_playbook()
    ours = kb.policy_facts()
    named = {f.name for f in ours}
    facts = ours + tuple(f for f in base.facts if f.name not in named)
    if config is None:
        return dataclasses.replace(base, facts=facts)
    return dataclasses.replace(
        base, facts=facts, timezone=config.timezone, business_days=config.business_days
    )


@lru_cache(maxsize=8)
def _kb_file(path: Path, mtime: float) -> KnowledgeBase:
    return load_knowledge_base(path)


@lru_cache(maxsize=8)
def _playbook_file(path: Path, mtime: float) -> Playbook:
    return load_playbook(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0  # the loader reports the missing file


def _configured_kb(config: Settings | None) -> KnowledgeBase:
    """The knowledge base named in the settings (re-read when the file changes), or the default."""
    if config is None or config.knowledge_base_path is None:
        return default_knowledge_base()
    path = Path(config.knowledge_base_path)
    return _kb_file(path, _mtime(path))


def _configured_playbook(config: Settings | None) -> Playbook | None:
    if config is None or config.playbook_path is None:
        return None
    path = Path(config.playbook_path)
    return _playbook_file(path, _mtime(path))


def _seed(conversation: Conversation, turns: list[Turn]) -> int:
    digest = hashlib.sha256(f"{conversation.id}\x1f{turns[-1].text}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _backend(config: Settings | None, backend: ChatBackend | None) -> ChatBackend | None:
    if backend is not None:
        return backend
    if config is None or not config.llm_base_url:
        return None
    return OpenAICompatible(
        config.llm_base_url, config.llm_model, config.llm_api_key, config.llm_timeout_s
    )


def _offline(ctx: _Ctx) -> tuple[str, Review]:
    """The first composed candidate that passes every applicable check (else the best one)."""
    best: tuple[str, Review] | None = None
    for text in compose_candidates(ctx.situation, ctx.kb, ctx.seed):
        review = ctx.review(text)
        if not failed_checks(review):
            return text, review
        if best is None or review.score > best[1].score:
            best = (text, review)
    assert best is not None  # compose_candidates always yields at least one text
    return best


@dataclass(frozen=True, slots=True)
class _Ctx:
    turns: list[Turn]
    analyses: list[TurnAnalysis]
    situation: Situation
    kb: KnowledgeBase
    playbook: Playbook
    now: datetime
    seed: int

    def review(self, text: str) -> Review:
        return review_draft(text, self.turns, self.analyses, now=self.now, config=self.playbook)


def suggest_reply(
    conversation: Conversation,
    analysis: ConversationAnalysis | None,
    *,
    kb: KnowledgeBase | None = None,
    now: datetime | None = None,
    config: Settings | None = None,
    playbook: Playbook | None = None,
    backend: ChatBackend | None = None,
    handed_over: bool = False,
) -> Suggestion:
    """Compose the next agent reply for `conversation` and review it.

    `analysis` holds the signals of each turn (from `analyze_conversation`; None falls back to
    cues in the words). `kb` and `playbook` default to the files named in `config`
    (`knowledge_base_path`, `playbook_path`), else the shipped defaults. The model backend is used
    when `backend` is given or `config.llm_base_url` is set; its answer is only kept when it
    passes every check that applies.

    `handed_over` says the case was in fact escalated or handed to someone: only then does the
    reply say "I have passed your case to ..."; otherwise that, and every other action nobody
    took ("I have asked our billing team ..."), is phrased as an offer ("I can ...")."""
    if not isinstance(conversation, Conversation):
        raise MalformedInput("suggest_reply needs a Conversation.")
    kb = kb or _configured_kb(config)
    playbook = playbook or _configured_playbook(config)
    turns, analyses = _history(conversation, analysis)
    when = now or turns[-1].at or datetime.now(UTC)
    ctx = _Ctx(
        turns,
        analyses,
        situation(turns, analyses, analysis, kb, handed_over=handed_over),
        kb,
        _playbook(playbook, kb, config),
        when,
        _seed(conversation, turns),
    )
    model = _backend(config, backend)
    if model is None:
        text, review = _offline(ctx)
        return Suggestion(text, "offline", review)
    try:
        answer = ask_model(model, turns, kb)
    except BackendUnavailable as exc:
        text, review = _offline(ctx)
        return Suggestion(text, f"offline (model unavailable: {exc.message})", review)
    answer = as_offers(answer, (HANDED_OVER,) if handed_over else ())
    review = ctx.review(answer)
    failed = failed_checks(review)
    if not failed:
        return Suggestion(answer, "llm", review)
    text, offline_review = _offline(ctx)
    note = f"offline (the model's reply failed {', '.join(failed)})"
    return Suggestion(text, note, offline_review)
