"""The optional language-model backend: any OpenAI-compatible chat endpoint.

The suggestion composer talks to a `ChatBackend`, a one-method interface, so tests and the
offline path never touch the network. `OpenAICompatible` posts to `{base_url}/chat/completions`
(vLLM, llama.cpp server, Ollama and hosted providers all speak it), with a hard timeout.
Every failure (connection, timeout, HTTP status, a body that is not the expected JSON, an empty
answer) raises `BackendUnavailable`; the caller falls back to the offline composer. Content given
as a list of text parts is joined; a reasoning model's `<think>...</think>` block is dropped.
`timeout_s` bounds the whole call, however slowly the server sends its answer.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from calmdesk.domain.errors import BackendUnavailable

__all__ = ["MAX_ANSWER_CHARS", "ChatBackend", "Message", "OpenAICompatible"]

MAX_ANSWER_CHARS = 4_000

Message = dict[str, str]


class ChatBackend(Protocol):
    """Anything that turns chat messages into one answer text (or raises BackendUnavailable)."""

    def complete(self, messages: list[Message]) -> str: ...


@dataclass(frozen=True, slots=True)
class OpenAICompatible:
    """A chat endpoint that speaks the OpenAI `chat/completions` protocol."""

    base_url: str
    model: str = "default"
    api_key: str | None = None
    timeout_s: float = 8.0
    max_tokens: int = 400
    temperature: float = 0.3

    def complete(self, messages: list[Message]) -> str:
        body = {
            "model": self.model,
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calmdesk-llm")
        future = pool.submit(self._post, body, headers)
        try:
            response = future.result(timeout=self.timeout_s)  # one deadline for the whole call
        except FuturesTimeout as exc:
            raise BackendUnavailable(
                f"The model endpoint timed out after {self.timeout_s:g} s."
            ) from exc
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        if response.status_code != 200:
            raise BackendUnavailable(f"The model endpoint answered HTTP {response.status_code}.")
        return _answer_text(response)

    def _post(self, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        try:
            return httpx.post(
                self._url(), json=body, headers=headers, timeout=httpx.Timeout(self.timeout_s)
            )
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(
                f"The model endpoint timed out after {self.timeout_s:g} s."
            ) from exc
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"The model endpoint could not be reached ({type(exc).__name__})."
            ) from exc

    def _url(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)


def _text_of(content: Any) -> str:
    """Message content as text: a string, or a list of {"type": "text", "text": ...} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p["text"] for p in content if isinstance(p, dict) and p.get("type") == "text"]
        if parts and all(isinstance(p, str) for p in parts):
            return "".join(parts)
    raise TypeError("content is neither text nor text parts")


def _answer_text(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        content = _text_of(data["choices"][0]["message"]["content"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise BackendUnavailable("The model endpoint sent an answer in an unknown shape.") from exc
    content = _THINKING.sub("", content)
    if not content.strip():
        raise BackendUnavailable("The model endpoint sent an empty answer.")
    if len(content) > MAX_ANSWER_CHARS:
        raise BackendUnavailable("The model endpoint sent an answer far too long for a reply.")
    return content.strip()
