"""The lowercase twin of a rule matches exactly where the rule does, and Guarded gives the rule's
own results whichever way it reads a text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_prefilter import labelled_texts, rule_patterns

from calmdesk.analysis.casefold import lowercase_twin
from calmdesk.analysis.prefilter import Guarded


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, tuple[str | None, ...]]]:
    return [(m.start(), m.end(), m.groups()) for m in pattern.finditer(text)]


def twin_spans(pattern: re.Pattern[str], twin: re.Pattern[str], text: str) -> list[Any]:
    """The twin's matches on the lowercased text, read back as the rule's own matches."""
    out = []
    for found in twin.finditer(text.lower()):
        match = pattern.match(text, found.start())
        assert match is not None and match.end() == found.end()
        out.append((match.start(), match.end(), match.groups()))
    return out


def mixed_case(text: str, seed: int) -> str:
    return "".join(c.upper() if (i * 7 + seed) % 3 == 0 else c for i, c in enumerate(text))


@pytest.fixture(scope="module")
def ascii_texts() -> list[str]:
    texts = [t for t in labelled_texts() if t.isascii()]
    return texts[:1500] + [t.upper() for t in texts[:300]] + [mixed_case(t, 1) for t in texts[:600]]


def test_every_ignorecase_rule_of_the_analysis_has_a_twin_that_matches_the_same(
    ascii_texts: list[str],
) -> None:
    checked = 0
    for pattern in rule_patterns():
        if not pattern.flags & re.IGNORECASE:
            continue
        twin = lowercase_twin(pattern)
        assert twin is not None, pattern.pattern[:80]
        for text in ascii_texts:
            assert twin_spans(pattern, twin, text) == spans(pattern, text), (pattern.pattern, text)
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize(
    ("regex", "text"),
    [
        (r"\b(?:late|delay\w*)\b", "It is LATE and Delayed, not lately."),
        (r"[A-Z]{2,}\d", "ab1 CD2 xY9"),  # a class of capitals reads lowercase letters too
        (r"[^a-c]+", "ABCDEFabcxyz"),  # a negated class
        (r"(?<=order )\d+", "Order 123 and order 45"),  # lookbehind
        (r"(?P<who>i|we) (?P<verb>sent|refunded)", "We SENT it; i refunded."),  # named groups
        (r"^\s*sorry\b", "  Sorry\nsorry again"),
        (r"colou?r (?:red|blue)+?", "COLOR RedBlue colour blue"),  # lazy repeat
        (r"\bno(?!t)\w*", "No, NOT now; nope"),  # negative lookahead
        (r"a.b", "A\nB aXb"),  # dot without DOTALL
        (r"[\w-]+@[\w.]+", "Mail Me@Example.COM now"),
    ],
)
def test_a_twin_finds_the_rule_s_matches(regex: str, text: str) -> None:
    for flags in (re.IGNORECASE, re.IGNORECASE | re.MULTILINE, re.IGNORECASE | re.DOTALL):
        pattern = re.compile(regex, flags)
        twin = lowercase_twin(pattern)
        assert twin is not None
        assert twin.groupindex == pattern.groupindex
        assert twin_spans(pattern, twin, text) == spans(pattern, text)


@pytest.mark.parametrize(
    ("regex", "flags"),
    [
        (r"\bsorry\b", 0),  # case-sensitive: nothing to gain
        (r"(a)\1", re.IGNORECASE),  # a backreference
        (r"(?-i:Sorry) now", re.IGNORECASE),  # inline flags
        (r"(?:sorry)?", re.IGNORECASE),  # can match the empty string
        (r"(a)?(?(1)b|c)", re.IGNORECASE),  # a conditional
    ],
)
def test_no_twin_for_what_it_cannot_reproduce(regex: str, flags: int) -> None:
    assert lowercase_twin(re.compile(regex, flags)) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcSORYlateDLY ?!'\n-", max_size=60))
def test_a_twin_matches_the_rule_on_any_ascii_text(text: str) -> None:
    pattern = re.compile(r"\b(?:sorry|so sorry|late|delay\w*)\b|\?{2,}|!+", re.IGNORECASE)
    twin = lowercase_twin(pattern)
    assert twin is not None
    assert twin_spans(pattern, twin, text) == spans(pattern, text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm SO sorry about the LATE delivery!!",
        "nothing to see here",
        "",
        "Entschuldigung, die Lieferung ist spät. Sorry!",  # not ASCII: the rule itself reads it
        "\u212aelvin sorry",  # the Kelvin sign folds to k under IGNORECASE: read by the rule
        "sorry sorry SORRY",
    ],
)
def test_guarded_gives_the_rule_s_own_results(text: str) -> None:
    regex = re.compile(r"\b(?:(so|very) )?sorry\b|\blate\b|\bkelvin\b", re.IGNORECASE)
    guarded = Guarded(regex)
    found = guarded.search(text)
    want = regex.search(text)
    assert (found and (found.span(), found.groups())) == (want and (want.span(), want.groups()))
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert [m.group(0) for m in guarded.finditer(text)] == [
        m.group(0) for m in regex.finditer(text)
    ]
    assert guarded.findall(text) == regex.findall(text)  # one group: the group's text


@pytest.mark.parametrize("regex", [r"\blate\b", r"(so|very) (sorry)", r"(so )?(sorry)"])
def test_guarded_findall_has_the_rule_s_shape(regex: str) -> None:
    pattern = re.compile(regex, re.IGNORECASE)
    text = "So SORRY, very sorry, sorry. LATE, late."
    assert Guarded(pattern).findall(text) == pattern.findall(text)
