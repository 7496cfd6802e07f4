"""The playbook file: the default loads, and every kind of bad file gives a clear ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from calmdesk.analysis.reply import check_names, default_playbook, load_playbook
from calmdesk.domain import ConfigError

DEFAULT = Path(__file__).parents[3] / "src" / "calmdesk" / "defaults" / "playbook.yaml"


def test_default_playbook_configures_every_check() -> None:
    playbook = default_playbook()
    assert set(playbook.checks) == set(check_names())
    assert all(s.enabled and s.weight > 0 for s in playbook.checks.values())
    assert playbook.authority.max_refund == 100
    assert playbook.facts and playbook.admit_fault is False


def test_load_playbook_reads_the_documented_default_file() -> None:
    assert load_playbook(DEFAULT) == default_playbook()


def test_load_playbook_reads_a_company_file(tmp_path: Path) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(
        "admit_fault: true\ntimezone: Europe/Berlin\nbusiness_days: Mon,Tue,Wed\n"
        "authority: {max_refund: 20, currency: eur}\n"
        "checks:\n  no_blame: {weight: 5, banned: [per policy]}\n  clarifies: {enabled: false}\n",
        encoding="utf-8",
    )
    playbook = load_playbook(path)
    assert playbook.admit_fault and playbook.timezone == "Europe/Berlin"
    assert playbook.authority.currency == "EUR" and playbook.authority.max_refund == 20
    assert playbook.setting("no_blame").banned == ("per policy",)
    assert playbook.setting("clarifies").enabled is False
    assert playbook.setting("empathises").weight == 1.0


@pytest.mark.parametrize(
    ("content", "names"),
    [
        ("checks: [1, 2\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("colour: blue\n", "unknown key(s) colour"),
        ("checks:\n  be_nice: {weight: 1}\n", "checks.be_nice: no such check"),
        ("checks:\n  no_blame: {weight: -2}\n", "checks.no_blame.weight"),
        ("checks:\n  no_blame: {weight: heavy}\n", "checks.no_blame.weight"),
        ("checks:\n  no_blame: {enabled: maybe}\n", "checks.no_blame.enabled"),
        ("checks:\n  no_blame: {phrases: [ok, 3]}\n", "checks.no_blame.phrases"),
        ("checks:\n  no_blame: {colour: red}\n", "unknown key(s) colour"),
        ("authority: {max_refund: lots}\n", "authority.max_refund"),
        ("authority: 12\n", "authority: expected a mapping"),
        ("facts: {name: x}\n", "facts: expected a list"),
        ("facts:\n  - {name: refund, keywords: [], value: 5, unit: days}\n", "facts[0].keywords"),
        ("facts:\n  - {name: refund, keywords: [refund], value: 5}\n", "facts[0].unit"),
        ("admit_fault: sometimes\n", "admit_fault"),
        ("timezone: Mars/Olympus\n", "timezone"),
        ("business_days: Funday\n", "business_days"),
    ],
)
def test_load_playbook_rejects_bad_files_with_config_error(tmp_path, content, names) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_playbook(path)
    assert names in caught.value.message
    assert str(caught.value).startswith("E501: ")


@pytest.mark.parametrize(
    ("data", "names"),
    [(b"\xff\xfe\x00binary", "not UTF-8"), (b"a: 1\n" * 200_000, "larger than")],
)
def test_load_playbook_rejects_binary_and_huge_files(tmp_path, data, names) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=names):
        load_playbook(path)


def test_load_playbook_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_playbook(tmp_path / "nope.yaml")
