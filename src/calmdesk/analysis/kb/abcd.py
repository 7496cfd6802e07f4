"""ABCD's agent guidelines (Chen et al. 2021, MIT) as articles: one per subflow.

The files stay in `../shared/data/abcd`; this turns their parsed JSON into articles at import time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from calmdesk.analysis.kb.article import Article
from calmdesk.domain.errors import ArticleInvalid

__all__ = ["abcd_articles"]


def _slug(*parts: str) -> str:
    return "abcd-" + "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts)


def _body(subflow: Mapping[str, Any], actions: list[str]) -> str:
    lines = [str(t) for t in subflow.get("instructions") or []]
    lines.append("")
    for step in subflow.get("actions") or []:
        if not isinstance(step, Mapping):
            continue
        lines.append(f"## {step.get('button') or 'Step'}")
        lines.append(str(step.get("text") or ""))
        lines.extend(f"- {s}" for s in step.get("subtext") or [])
        lines.append("")
    if actions:
        lines.append("## Actions in order")
        lines.append(", ".join(actions))
    return "\n".join(lines).strip()


def abcd_articles(guidelines: Any, kb: Any) -> list[Article]:
    """Articles from ABCD's `guidelines.json` (flows and subflows) and `kb.json` (action lists)."""
    if not isinstance(guidelines, Mapping) or not isinstance(kb, Mapping):
        raise ArticleInvalid("ABCD guidelines.json and kb.json must each be a JSON object.")
    out: list[Article] = []
    for flow, spec in guidelines.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("subflows"), Mapping):
            raise ArticleInvalid(f"ABCD flow {flow!r} has no subflows.")
        for name, sub in spec["subflows"].items():
            key = re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")
            actions = [str(a) for a in kb.get(key, [])]
            tags = (str(flow).lower(), str(spec.get("description") or "").lower()[:60])
            out.append(
                Article(
                    id=_slug(str(flow), str(name)),
                    title=f"{name} ({flow})",
                    body=_body(sub, actions) or str(name),
                    tags=tuple(t for t in tags if t),
                )
            )
    return out
