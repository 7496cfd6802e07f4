"""Running the encoder and heads over many texts at once, remembering recent texts' results.

A conversation re-sends its earlier turns each time it is analysed; the cache makes the cost of
one more turn the cost of that turn alone. Every text gets its sentence vector (the reply heads
read the turns around an agent's reply); only customer and bot turns get head scores, since an
agent turn's signals come from the reply heads and nothing reads its customer heads.
"""

from __future__ import annotations

import atexit
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from calmdesk.analysis.context import Encode, HeadRow
from calmdesk.domain.conversation import Role
from calmdesk.domain.errors import MalformedInput

__all__ = ["CACHE_SIZE", "Models", "Predict", "Scored", "default_models", "is_default"]

CACHE_SIZE = 8192

Predict = Callable[[Sequence[str], np.ndarray], list[HeadRow]]


@dataclass(frozen=True, slots=True)
class Scored:
    """A text's head scores and its sentence vector (None for an empty text).

    `heads` is None for a text scored only as an agent's turn (see `Models.score`)."""

    heads: HeadRow | None
    embedding: np.ndarray | None

    def row(self) -> HeadRow:
        """The head scores, which the caller asked for (a text of a customer or bot turn)."""
        if self.heads is None:
            raise RuntimeError("head scores were not computed for an agent-only text")
        return self.heads


_EMPTY = Scored(HeadRow.neutral(), None)


