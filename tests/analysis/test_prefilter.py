"""The rule prefilter never rules out a text a rule matches, and rules out most others."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calmdesk.analysis import cause, mentions, patterns, tone
from calmdesk.analysis.prefilter import Guarded, may_match, needed
from calmdesk.analysis.reply import lexicon, politeness

LABELLED = Path(__file__).resolve().parents[1] / "data" / "labelled"


def rule_patterns() -> list[re.Pattern[str]]:
    rules = [
        *tone._NEGATIVE_RULES, *tone._GRATITUDE_RULES, *tone._URGENCY_RULES,
        *tone._WAITING_RULES, *tone._MILD_RULES, *tone._POSITIVE_RULES,
        *mentions._REQUEST_RULES, *mentions._THREAT_RULES, *cause._RULES, *patterns._ABUSE_RULES,
    ]  # fmt: skip
    out = [r.pattern for r in rules]
    out += [g.regex for g in (*lexicon.DRAFT_PATTERNS.values(), *lexicon.CUSTOMER_CUES.values())]
    return out + [p for _, p, _ in politeness.MARKERS]


def labelled_texts() -> list[str]:
    out = []
    for name, key in (("customer_messages.jsonl", "text"), ("agent_replies.jsonl", "reply")):
        with (LABELLED / name).open(encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        out += [r[key] for r in rows] + [c for r in rows for c in r.get("context", [])]
    return out


def test_prefilter_never_rules_out_a_match_of_the_analysis_rules() -> None:
    texts, rules = labelled_texts(), rule_patterns()
    assert len(rules) > 90
    ruled_out = 0
    for pattern in rules:
        for text in texts:
            if not may_match(pattern, text):
                ruled_out += 1
                assert next(pattern.finditer(text), None) is None, (pattern.pattern[:60], text)
    assert ruled_out > 0.5 * len(texts) * len(rules)  # the point of it: most pairs are skipped
    assert sum(needed(p) is None for p in rules) <= 4


@pytest.mark.parametrize(
    ("regex", "strings"),
    [
        (r"\b(?:sorry|apologi[sz]e)\b", {"sorry", "apologise", "apologize"}),
        (r"refund(?:ed)?\s+(?:now|today)", {"refund"}),
        (r"\b(?:still|yet)\s+\w+\s+(?:waiting|nothing)", {"waiting", "nothing"}),
        (r"x?", None),  # can match nothing
        (r"(?=late)\w+", None),  # a lookahead says nothing of the match itself
        (r"\b\w+\b", None),
        (r"caf[eé]", {"caf"}),  # the other-alphabet part is no requirement
        (r"ça va", {"a va"}),
    ],
)
def test_prefilter_needed_strings(regex: str, strings: set[str] | None) -> None:
    found = needed(re.compile(regex, re.IGNORECASE))
    assert (None if found is None else set(found)) == strings


def test_prefilter_reads_other_alphabets_and_cases_as_maybe() -> None:
    pattern = re.compile(r"\bsorry\b", re.IGNORECASE)
    assert may_match(pattern, "SORRY about that") and not may_match(pattern, "so rry")
    # a non-ASCII text is never ruled out: case folding there is not plain lowercasing
    assert may_match(pattern, "ſorry") and pattern.search("ſorry") is not None
    assert may_match(re.compile("k", re.IGNORECASE), "\u212a")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="sory apolgizedfunkSORY'!?\n", max_size=40))
def test_prefilter_guarded_pattern_gives_the_patterns_own_results(text: str) -> None:
    regex = re.compile(r"\b(?:so+rry|apologi[sz]e[ds]?|not (?:our|my) fault)\b", re.IGNORECASE)
    guarded = Guarded(regex)
    assert guarded.findall(text) == regex.findall(text)
    assert [m.span() for m in guarded.finditer(text)] == [m.span() for m in regex.finditer(text)]
    assert (guarded.search(text) is None) == (regex.search(text) is None)
    assert guarded.pattern == regex.pattern


def test_a_rule_group_is_ruled_out_only_when_no_rule_of_it_can_match() -> None:
    from calmdesk.analysis import patterns, tone
    from calmdesk.analysis.prefilter import may_match, may_match_any

    groups = [tone._NEGATIVE_RULES, tone._WAITING_RULES, patterns._ABUSE_RULES]
    texts = [
        "Still waiting for my refund, this is a disgrace",
        "thanks, all sorted",
        "you useless idiots",
        "Ça ne marche pas, c'est nul",
        "",
        "order 12345",
    ]
    for rules in groups:
        compiled = tuple(rule.pattern for rule in rules)
        for text in texts:
            each = any(may_match(p, text, text.lower()) for p in compiled)
            assert may_match_any(compiled, text, text.lower()) == each, (text, rules[0].label)
            if not each:
                assert patterns.find_hits(text, rules) == []
    assert not may_match_any(tuple(r.pattern for r in tone._WAITING_RULES), "thanks", "thanks")


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(alphabet="abcs'", min_size=1, max_size=5), min_size=1, max_size=12),
    st.text(alphabet="abcs' x", max_size=40),
)
def test_the_trie_of_needed_strings_finds_a_text_holding_any_of_them(
    strings: set[str], text: str
) -> None:
    from calmdesk.analysis.prefilter import _trie

    assert (re.search(_trie(strings), text) is not None) == any(s in text for s in strings)


@pytest.mark.parametrize(
    "text",
    ["I'm SO sorry, it is LATE again!!", "nothing here", "Es tut mir leid, spät!", "", "late late"],
)
def test_matches_and_search_give_the_rule_s_own_results(text: str) -> None:
    from calmdesk.analysis.prefilter import matches, search

    for pattern in rule_patterns():
        got = [(m.span(), m.groups()) for m in matches(pattern, text)]
        assert got == [(m.span(), m.groups()) for m in pattern.finditer(text)]
        one, want = search(pattern, text), pattern.search(text)
        assert (one and one.span()) == (want and want.span())


def test_a_group_joined_anew_on_every_call_reuses_its_union() -> None:
    """A caller that joins module tables into a new tuple each time (`(*a, *b)`) gets the union
    made the first time, and the answers stay those of the rules."""
    from calmdesk.analysis import prefilter

    first = (*mentions._REQUEST_RULES, *mentions._THREAT_RULES)
    again = (*mentions._REQUEST_RULES, *mentions._THREAT_RULES)
    assert first is not again
    patterns = tuple(r.pattern for r in first)
    text = "I will dispute the charge with my bank and I want your manager."
    assert prefilter.may_match_any(patterns, text, text.lower())
    union = prefilter._union(patterns)
    assert prefilter._union(tuple(r.pattern for r in again)) is union
    assert patterns_found(first, text) == patterns_found(again, text) != []
    assert patterns_found(again, "Thanks, all sorted.") == []


def patterns_found(rules: tuple[patterns.Rule, ...], text: str) -> list[tuple[str, int, int]]:
    return [(h.label, h.span.start, h.span.end) for h in patterns.find_hits(text, rules)]
