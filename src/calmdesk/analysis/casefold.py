"""A case-sensitive twin of an IGNORECASE rule, run on the lowercased text: same matches, faster.

Python's `re` tries every branch of an alternation at each word start; a branch that begins with
a case-sensitive letter is skipped after one comparison, but with IGNORECASE each branch is
entered and folded, so a long lexicon (`\\b(?:late|delay\\w*|never arrived|...)\\b`) costs 3-7x
more than the same lexicon in lowercase, run case-sensitively on the lowercased text.

`lowercase_twin(pattern)` rebuilds the pattern from its syntax tree with every character test
rewritten for lowercase ASCII input: a test (a letter, a class, a negated class) becomes the set of
lowercase-domain ASCII characters it matches under the pattern's own flags, found by trying each of
them, and only when the test treats a letter and its capital alike (otherwise there is no twin).
On an ASCII text (where `str.lower` changes no length and folds exactly as IGNORECASE does) the
twin run on `text.lower()` therefore tries, at every position, exactly what the rule tries on the
text, and matches at the same places. Parts it does not rebuild (backreferences, conditionals,
inline flags) mean no twin. A twin is made only for patterns that never match the empty string, so
every match of the rule is the one `pattern.match(text, start)` gives at the twin's start.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

__all__ = ["lowercase_twin"]

_ASCII = [chr(c) for c in range(128)]
_LOWER_DOMAIN = [c for c in _ASCII if c == c.lower()]
_CATEGORY = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_AT = {
    sre.AT_BEGINNING: "^",
    sre.AT_BEGINNING_STRING: r"\A",
    sre.AT_BOUNDARY: r"\b",
    sre.AT_NON_BOUNDARY: r"\B",
    sre.AT_END: "$",
    sre.AT_END_STRING: r"\Z",
}


class _NoTwin(Exception):
    """The pattern holds something the twin cannot reproduce exactly."""


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _class_item(op: Any, av: Any) -> str:
    if op is sre.LITERAL:
        return _char(av)
    if op is sre.RANGE:
        return f"{_char(av[0])}-{_char(av[1])}"
    if op is sre.CATEGORY and av in _CATEGORY:
        return _CATEGORY[av]
    raise _NoTwin(op)


def _ranges(codes: list[int]) -> list[str]:
    """Sorted character codes as class items, runs of three or more as ranges."""
    out: list[str] = []
    start = prev = codes[0]
    for code in [*codes[1:], -1]:
        if code == prev + 1:
            prev = code
            continue
        out.append(_char(start) if start == prev else f"{_char(start)}-{_char(prev)}")
        if prev - start == 1:
            out[-1] = _char(start) + _char(prev)
        start = prev = code
    return out


def _one_char(op: Any, av: Any) -> str:
    """The original single-character test as pattern text."""
    if op is sre.LITERAL:
        return f"[{_char(av)}]"
    if op is sre.NOT_LITERAL:
        return f"[^{_char(av)}]"
    items = list(av)
    negate = bool(items) and items[0][0] is sre.NEGATE
    body = "".join(_class_item(o, a) for o, a in items[negate:])
    return f"[{'^' if negate else ''}{body}]" if body else ("[^\\s\\S]" if not negate else ".")


_TESTS: dict[tuple[Any, str, int], str] = {}


def _lowered_test(op: Any, av: Any, flags: int) -> str:
    """The test as the lowercase-domain characters it matches: one character, or a class."""
    key = (op, repr(av), flags)
    if key in _TESTS:
        return _TESTS[key]
    test = re.compile(_one_char(op, av), flags | re.DOTALL)
    if any(bool(test.fullmatch(c)) != bool(test.fullmatch(c.lower())) for c in _ASCII):
        raise _NoTwin("a test that tells a letter from its capital")
    chars = [c for c in _LOWER_DOMAIN if test.fullmatch(c)]
    if not chars:
        out = "[^\\s\\S]"  # matches nothing, as the original does on lowercase ASCII
    elif len(chars) == 1:
        out = re.escape(chars[0])
    else:
        out = "[" + "".join(_ranges([ord(c) for c in chars])) + "]"
    _TESTS[key] = out
    return out


def _repeat(op: Any, av: Any, flags: int, names: dict[int, str]) -> str:
    low, high, item = av
    top = "" if high is sre.MAXREPEAT else str(high)
    suffix = {sre.MAX_REPEAT: "", sre.MIN_REPEAT: "?", sre.POSSESSIVE_REPEAT: "+"}[op]
    return f"(?:{_seq(item, flags, names)}){{{low},{top}}}{suffix}"


def _item(op: Any, av: Any, flags: int, names: dict[int, str]) -> str:
    if op is sre.IN and all(o is sre.CATEGORY and a in _CATEGORY for o, a in av):
        return _one_char(op, av)  # \w, \d, \s and their opposites ignore case already
    if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN):
        return _lowered_test(op, av, flags)
    if op is sre.ANY:
        return "."
    if op is sre.AT and av in _AT:
        return _AT[av]
    if op is sre.BRANCH:
        return "(?:" + "|".join(_seq(alt, flags, names) for alt in av[1]) + ")"
    if op is sre.SUBPATTERN:
        group, add, remove, body = av
        if add or remove:
            raise _NoTwin("inline flags")
        if group is None:
            return f"(?:{_seq(body, flags, names)})"
        inner = _seq(body, flags, names)
        name = names.get(group)
        return f"(?P<{name}>{inner})" if name else f"({inner})"
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        return _repeat(op, av, flags, names)
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        direction, body = av
        ahead = direction == 1
        kind = ("=" if ahead else "<=") if op is sre.ASSERT else ("!" if ahead else "<!")
        return f"(?{kind}{_seq(body, flags, names)})"
    if op is sre.ATOMIC_GROUP:
        return f"(?>{_seq(av, flags, names)})"
    raise _NoTwin(op)


def _seq(items: Any, flags: int, names: dict[int, str]) -> str:
    return "".join(_item(op, av, flags, names) for op, av in items)


def lowercase_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The case-sensitive twin of an IGNORECASE `pattern` for lowercased ASCII text, or None."""
    if not isinstance(pattern.pattern, str) or not pattern.flags & re.IGNORECASE:
        return None
    try:
        tree = sre_parse.parse(pattern.pattern, pattern.flags)
        if tree.getwidth()[0] == 0:
            return None  # could match the empty string (see the module's docstring)
        names = {number: name for name, number in pattern.groupindex.items()}
        source = _seq(tree, pattern.flags, names)
        twin = re.compile(source, pattern.flags & ~(re.IGNORECASE | re.VERBOSE))
    except (_NoTwin, re.error, RecursionError, KeyError):
        return None
    return twin if twin.groups == pattern.groups else None
