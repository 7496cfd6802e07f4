"""The project's own hand-labelled sets (tests/data/labelled): schema, split, counts, balance.

These files are the dev/test data for the learned reply and customer signals (issue 8, item 5),
so a malformed line, a changed split or a label that drifts out of balance must fail here rather
than silently skew a trained head or a benchmark figure. See tests/data/labelled/README.md.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "labelled"
REPLIES = DATA / "agent_replies.jsonl"
CUSTOMERS = DATA / "customer_messages.jsonl"

SPLITS = ("dev", "test")
CHANNELS = {"chat", "email", "phone", "social"}
REPLY_LABELS = (
    "empathy",
    "apology",
    "reflection",
    "asks_question",
    "offers_solution",
    "blame",
    "polite",
)
CUSTOMER_BINARY = (
    "upset",
    "anger",
    "abuse",
    "sarcasm",
    "urgency",
    "waiting",
    "manager_request",
    "cancel_request",
    "legal_threat",
    "chargeback_threat",
    "public_threat",
)
# Rarer by nature: a floor on the total and on the test split instead of a share per split.
RARE_CUSTOMER = {"abuse", "legal_threat", "chargeback_threat", "public_threat"}
CAUSES = {
    "delivery_delay",
    "defect",
    "billing",
    "service_failure",
    "account_access",
    "expectations",
    "communication",
    "other",
    "none",
}
EMOTIONS = {"anger", "frustration", "sadness", "anxiety", "confusion", "satisfaction", "neutral"}
SUPPORTED_OTHER = ("de", "es", "fr", "pt", "it")
MIN_SHARE = 0.15


def _load(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            assert line.endswith("\n"), f"{path.name}:{number} has no final newline"
            assert line.strip(), f"{path.name}:{number} is blank"
            row = json.loads(line)
            assert isinstance(row, dict), f"{path.name}:{number} is not a JSON object"
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def replies() -> list[dict[str, Any]]:
    return _load(REPLIES)


@pytest.fixture(scope="module")
def customers() -> list[dict[str, Any]]:
    return _load(CUSTOMERS)


def _expected_split(item_id: str) -> str:
    """The fixed rule the split was assigned by when each item was written: 3 in every 10."""
    return "test" if int(item_id[1:]) % 10 in (3, 6, 9) else "dev"


def _is_short_text(value: object) -> bool:
    return isinstance(value, str) and value.strip() != "" and value == value.strip()


def _check_common(rows: list[dict[str, Any]], prefix: str) -> None:
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids), "ids are not unique"
    assert ids == [f"{prefix}{n:04d}" for n in range(1, len(rows) + 1)], "ids are not sequential"
    for row in rows:
        assert row["split"] in SPLITS, row["id"]
        assert row["split"] == _expected_split(row["id"]), f"{row['id']} changed split"
        assert row["channel"] in CHANNELS, row["id"]
        assert isinstance(row["context"], list), row["id"]
        assert all(_is_short_text(turn) for turn in row["context"]), row["id"]


def test_agent_replies_have_the_schema(replies: list[dict[str, Any]]) -> None:
    _check_common(replies, "r")
    for row in replies:
        assert set(row) == {"id", "split", "channel", "team", "context", "reply", "labels"}
        assert _is_short_text(row["team"]), row["id"]
        assert 1 <= len(row["context"]) <= 3, row["id"]
        assert _is_short_text(row["reply"]), row["id"]
        labels = row["labels"]
        assert set(labels) == set(REPLY_LABELS), row["id"]
        for name in REPLY_LABELS:
            assert type(labels[name]) is int and labels[name] in (0, 1), (row["id"], name)


def test_customer_messages_have_the_schema(customers: list[dict[str, Any]]) -> None:
    _check_common(customers, "c")
    _check_customer_rows(customers)


def _check_customer_rows(customers: list[dict[str, Any]]) -> None:
    for row in customers:
        assert set(row) == {"id", "split", "channel", "language", "context", "text", "labels"}
        assert re.fullmatch(r"[a-z]{2}", row["language"]), row["id"]
        assert len(row["context"]) <= 3, row["id"]
        assert _is_short_text(row["text"]), row["id"]
        labels = row["labels"]
        assert set(labels) == {*CUSTOMER_BINARY, "cause", "emotion"}, row["id"]
        for name in CUSTOMER_BINARY:
            assert type(labels[name]) is int and labels[name] in (0, 1), (row["id"], name)
        assert labels["cause"] in CAUSES, row["id"]
        assert labels["emotion"] in EMOTIONS, row["id"]


def test_customer_labels_agree_with_each_other(customers: list[dict[str, Any]]) -> None:
    for row in customers:
        labels = row["labels"]
        assert labels["anger"] == int(labels["emotion"] == "anger"), row["id"]
        if labels["emotion"] in ("anger", "frustration"):
            assert labels["upset"] == 1, row["id"]
        if labels["emotion"] == "satisfaction":
            assert labels["upset"] == 0, row["id"]


@pytest.mark.parametrize("path", [REPLIES, CUSTOMERS], ids=["replies", "customers"])
def test_no_text_is_written_twice(path: Path) -> None:
    key = "reply" if path == REPLIES else "text"
    texts = Counter(" ".join(row[key].lower().split()) for row in _load(path))
    twice = [text for text, count in texts.items() if count > 1]
    assert twice == []


def test_sizes_and_split_ratio(
    replies: list[dict[str, Any]], customers: list[dict[str, Any]]
) -> None:
    assert len(replies) >= 1500
    assert len(customers) >= 1000
    for rows in (replies, customers):
        share = sum(row["split"] == "test" for row in rows) / len(rows)
        assert 0.25 <= share <= 0.35


@pytest.mark.parametrize("path", [REPLIES, CUSTOMERS], ids=["replies", "customers"])
def test_every_channel_is_well_represented(path: Path) -> None:
    rows = _load(path)
    counts = Counter(row["channel"] for row in rows)
    assert set(counts) == CHANNELS
    assert min(counts.values()) >= 0.08 * len(rows)


def _positives(rows: list[dict[str, Any]], name: str, split: str) -> tuple[int, int]:
    part = [row for row in rows if row["split"] == split]
    return sum(row["labels"][name] for row in part), len(part)


@pytest.mark.parametrize("name", REPLY_LABELS)
def test_every_reply_label_is_balanced_in_each_split(
    replies: list[dict[str, Any]], name: str
) -> None:
    for split in SPLITS:
        positive, total = _positives(replies, name, split)
        assert MIN_SHARE * total <= positive <= (1 - MIN_SHARE) * total, (split, positive, total)


@pytest.mark.parametrize("name", [n for n in CUSTOMER_BINARY if n not in RARE_CUSTOMER])
def test_every_common_customer_label_is_balanced_in_each_split(
    customers: list[dict[str, Any]], name: str
) -> None:
    for split in SPLITS:
        positive, total = _positives(customers, name, split)
        assert MIN_SHARE * total <= positive <= (1 - MIN_SHARE) * total, (split, positive, total)


@pytest.mark.parametrize("name", sorted(RARE_CUSTOMER))
def test_rare_customer_labels_have_enough_positives(
    customers: list[dict[str, Any]], name: str
) -> None:
    assert sum(row["labels"][name] for row in customers) >= 60
    assert _positives(customers, name, "test")[0] >= 15


def test_every_cause_and_emotion_occurs_in_both_splits(customers: list[dict[str, Any]]) -> None:
    for field, values in (("cause", CAUSES), ("emotion", EMOTIONS)):
        for split in SPLITS:
            seen = Counter(row["labels"][field] for row in customers if row["split"] == split)
            assert set(seen) == values, (field, split)
        total = Counter(row["labels"][field] for row in customers)
        assert min(total.values()) >= 15, (field, total)


def test_languages_cover_the_supported_and_the_unsupported(
    customers: list[dict[str, Any]],
) -> None:
    languages = Counter(row["language"] for row in customers)
    assert sum(languages[code] for code in SUPPORTED_OTHER) >= 250
    assert all(languages[code] >= 40 for code in SUPPORTED_OTHER), languages
    unsupported = {code for code in languages if code not in {"en", *SUPPORTED_OTHER}}
    assert len(unsupported) >= 4
    assert sum(languages[code] for code in unsupported) >= 35
    for split in SPLITS:
        in_split = {row["language"] for row in customers if row["split"] == split}
        assert {"en", *SUPPORTED_OTHER} <= in_split, split
        assert in_split & unsupported, split


def test_non_english_requests_and_threats_are_labelled(customers: list[dict[str, Any]]) -> None:
    other = [row for row in customers if row["language"] != "en"]
    for name in ("upset", "anger", "abuse", "manager_request", "cancel_request", "legal_threat"):
        assert sum(row["labels"][name] for row in other) >= 15, name


# The calm customer messages (customer_calm.jsonl): ordinary requests, questions, follow-ups,
# thanks; the false-upset check of the learned customer signals.
CALM = DATA / "customer_calm.jsonl"
NEVER_IN_CALM = (
    "upset",
    "anger",
    "abuse",
    "sarcasm",
    "legal_threat",
    "chargeback_threat",
    "public_threat",
)


@pytest.fixture(scope="module")
def calm() -> list[dict[str, Any]]:
    return _load(CALM)


def test_calm_messages_have_the_customer_schema_and_the_split_rule(
    calm: list[dict[str, Any]],
) -> None:
    _check_common(calm, "k")
    _check_customer_rows(calm)
    test_customer_labels_agree_with_each_other(calm)


def test_calm_messages_are_calm_and_say_what_they_ask(calm: list[dict[str, Any]]) -> None:
    for row in calm:
        labels = row["labels"]
        assert all(labels[name] == 0 for name in NEVER_IN_CALM), row["id"]
        assert labels["emotion"] in ("neutral", "satisfaction", "confusion"), row["id"]
    for name in ("waiting", "cancel_request", "manager_request", "urgency"):
        assert sum(row["labels"][name] for row in calm) >= 5, name


def test_calm_messages_size_split_languages_and_channels(calm: list[dict[str, Any]]) -> None:
    assert len(calm) >= 150
    share = sum(row["split"] == "test" for row in calm) / len(calm)
    assert 0.25 <= share <= 0.35
    languages = Counter(row["language"] for row in calm)
    assert languages["en"] >= 100
    assert all(languages[lang] >= 10 for lang in SUPPORTED_OTHER)
    assert set(Counter(row["channel"] for row in calm)) == CHANNELS


def test_calm_messages_are_new_texts(
    calm: list[dict[str, Any]], customers: list[dict[str, Any]]
) -> None:
    def key(row: dict[str, Any]) -> str:
        return " ".join(row["text"].lower().split())

    mine = Counter(key(row) for row in calm)
    assert [text for text, n in mine.items() if n > 1] == []
    assert set(mine) & {key(row) for row in customers} == set()


def test_parallel_calm_versions_share_a_split(calm: list[dict[str, Any]]) -> None:
    """The other-language items are blocks of ten parallel situations, one block per language,
    so position n mod 10 of every block is the same situation and the same split."""
    other = [row for row in calm if row["language"] != "en"]
    blocks = [other[i : i + 10] for i in range(0, len(other), 10)]
    assert len(blocks) == len(SUPPORTED_OTHER) and all(len(b) == 10 for b in blocks)
    assert {b[0]["language"] for b in blocks} == set(SUPPORTED_OTHER)
    for position in range(10):
        assert len({b[position]["split"] for b in blocks}) == 1, position


# The anger/frustration set (customer_tone.jsonl): angry customers beside frustrated but civil
# ones, where the learned anger head needs more examples.
TONE = DATA / "customer_tone.jsonl"


@pytest.fixture(scope="module")
def tone() -> list[dict[str, Any]]:
    return _load(TONE)


def test_tone_messages_have_the_customer_schema_and_the_split_rule(
    tone: list[dict[str, Any]],
) -> None:
    _check_common(tone, "t")
    _check_customer_rows(tone)
    test_customer_labels_agree_with_each_other(tone)


def test_tone_messages_sit_on_the_anger_frustration_line(tone: list[dict[str, Any]]) -> None:
    assert len(tone) >= 300
    for split in SPLITS:
        rows = [row for row in tone if row["split"] == split]
        emotions = Counter(row["labels"]["emotion"] for row in rows)
        # both sides of the line, in every split, and most items on it
        assert emotions["anger"] >= 0.3 * len(rows) and emotions["frustration"] >= 0.3 * len(rows)
        assert emotions["anger"] + emotions["frustration"] >= 0.85 * len(rows)
    share = sum(row["split"] == "test" for row in tone) / len(tone)
    assert 0.25 <= share <= 0.35


def test_tone_messages_languages_channels_and_new_texts(
    tone: list[dict[str, Any]],
    customers: list[dict[str, Any]],
    calm: list[dict[str, Any]],
) -> None:
    languages = Counter(row["language"] for row in tone)
    assert all(languages[lang] >= 10 for lang in SUPPORTED_OTHER)
    assert 0.12 <= 1 - languages["en"] / len(tone) <= 0.2
    assert set(languages) == {"en", *SUPPORTED_OTHER}
    assert set(Counter(row["channel"] for row in tone)) == CHANNELS

    def key(row: dict[str, Any]) -> str:
        return " ".join(row["text"].lower().split())

    mine = Counter(key(row) for row in tone)
    assert [text for text, n in mine.items() if n > 1] == []
    assert set(mine) & {key(row) for row in [*customers, *calm]} == set()