@dataclass(slots=True, eq=False)
class Models:
    """An encoder and heads behind a small LRU cache keyed by the cleaned text."""

    encode: Encode
    predict: Predict
    cache_size: int = CACHE_SIZE
    _cache: OrderedDict[str, Scored] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def score(self, texts: Sequence[str], roles: Sequence[Role] | None = None) -> dict[str, Scored]:
        """Scores of every distinct text in `texts`, new ones computed in one batch.

        `roles[i]` is the role of the turn `texts[i]` came from: a text seen only in agent turns
        gets its vector and no head scores (`heads` None); without `roles` every text gets both.
        """
        if roles is not None and len(roles) != len(texts):
            raise MalformedInput("score() takes one role per text.")
        wanted = {t for t in texts if t.strip()}
        read = wanted
        if roles is not None:
            read = {t for t, r in zip(texts, roles, strict=True) if r is not Role.AGENT}
        with self._lock:
            found = {t: self._cache[t] for t in wanted if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        fresh: dict[str, Scored] = {}
        missing = sorted(wanted - found.keys(), key=len)
        if missing:
            vectors = np.asarray(self.encode(missing), dtype=np.float32)
            fresh = {t: Scored(None, vectors[i]) for i, t in enumerate(missing)}
        found.update(fresh)
        lacking = sorted((t for t in read & wanted if found[t].heads is None), key=len)
        if lacking:
            rows = self.predict(lacking, np.stack([_vector(found[t]) for t in lacking]))
            for text, row in zip(lacking, rows, strict=True):
                fresh[text] = found[text] = Scored(row, found[text].embedding)
        if fresh:
            self._remember(fresh)
        found.update({t: _EMPTY for t in texts if not t.strip()})
        return found

    def _remember(self, fresh: dict[str, Scored]) -> None:
        with self._lock:
            for text, scored in fresh.items():
                self._cache[text] = scored
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


def _vector(scored: Scored) -> np.ndarray:
    if scored.embedding is None:  # pragma: no cover - only empty texts lack one
        raise RuntimeError("a scored text has no vector")
    return scored.embedding


def _head_rows(texts: Sequence[str], vectors: np.ndarray) -> list[HeadRow]:
    """English heads for English turns; the multilingual heads for every other language.

    Every text also gets the customer heads (sarcasm, cause topic) and its detected language.
    The English heads run on English texts only (another language reads the multilingual ones),
    and the text features both share (n-grams, surface cues, VADER) are computed once.
    """
    from calmdesk.analysis import heads
    from calmdesk.analysis.customer import heads as customer_heads
    from calmdesk.analysis.language import detect_language

    texts = list(texts)
    found = [detect_language(t) for t in texts]
    english = [i for i, f in enumerate(found) if f.code == "en"]
    parts = heads.text_parts(texts)
    scores = heads.predict(
        [texts[i] for i in english], vectors[english], parts=[parts[i] for i in english]
    )
    extra = customer_heads.predict(  # the same encoder's vectors; offensive where not English
        texts, vectors, parts=parts, offensive_for=[f.code != "en" for f in found]
    )
    place = {i: k for k, i in enumerate(english)}
    rows = []
    for i, guess in enumerate(found):
        k = place.get(i)
        source: heads.HeadScores | customer_heads.CustomerHeadScores = (
            extra if k is None else scores
        )
        j = i if k is None else k
        rows.append(
            HeadRow(
                source.emotions(j),
                float(source.anger[j]),
                float(source.offensive[j]),
                float(source.complaint[j]),
                float(source.politeness[j]),
                sarcasm=float(extra.sarcasm[i]),
                cause=extra.causes(i),
                language=guess.code,
                language_supported=guess.supported,
                vector=extra.vectors[i],
            )
        )
    return rows


def _encode(texts: Sequence[str]) -> np.ndarray:
    """The multilingual encoder's vectors: every head of the analysis reads them."""
    from calmdesk.analysis.language import encoder

    return encoder.encode(list(texts))


def _load_heads() -> None:
    from calmdesk.analysis import heads
    from calmdesk.analysis.customer import heads as customer_heads

    heads.load()
    customer_heads.load()
    heads.surface_cues("VADER")  # reads VADER's lexicon


def _load_reply_heads() -> None:
    from calmdesk.analysis.reply import model

    model.load()


def _load_causes() -> None:
    from calmdesk.analysis import cause

    cause.prepare(_encode)  # the encoder the default models give the customer scorers


def _loaders() -> tuple[Callable[[], None], ...]:
    from calmdesk.analysis.language import detect
    from calmdesk.analysis.language import encoder as multilingual

    return (multilingual.load, detect.load, _load_heads, _load_reply_heads, _load_causes)


def _quietly(load: Callable[[], None]) -> None:
    try:
        load()
    except Exception:  # the analysis loads it again, and reports the problem there
        pass


def warm_up() -> list[threading.Thread]:
    """Start reading the model files of the heads, each on a thread of its own.

    The first analysis of a process needs them all; read one after another they cost seconds
    (decompressing the language model and the multilingual weights mostly), read together they
    overlap with each other and with the sentence encoder, which the first analysis loads itself.
    Every loader is locked, so a model is read once whoever asks first."""
    threads = [threading.Thread(target=_quietly, args=(f,), daemon=True) for f in _loaders()]
    if not _exit_waits.is_set():
        _exit_waits.set()
        atexit.register(wait_warmed, _EXIT_WAIT_SECONDS)
    _warming.extend(threads)
    for thread in threads:
        thread.start()
    return threads


# A process that ends while a loader is still inside onnxruntime aborts ("terminate called
# without an active exception": the runtime's static threads are torn down under the loader),
# so its exit waits for the loaders first, up to this long each.
_EXIT_WAIT_SECONDS = 60.0
_exit_waits = threading.Event()


_warming: list[threading.Thread] = []


def wait_warmed(timeout: float = 120.0) -> None:
    """Wait until the loader threads `warm_up` started have finished (each up to `timeout` s).

    Reading a model file parses its header with `ast` on that thread; CPython 3.11.7 and older
    3.11 releases may raise SystemError ("AST constructor recursion depth mismatch") in an `ast`
    parse that runs on another thread at the same moment. Tests that parse source (hypothesis
    describing a lambda) wait here first."""
    for thread in list(_warming):
        thread.join(timeout)


_default: list[Models] = []
_default_lock = threading.Lock()


def default_models() -> Models:
    """The project's encoder and trained heads, shared by the process (read on first use, the
    heads' files on threads of their own while the encoder loads: `warm_up`)."""
    with _default_lock:
        if not _default:
            _default.append(Models(_encode, _head_rows))
            warm_up()
        return _default[0]


def is_default(models: Models) -> bool:
    """True for the process's own `default_models()` (what a helper process would load too)."""
    with _default_lock:
        return bool(_default) and models is _default[0]
