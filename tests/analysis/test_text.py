from __future__ import annotations

import pytest

from calmdesk.analysis import clean_text
from calmdesk.domain import MalformedInput, UnsupportedValue


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  hello  ", "hello"),
        ("a\x00b\x07c", "abc"),
        ("line\r\nbreak\rhere", "line\nbreak\nhere"),
        ("zero\u200bwidth\u202eflip", "zerowidthflip"),
        ("\ufeffbom", "bom"),
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("caf\u0065\u0301", "café"),
        ("", ""),
    ],
)
def test_clean_text_normalises_and_strips_invisible_characters(raw: str, expected: str) -> None:
    assert clean_text(raw).text == expected


def test_clean_text_replaces_lone_surrogates_and_keeps_pairs() -> None:
    cleaned = clean_text("bad \ud800 end \ud83d\ude00").text
    assert cleaned == "bad \ufffd end \U0001f600"
    cleaned.encode("utf-8")


@pytest.mark.parametrize("size", [11, 1_000_000])
def test_clean_text_truncates_and_flags_long_text(size: int) -> None:
    result = clean_text("x" * size, max_chars=10)
    assert result.truncated
    assert result.text == "x" * 10


def test_clean_text_keeps_short_text_unflagged() -> None:
    assert clean_text("short", max_chars=10).truncated is False


def test_clean_text_accepts_utf8_bytes() -> None:
    assert clean_text("héllo".encode()).text == "héllo"


@pytest.mark.parametrize("value", [b"\xff\xfe\x00binary", 42, None, ["a"], {"text": "a"}])
def test_clean_text_rejects_non_text_with_a_clear_error(value: object) -> None:
    with pytest.raises(MalformedInput):
        clean_text(value)


@pytest.mark.parametrize("limit", [0, -5, True, 2.5])
def test_clean_text_rejects_a_bad_limit(limit: object) -> None:
    with pytest.raises(UnsupportedValue):
        clean_text("text", max_chars=limit)  # type: ignore[arg-type]
