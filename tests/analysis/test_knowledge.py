"""The knowledge base file: the shipped default, rendering of facts, and clear errors."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest

from calmdesk.analysis.kb import load_knowledge_base
from calmdesk.analysis.knowledge import default_knowledge_base, parse_knowledge_base
from calmdesk.analysis.reply import default_playbook
from calmdesk.domain import Cause, ConfigError


def test_default_knowledge_base_covers_every_cause() -> None:
    kb = default_knowledge_base()
    assert {c.value for c in Cause} <= set(kb.causes)
    assert kb.escalation.within in kb.facts


def test_default_knowledge_base_agrees_with_the_default_playbook_facts() -> None:
    kb_facts = {f.name: (f.value, f.unit) for f in default_knowledge_base().policy_facts()}
    for fact in default_playbook().facts:
        if fact.name in kb_facts:
            assert kb_facts[fact.name] == (fact.value, fact.unit)


def test_render_fills_fact_placeholders_with_value_and_unit() -> None:
    kb = parse_knowledge_base(
        {
            "facts": [
                {"id": "refund_time", "keywords": ["refund"], "value": 5, "unit": "business days"},
                {"id": "callback", "keywords": ["call"], "value": 1, "unit": "business days"},
            ]
        }
    )
    text = kb.render("Refunds take {refund_time}; we call within {callback}.")
    assert text == "Refunds take 5 business days; we call within 1 business day."


def test_load_knowledge_base_without_a_path_gives_the_default() -> None:
    assert load_knowledge_base(None) is default_knowledge_base()


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ([1, 2], "file"),
        ({"facts": "refund"}, "facts"),
        ({"facts": [{"id": "x", "keywords": ["a"], "value": -1, "unit": "days"}]}, "value"),
        ({"facts": [{"id": "x", "keywords": ["a"], "value": True, "unit": "days"}]}, "value"),
        ({"facts": [{"id": "Bad Id", "keywords": ["a"], "value": 1, "unit": "days"}]}, "id"),
        ({"facts": [{"id": "x", "keywords": [], "value": 1, "unit": "days"}]}, "keywords"),
        ({"facts": [{"id": "x", "keywords": ["a"], "value": 1}]}, "unit"),
        ({"causes": {"defect": {"concern": "", "options": []}}}, "concern"),
        ({"causes": {"defect": {"concern": "c", "options": ["within {nope}"]}}}, "nope"),
        ({"escalation": {"within": "missing_fact"}}, "escalation.within"),
    ],
)
def test_parse_knowledge_base_names_the_faulty_key(data: Any, where: str) -> None:
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        parse_knowledge_base(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"facts: [unclosed", "not valid YAML"),
        (b"\xff\xfe binary", "not UTF-8"),
        (b"x" * 600_000, "larger than"),
    ],
)
def test_load_knowledge_base_rejects_unusable_files(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "kb.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_knowledge_base(path)


def test_load_knowledge_base_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_knowledge_base(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    "name",
    [
        "promises.commitments",
        "promises.due_dates",
        "promises.rules",
        "knowledge",
        "kb.load",
        "llm",
        "redact",
        "suggest",
        "suggest.compose",
        "suggest.phrases",
        "suggest.prompt",
    ],
)
def test_promise_and_suggestion_modules_declare_their_public_api(name: str) -> None:
    module = importlib.import_module(f"calmdesk.analysis.{name}")
    own = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and getattr(v, "__module__", None) == module.__name__
        and (inspect.isfunction(v) or inspect.isclass(v))
    }
    assert own <= set(module.__all__)
    assert all(hasattr(module, n) for n in module.__all__)
