"""Hybrid retrieval over passages: BM25 (bm25s, Snowball stems) and the encoder's embeddings,
fused by reciprocal rank fusion; articles ranked by their best passage.

The index is built from articles handed in (pure: no files, no database); the embedding function
is passed in so tests and benchmarks can share vectors. Scores are 0-1 (`confidence`): the fused
rank score of the best passage scaled to what a first place in both lists would get, blended with
the best passage's cosine similarity, so a question that matches nothing scores low in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from calmdesk.analysis.kb.article import Article
from calmdesk.analysis.kb.passages import Passage, passages_of

__all__ = ["Embed", "Hit", "KbIndex", "build_index", "tokenize"]

Embed = Callable[[Sequence[str]], np.ndarray]
RRF_K = 60
_DEPTH = 50  # how many passages each retriever contributes to the fusion
_SPARE = 5  # articles ranked by fusion beyond k, so the final order by score is stable in k
_stem: list[Any] = []


def _stemmer() -> Any:
    if not _stem:
        import Stemmer

        _stem.append(Stemmer.Stemmer("english"))
    return _stem[0]


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased word stems without English stop words (what BM25 counts)."""
    import re

    from bm25s.stopwords import STOPWORDS_EN

    stop = set(STOPWORDS_EN)
    stemmer = _stemmer()
    words = [[w for w in re.findall(r"[a-z0-9]+", t.lower()) if w not in stop] for t in texts]
    return [stemmer.stemWords(ws) or [""] for ws in words]


@dataclass(frozen=True, slots=True)
class Hit:
    """An article and how well it answers: `score` 0-1, `passage` the best piece of it."""

    article: Article
    passage: Passage
    score: float
    lexical: float  # BM25 score of the best passage (0 when BM25 did not find it)
    cosine: float  # cosine similarity of the best passage with the question
    also: tuple[Passage, ...] = ()  # the article's next-best passages that the fusion found


class KbIndex:
    """Search articles by a question: `search(text, k)` -> hits, best first."""

    def __init__(self, articles: Sequence[Article], embed: Embed, vectors: np.ndarray | None):
        import bm25s

        self.articles = {a.id: a for a in articles}
        self.passages = [p for a in articles for p in passages_of(a)]
        self._embed = embed
        texts = [self._text(p) for p in self.passages]
        self._bm25 = bm25s.BM25()
        if texts:
            self._bm25.index(tokenize(texts), show_progress=False)
        if vectors is None:
            vectors = embed(texts) if texts else np.zeros((0, 1), np.float32)
        if len(vectors) != len(texts):
            raise ValueError("one vector per passage is needed")
        self.vectors = np.asarray(vectors, np.float32)

    def _text(self, p: Passage) -> str:
        article = self.articles[p.article_id]
        return p.indexed_text(article.title, article.tags)

    def __len__(self) -> int:
        return len(self.articles)

    def _lexical(self, question: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        tokens = tokenize([question])
        if tokens == [[""]]:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        docs, scores = self._bm25.retrieve(tokens, k=depth, show_progress=False, n_threads=1)
        keep = scores[0] > 0
        return docs[0][keep], scores[0][keep]

    def search(self, question: str, k: int = 5, team: str | None = None) -> list[Hit]:
        """The best `k` articles for the question (`team`: its own articles and shared ones)."""
        if not self.passages or not question.strip():
            return []
        depth = min(_DEPTH, len(self.passages))
        lex_ids, lex_scores = self._lexical(question, depth)
        cos = self.vectors @ self._embed([question])[0]
        dense_ids = np.argpartition(-cos, depth - 1)[:depth]
        dense_ids = dense_ids[np.argsort(-cos[dense_ids])]
        fused: dict[int, float] = {}
        lexical = dict(zip(lex_ids.tolist(), lex_scores.tolist(), strict=True))
        for rank, pid in enumerate(lex_ids.tolist()):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, pid in enumerate(dense_ids.tolist()):
            fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)
        return self._articles(fused, lexical, cos, k, team)

    def _articles(
        self, fused: dict[int, float], lexical: dict[int, float], cos: np.ndarray, k: int,
        team: str | None,
    ) -> list[Hit]:  # fmt: skip
        best = 2.0 / (RRF_K + 1)
        hits: dict[str, Hit] = {}
        for pid, value in sorted(fused.items(), key=lambda kv: -kv[1]):
            passage = self.passages[pid]
            article = self.articles[passage.article_id]
            if article.team and team and article.team != team:
                continue
            if article.id in hits:
                hit = hits[article.id]
                if len(hit.also) < 2:
                    hits[article.id] = replace(hit, also=(*hit.also, passage))
                continue
            if len(hits) >= k + _SPARE:
                continue
            similarity = float(max(cos[pid], 0.0))
            score = 0.3 * (value / best) + 0.7 * similarity
            hits[article.id] = Hit(article, passage, round(score, 4), lexical.get(pid, 0.0),
                                   round(similarity, 4))  # fmt: skip
        return sorted(hits.values(), key=lambda h: -h.score)[:k]


def build_index(
    articles: Sequence[Article], embed: Embed | None = None, vectors: np.ndarray | None = None
) -> KbIndex:
    """An index over `articles`; `embed` defaults to the project's sentence encoder."""
    if embed is None:
        from calmdesk.analysis.encoder import encode

        embed = encode
    return KbIndex(articles, embed, vectors)
