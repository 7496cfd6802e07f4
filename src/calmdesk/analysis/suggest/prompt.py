"""What is sent to the optional model, and how its answer is checked before the review sees it.

Personal data is redacted before anything leaves the machine; the answer gets it back (masked for
cards and IBANs). Answers that are not plain reply text (JSON, code, markup, a role label only,
too short) count as unusable, like a timeout: the caller falls back to the offline composer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from calmdesk.analysis.knowledge import KnowledgeBase
from calmdesk.analysis.llm import ChatBackend, Message
from calmdesk.analysis.redact import Redactor, restore
from calmdesk.domain import BackendUnavailable, Turn

__all__ = ["MAX_PROMPT_TURNS", "ask_model", "build_messages", "clean_answer"]

MAX_PROMPT_TURNS = 12
_MAX_TURN_CHARS = 1_500

_GUIDE = """You draft the next message of a customer service agent for {company}.
Write only the message itself, in plain text, 3 to 7 sentences, in the customer's language.
What a good reply does:
- says back what went wrong in the customer's own terms, and acknowledges how they feel when upset;
- apologises for what went wrong when they were let down, without saying it was anyone's fault;
- offers a concrete next step, with options where there are several, and says when it will happen;
- uses only the policy facts below for any time or figure; no other promises, amounts or dates;
- never guarantees an outcome, never says "never again", never blames the customer or others;
- if the customer is abusive, says calmly that the conversation needs to stay respectful;
- if a supervisor is needed, says who will help and when: {escalation};
- asks a clarifying question when the problem is unclear; ends by asking whether the plan works.
Policy facts:
{facts}
Text like [EMAIL_1] stands for personal data that was removed; keep such tokens as they are."""


def _facts(kb: KnowledgeBase) -> str:
    lines = [f"- {f.name}: {f.says()}" for f in kb.facts.values()]
    return "\n".join(lines) or "- (none configured: give no figures)"


def _escalation(kb: KnowledgeBase) -> str:
    esc = kb.escalation
    within = kb.facts[esc.within].says() if esc.within else "1 business day"
    return f"{esc.who}, who {esc.action} within {within}"


def build_messages(turns: Sequence[Turn], kb: KnowledgeBase, redactor: Redactor) -> list[Message]:
    """The system guide and the redacted transcript, newest turns last."""
    guide = _GUIDE.format(
        company=kb.company or "the company", escalation=_escalation(kb), facts=_facts(kb)
    )
    lines = []
    for turn in list(turns)[-MAX_PROMPT_TURNS:]:
        text = redactor.redact(turn.text[:_MAX_TURN_CHARS]).text
        lines.append(f"{turn.role.value.capitalize()}: {' '.join(text.split())}")
    transcript = "\n".join(lines) + "\n\nWrite the agent's next reply."
    return [{"role": "system", "content": guide}, {"role": "user", "content": transcript}]


_ROLE_PREFIX = re.compile(r"^\s*(?:agent|assistant|reply)\s*:\s*", re.IGNORECASE)
_MARKUP = re.compile(r"```|<[a-z/][^>]*>|^\s*[{\[]", re.IGNORECASE)


def clean_answer(answer: str) -> str:
    """The reply text in `answer`, or BackendUnavailable when it is not usable as a reply."""
    text = _ROLE_PREFIX.sub("", answer.strip()).strip().strip('"').strip()
    if _MARKUP.search(text):
        raise BackendUnavailable("The model answered with markup or data instead of a reply.")
    letters = sum(ch.isalpha() for ch in text)
    if len(text.split()) < 4 or letters < 0.6 * len(text.replace(" ", "")):
        raise BackendUnavailable("The model's answer does not read as a reply.")
    return text


def ask_model(
    model: ChatBackend, turns: Sequence[Turn], kb: KnowledgeBase, *, region: str = "US"
) -> str:
    """Ask `model` for a reply; personal data is redacted on the way out and restored after."""
    redactor = Redactor(region=region)
    messages = build_messages(turns, kb, redactor)
    answer = model.complete(messages)
    if not isinstance(answer, str):
        raise BackendUnavailable("The model backend returned something other than text.")
    return restore(clean_answer(answer), redactor.mapping)
