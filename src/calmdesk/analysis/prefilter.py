"""A cheap test that a rule's regular expression cannot match a text, before running it.

Most of the analysis' rules are long alternations of phrases that start with a word boundary;
Python's `re` tries each of them at every position of a text, so a rule that finds nothing (the
usual case) costs its full length times the text's. `needed(pattern)` reads the pattern's
syntax tree once and returns a set of lowercase ASCII strings one of which every match contains
(`{"sorry", "apolog"}` for `\\b(?:sorry|apologi[sz]e)\\b`), or None when it cannot tell;
`may_match(pattern, text)` then answers False only when the text contains none of them, which
plain substring search (C, no backtracking) decides much faster than the rule.

The test is exact, never a guess: it is only used on ASCII texts (where lowercasing is the same
as `re.IGNORECASE`'s case folding) and only from pattern parts made of ASCII literals; anything
else (classes, lookarounds, backreferences, other alphabets) counts as "could be anything".
"""

from __future__ import annotations

import itertools
import operator
import re
import threading
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from calmdesk.analysis.casefold import lowercase_twin

__all__ = ["Guarded", "matches", "may_match", "may_match_any", "needed", "search"]

_MAX_SET = 256  # alternatives kept per set; a larger set counts as "anything"
_CACHE: dict[tuple[str, int], frozenset[str] | None] = {}
_SEARCH: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}
"""By `id()` of the rule's compiled pattern, which the entry keeps alive (so the id is never
reused while it is here): hashing a `re.Pattern` hashes its whole compiled code, ~2 us for a long
alternation, and the analysis asks ~60 times a turn."""
_lock = threading.Lock()

Strings = frozenset[str] | None  # None: no finite description


def _char(code: int) -> str | None:
    c = chr(code)
    return c.lower() if c.isascii() else None


def _bounded(strings: set[str]) -> Strings:
    return frozenset(strings) if len(strings) <= _MAX_SET else None


def _exact_item(op: Any, av: Any) -> Strings:
    """The strings this item matches, exactly (each match is one of them), or None."""
    if op is sre.LITERAL:
        c = _char(av)
        return None if c is None else frozenset({c})
    if op is sre.AT:
        return frozenset({""})  # zero-width: \b, ^, $
    if op is sre.IN:
        chars = [_char(v) if o is sre.LITERAL else None for o, v in av]
        if not chars or any(c is None for c in chars):
            return None
        return _bounded({c for c in chars if c is not None})
    if op is sre.SUBPATTERN:
        return _exact_seq(av[-1])
    if op is sre.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:
            found = _exact_seq(alternative)
            if found is None:
                return None
            out |= found
        return _bounded(out)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] == av[1] == 1:
        return _exact_seq(av[2])
    return None


def _exact_seq(items: Any) -> Strings:
    out: set[str] = {""}
    for op, av in items:
        found = _exact_item(op, av)
        if found is None:
            return None
        out = {a + b for a, b in itertools.product(out, found)}
        if len(out) > _MAX_SET:
            return None
    return frozenset(out)


def _contains_item(op: Any, av: Any) -> Strings:
    """Strings one of which every match of this item contains, or None."""
    exact = _exact_item(op, av)
    if exact is not None:
        return None if "" in exact else exact
    if op is sre.SUBPATTERN:
        return _contains_seq(av[-1])
    if op is sre.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:
            found = _contains_seq(alternative)
            if found is None:
                return None
            out |= found
        return _bounded(out)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _contains_seq(av[2])
    if op is sre.ATOMIC_GROUP:
        return _contains_seq(av)
    return None


def _selective(strings: frozenset[str]) -> tuple[int, int]:
    """Longer strings first (up to 4 characters, enough to be rare), then fewer of them (a
    smaller set keeps an alternation of many such parts under `_MAX_SET`)."""
    return (min(4, min(len(s) for s in strings)), -len(strings))


