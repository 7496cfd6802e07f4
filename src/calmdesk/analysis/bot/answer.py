"""Wording of the bot's turns: the extractive answer with its citation, the one clarifying
question, and the hand-off message telling the customer who answers and roughly when."""

from __future__ import annotations

import re
from collections.abc import Sequence

from calmdesk.analysis.kb.index import Hit

__all__ = ["BOT_INTRO", "clarifying_question", "extractive_answer", "handoff_message"]

BOT_INTRO = "Hi, I am {name}, a bot."
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "a an the i you we my your our is are was be to of in on for and or it this that do does "
    "can how what when where why which with at by from me have has will would could should".split()
)
MAX_SENTENCES = 3


def _words(text: str) -> set[str]:
    return {w[:6] for w in _WORD.findall(text.lower()) if w not in _STOP}


def _best_sentences(question: str, passage: str) -> list[str]:
    sentences = [s.strip() for s in _SENTENCE.split(passage) if s.strip()]
    if len(sentences) <= MAX_SENTENCES:
        return sentences
    asked = _words(question)
    ranked = sorted(range(len(sentences)), key=lambda i: (-len(asked & _words(sentences[i])), i))
    keep = sorted(ranked[:MAX_SENTENCES])
    return [sentences[i] for i in keep]


def extractive_answer(question: str, hit: Hit, intro: str | None) -> str:
    """The passage's sentences that answer the question, with the article cited."""
    pieces = sorted((hit.passage, *hit.also[:1]), key=lambda p: p.position)
    body = " ".join(_best_sentences(question, " ".join(p.text for p in pieces)))
    cite = f'(From our help article "{hit.article.title}".)'
    return " ".join(p for p in (intro, body, cite) if p)


def clarifying_question(hits: Sequence[Hit], intro: str | None) -> str:
    a, b = hits[0].article.title, hits[1].article.title
    ask = f'Just to be sure I answer the right question: is it about "{a}" or "{b}"?'
    return " ".join(p for p in (intro, ask) if p)


def handoff_message(who: str, when: str, reason: str, intro: str | None) -> str:
    if reason == "abusive":
        lead = "I'll pass this conversation to a person."
    elif reason in ("upset", "complaint", "failed_twice"):
        lead = (
            "I'm sorry this has been frustrating; I'm passing you to a person who can sort it out."
        )
    elif reason in ("asks_for_person", "legal", "threat", "cancellation", "high_tier"):
        lead = "I'm passing you to a person who can help with this."
    else:
        lead = "I can't answer that reliably myself, so I'm passing you to a person."
    return " ".join(p for p in (intro, lead, f"{who} will answer here {when}.") if p)
