"""The words of a SPARQL text outside its strings, IRIs and comments.

Used to tell what a query is (its form, whether it names its own dataset with FROM, whether it
asks for SERVICE or an update) without parsing or running it.
"""

from __future__ import annotations

import re

# Order matters: strings may hold '#' and '<', IRIs may hold '#', comments run to line end.
_MASK = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
    re.DOTALL,
)
_BRACKET = re.compile(r"[(){}\[\]]")
_WORD = re.compile(r"(?<![\w:?$])([A-Za-z]+)(?![\w:])")


def nesting(query: str) -> int:
    """How deep the brackets ((), {}, []) of the query nest outside strings, IRIs and comments."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_MASK.sub(" ", query)):
        depth = depth + 1 if bracket in "({[" else max(0, depth - 1)
        deepest = max(deepest, depth)
    return deepest


def keywords(query: str) -> list[str]:
    """The bare words of the query outside strings, IRIs and comments, upper-cased."""
    masked = _MASK.sub(" ", query)
    return [w.upper() for w in _WORD.findall(masked)]


def names_own_dataset(query: str) -> bool:
    """True when the query picks its graphs with FROM / FROM NAMED; otherwise the project
    queries the union of all named graphs (one per data file)."""
    return "FROM" in keywords(query)
