"""Optional: a model phrases the bot's answer, grounded in the retrieved passages only.

The model (any OpenAI-compatible endpoint, `analysis/llm.py`) sees the question and the passages
and nothing else; the customer's words are redacted first. Its answer is checked before use: plain
text (no markup), no figure (number) that the passages do not contain, at most 800 characters.
Anything else (timeout, HTTP error, a failed check) gives the extractive answer instead, with
the reason in `source`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from calmdesk.analysis.kb.index import Hit
from calmdesk.analysis.llm import ChatBackend
from calmdesk.analysis.redact import Redactor
from calmdesk.analysis.suggest.prompt import clean_answer
from calmdesk.domain.errors import BackendUnavailable

__all__ = ["GUIDE", "grounded_answer"]

MAX_CHARS = 800
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
GUIDE = (
    "You are a customer-service help bot. Answer the customer's question in two or three plain "
    "sentences using ONLY the help-article passages given. Do not add facts, figures, promises "
    "or policies that the passages do not state. If the passages do not answer the question, "
    "reply exactly: NO ANSWER."
)


def _prompt(question: str, hits: Sequence[Hit], redactor: Redactor) -> list[dict[str, str]]:
    passages = "\n\n".join(
        f'[{i + 1}] "{h.article.title}": {" ".join(p.text for p in (h.passage, *h.also[:1]))}'
        for i, h in enumerate(hits)
    )
    user = f"Passages:\n{passages}\n\nCustomer question: {redactor.redact(question).text}"
    return [{"role": "system", "content": GUIDE}, {"role": "user", "content": user}]


def _check(answer: str, hits: Sequence[Hit]) -> str:
    if "NO ANSWER" in answer.upper():
        raise BackendUnavailable("The model found no answer in the passages.")
    text = clean_answer(answer)
    if len(text) > MAX_CHARS:
        raise BackendUnavailable("The model's answer is too long.")
    source = " ".join(f"{h.article.title} {h.passage.text} {' '.join(p.text for p in h.also)}"
                      for h in hits)  # fmt: skip
    known = set(_NUMBER.findall(source))
    invented = [n for n in _NUMBER.findall(text) if n not in known]
    if invented:
        raise BackendUnavailable(f"The model stated figures the articles do not: {invented[:3]}.")
    return text


def grounded_answer(
    question: str, hits: Sequence[Hit], model: ChatBackend, fallback: str
) -> tuple[str, str]:
    """(answer, source): the model's checked phrasing with the top article cited, or `fallback`."""
    try:
        raw = model.complete(_prompt(question, hits, Redactor()))
        if not isinstance(raw, str):
            raise BackendUnavailable("The model backend returned something other than text.")
        text = _check(raw, hits)
    except BackendUnavailable as err:
        return fallback, f"extractive ({err.message})"
    return f'{text} (From our help article "{hits[0].article.title}".)', "llm"
