"""The scenario library: what ships, and how a broken scenario file is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from calmdesk.analysis.roleplay import default_scenarios, load_scenarios, scenario_by_id
from calmdesk.domain.errors import ConfigError, NotFound

_SHIPPED = Path(__file__).resolve().parents[3] / "src/calmdesk/defaults/scenarios"


def test_library_ships_at_least_twelve_scenarios_covering_every_cause() -> None:
    scenarios = default_scenarios()
    assert len(scenarios) >= 12
    assert {s.cause for s in scenarios} == {"C1", "C2", "C3", "C4", "C5"}


def test_library_covers_the_hard_kinds() -> None:
    scenarios = default_scenarios()
    assert any(s.requires_boundary for s in scenarios)  # abusive: P13 expected
    assert any("escalation" in s.needs for s in scenarios)  # must be escalated: P14
    assert any(s.phone_style for s in scenarios)
    assert all(s.facts or not s.needs_facts for s in scenarios)


def test_every_scenario_documents_itself() -> None:
    for path in sorted(_SHIPPED.glob("*.yaml")):
        assert path.read_text(encoding="utf-8").startswith("# "), path.name


def _write(tmp_path: Path, data: object, name: str = "late-order") -> Path:
    (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return tmp_path


def _good() -> dict[str, object]:
    return yaml.safe_load((_SHIPPED / "late-order.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cause": "C9"}, "cause"),
        ({"difficulty": 9}, "difficulty"),
        ({"angered_by": {"sunshine": 0.5}}, "unknown events"),
        ({"calmed_by": {"empathy": 3}}, "0 to 1"),
        ({"lines": {"repeat": ["x"]}}, "opening"),
        ({"lines": {"opening": []}}, "non-empty"),
        ({"id": "other"}, "file name"),
        ({"success": {"upset_below": 0.4, "trust_at_least": 0.5, "needs": ["luck"]}}, "unknown"),
    ],
)
def test_broken_scenarios_are_refused_with_the_reason(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    data = {**_good(), **change}
    with pytest.raises(ConfigError, match=message):
        load_scenarios(_write(tmp_path, data))


@pytest.mark.parametrize("content", [b"{{{ not yaml", b"\xff\xfe\x00binary", b"- a list"])
def test_unreadable_scenario_files_are_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "late-order.yaml").write_bytes(content)
    with pytest.raises(ConfigError):
        load_scenarios(tmp_path)


def test_huge_scenario_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "late-order.yaml").write_text("# " + "x" * 300_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="bytes"):
        load_scenarios(tmp_path)


def test_unknown_scenario_says_how_to_list_them() -> None:
    with pytest.raises(NotFound, match="roleplay list"):
        scenario_by_id("no-such-scenario")
