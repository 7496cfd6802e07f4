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
from re import _compiler as sre_compile  # type: ignore[attr-defined]
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


_TESTS: dict[tuple[Any, str, int], tuple[Any, Any]] = {}
_NEVER = (
    sre.IN,
    [
        (sre.NEGATE, None),
        (sre.CATEGORY, sre.CATEGORY_SPACE),
        (sre.CATEGORY, sre.CATEGORY_NOT_SPACE),
    ],
)
"""A test no character passes (`[^\\s\\S]`)."""


def _lowered_test(op: Any, av: Any, flags: int) -> tuple[Any, Any]:
    """The test as the lowercase-domain characters it matches: one character, or a class."""
    key = (op, repr(av), flags)
    found = _TESTS.get(key)
    if found is not None:
        return found
    test = re.compile(_one_char(op, av), flags | re.DOTALL)
    if any(bool(test.fullmatch(c)) != bool(test.fullmatch(c.lower())) for c in _ASCII):
        raise _NoTwin("a test that tells a letter from its capital")
    chars = [ord(c) for c in _LOWER_DOMAIN if test.fullmatch(c)]
    if not chars:  # matches nothing, as the original does on lowercase ASCII
        node: tuple[Any, Any] = _NEVER
    elif len(chars) == 1:
        node = (sre.LITERAL, chars[0])
    else:
        node = (sre.IN, [(sre.LITERAL, c) for c in chars])
    _TESTS[key] = node
    return node


def _node(op: Any, av: Any, flags: int, state: Any) -> tuple[Any, Any]:
    if op is sre.IN and all(o is sre.CATEGORY and a in _CATEGORY for o, a in av):
        return op, av  # \w, \d, \s and their opposites ignore case already
    if op in (sre.LITERAL, sre.NOT_LITERAL, sre.IN):
        return _lowered_test(op, av, flags)
    if op is sre.ANY or (op is sre.AT and av in _AT):
        return op, av
    if op is sre.BRANCH:
        return op, (None, [_sub(alt, flags, state) for alt in av[1]])
    if op is sre.SUBPATTERN:
        group, add, remove, body = av
        if add or remove:
            raise _NoTwin("inline flags")
        return op, (group, 0, 0, _sub(body, flags, state))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, item = av
        return op, (low, high, _sub(item, flags, state))
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        direction, body = av
        return op, (direction, _sub(body, flags, state))
    if op is sre.ATOMIC_GROUP:
        return op, _sub(av, flags, state)
    raise _NoTwin(op)


def _sub(items: Any, flags: int, state: Any) -> Any:
    return sre_parse.SubPattern(state, [_node(op, av, flags, state) for op, av in items])


def lowercase_twin(pattern: re.Pattern[str], tree: Any = None) -> re.Pattern[str] | None:
    """The case-sensitive twin of an IGNORECASE `pattern` for lowercased ASCII text, or None.

    The twin is compiled from the rewritten syntax tree (`re`'s own compiler, no pattern text),
    so its `pattern` attribute is None. `tree`: the pattern's syntax tree, when the caller has
    parsed it already (`re._parser.parse(pattern.pattern, pattern.flags)`)."""
    if not isinstance(pattern.pattern, str) or not pattern.flags & re.IGNORECASE:
        return None
    try:
        if tree is None:
            tree = sre_parse.parse(pattern.pattern, pattern.flags)
        if tree.getwidth()[0] == 0:
            return None  # could match the empty string (see the module's docstring)
        state = sre_parse.State()
        state.flags = tree.state.flags & ~(re.IGNORECASE | re.VERBOSE)
        state.groupdict = dict(tree.state.groupdict)
        state.groupwidths = list(tree.state.groupwidths)
        twin: re.Pattern[str] = sre_compile.compile(_sub(tree, pattern.flags, state), state.flags)
    except (_NoTwin, re.error, RecursionError, KeyError, TypeError, ValueError):
        return None
    return twin if twin.groups == pattern.groups else None