def _contains_seq(items: Any) -> Strings:
    """The most selective requirement among the items, and runs of exact items joined."""
    candidates: list[frozenset[str]] = []
    run: set[str] | None = {""}
    for op, av in items:
        exact = _exact_item(op, av) if op not in (sre.ASSERT, sre.ASSERT_NOT) else None
        if exact is not None and run is not None:
            joined = {a + b for a, b in itertools.product(run, exact)}
            run = joined if len(joined) <= _MAX_SET else None
        else:
            if run is not None and "" not in run:
                candidates.append(frozenset(run))
            run = {""} if exact is None else set(exact)
        found = _contains_item(op, av)
        if found is not None:
            candidates.append(found)
    if run is not None and "" not in run:
        candidates.append(frozenset(run))
    return max(candidates, key=_selective) if candidates else None


def needed(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lowercase ASCII strings one of which every match of `pattern` contains (None: unknown)."""
    key = (pattern.pattern, pattern.flags)
    if key in _CACHE:
        return _CACHE[key]
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
        found = _contains_seq(tree)
    except Exception:  # an unexpected syntax tree: no shortcut, the rule always runs
        tree, found = None, None
    with _lock:
        _CACHE[key] = found
        if tree is not None and len(_TREES) < 4096:
            _TREES[key] = tree  # for the twin (`_twin`), which takes it once made
    return found


def _trie(strings: set[str] | frozenset[str]) -> str:
    """A pattern that finds a text containing any of `strings`, as a trie of their letters: at
    each place `re` then tries only the branches that begin with the letter there, not every
    string (a flat alternation of 166 strings cost 13 us a draft, its trie 2-3 us). A string with
    another as its beginning is left out: a text holding it holds the shorter one."""
    root: dict[str, Any] = {}
    for text in sorted(strings, key=len):
        node = root
        for char in text:
            if "" in node:
                break  # a shorter string is found wherever this one would be
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        if "" in node:
            return ""
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return emit(root)


def _search(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The needed strings as one pattern (searched in lowercased text)."""
    strings = needed(pattern)
    found = None
    if strings is not None:
        found = re.compile(_trie(strings))
    with _lock:
        _SEARCH[id(pattern)] = (pattern, found)
    return found


def may_match(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> bool:
    """False only when `pattern` certainly finds nothing in `text` (`lowered`: `text.lower()`,
    when the caller tests several patterns on one text)."""
    entry = _SEARCH.get(id(pattern))
    search = entry[1] if entry is not None and entry[0] is pattern else _search(pattern)
    if search is None or not text.isascii():
        return True
    return search.search(text.lower() if lowered is None else lowered) is not None


_UNION: dict[int, tuple[tuple[re.Pattern[str], ...], re.Pattern[str] | None]] = {}
_UNION_OF: dict[tuple[int, ...], tuple[tuple[re.Pattern[str], ...], re.Pattern[str] | None]] = {}
"""The same unions by the patterns they join: a caller that joins module tables into a new
tuple on every call (`(*a, *b)`) finds the union made the first time."""


def _union(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    key = tuple(map(id, patterns))
    known = _UNION_OF.get(key)
    if known is not None and all(map(operator.is_, known[0], patterns)):
        return known[1]
    strings: set[str] = set()
    for pattern in patterns:
        found = needed(pattern)
        if found is None:  # one rule could match anything: the group cannot be ruled out
            strings = set()
            break
        strings |= found
    union = re.compile(_trie(strings)) if strings else None
    for pattern in patterns:  # the table is about to be read: its twins now, not text by text
        _twin(pattern)
    with _lock:
        if len(_UNION) >= 256:  # groups made on the fly by a caller: never grow without end
            _UNION.clear()
        if len(_UNION_OF) >= 256:
            _UNION_OF.clear()
        _UNION[id(patterns)] = (patterns, union)
        _UNION_OF[key] = (patterns, union)
    return union


def may_match_any(patterns: tuple[re.Pattern[str], ...], text: str, lowered: str) -> bool:
    """False only when no pattern of `patterns` (a tuple kept for the process's life, such as a
    module's rule table) can find anything in `text`: one search for the whole group instead of
    one a pattern (`lowered` is `text.lower()`)."""
    entry = _UNION.get(id(patterns))
    union = entry[1] if entry is not None and entry[0] is patterns else _union(patterns)
    if union is None or not text.isascii():
        return True
    return union.search(lowered) is not None


_TREES: dict[tuple[str, int], Any] = {}
"""Syntax trees `needed` read, kept until the pattern's twin is made from them."""
_TWINS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}
"""By `id()` of the rule's compiled pattern (kept alive by the entry), as `_SEARCH`."""


def _twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    entry = _TWINS.get(id(pattern))
    if entry is not None and entry[0] is pattern:
        return entry[1]
    with _lock:
        tree = _TREES.pop((pattern.pattern, pattern.flags), None)
    twin = lowercase_twin(pattern, tree)
    with _lock:
        if len(_TWINS) >= 4096:  # patterns made on the fly by a caller: never grow without end
            _TWINS.clear()
        _TWINS[id(pattern)] = (pattern, twin)
    return twin


def matches(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> list[re.Match[str]]:
    """The matches of `pattern.finditer(text)`, found on an ASCII text by the pattern's lowercase
    twin (`casefold.lowercase_twin`) when it has one: each is then the pattern's own match at the
    place the twin found (`lowered`: `text.lower()`, when the caller has it)."""
    twin = _twin(pattern) if text.isascii() else None
    if twin is None:
        return list(pattern.finditer(text))
    out = []
    for found in twin.finditer(text.lower() if lowered is None else lowered):
        match = pattern.match(text, found.start())
        if match is None or match.end() != found.end():  # never expected: read it plainly
            return list(pattern.finditer(text))
        out.append(match)
    return out


def search(pattern: re.Pattern[str], text: str, lowered: str | None = None) -> re.Match[str] | None:
    """`pattern.search(text)`, found as `matches` finds its matches."""
    twin = _twin(pattern) if text.isascii() else None
    if twin is None:
        return pattern.search(text)
    found = twin.search(text.lower() if lowered is None else lowered)
    if found is None:
        return None
    match = pattern.match(text, found.start())
    return match if match is not None and match.end() == found.end() else pattern.search(text)


class Guarded:
    """A compiled pattern whose `search`, `findall` and `finditer` skip, at once, a text that
    `may_match` rules out; the results are always those of the pattern itself (on an ASCII text
    found by its lowercase twin: `matches`)."""

    __slots__ = ("regex",)

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        _search(regex)  # read the syntax tree now, at import, not on the first text

    @property
    def pattern(self) -> str:
        return self.regex.pattern

    def _lowered(self, text: str) -> str | None:
        """The lowercased text (the text itself where it is not ASCII: only the pattern reads
        it) where the pattern may match it (`may_match`), else None."""
        lowered = text.lower() if text.isascii() else text
        return lowered if may_match(self.regex, text, lowered) else None

    def search(self, text: str) -> re.Match[str] | None:
        lowered = self._lowered(text)
        return None if lowered is None else search(self.regex, text, lowered)

    def findall(self, text: str) -> list[Any]:
        lowered = self._lowered(text)
        found = [] if lowered is None else matches(self.regex, text, lowered)
        if self.regex.groups == 0:
            return [m.group(0) for m in found]
        if self.regex.groups == 1:
            return [m.groups("")[0] for m in found]
        return [m.groups("") for m in found]

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return iter(self.matches(text))

    def matches(self, text: str, lowered: str | None = None) -> list[re.Match[str]]:
        """The matches of `finditer`, as a list (`lowered`: `text.lower()` where the text is
        ASCII, the text itself otherwise, when the caller has it for several patterns)."""
        if lowered is None:
            lowered = text.lower() if text.isascii() else text
        if not may_match(self.regex, text, lowered):
            return []
        return matches(self.regex, text, lowered)
