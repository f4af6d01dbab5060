"""What a query is and whether it may run, decided before any worker sees it.

Oxigraph executes SERVICE by making an HTTP request (measured: a SERVICE clause pointed at a
loopback listener receives a POST), so federated queries must be refused before execution, as
must every update. The check reads the query's own tokens: comments, strings and IRIs are
blanked out first, so the words inside them never count.
"""

from __future__ import annotations

from dataclasses import dataclass

from hsvo_graph.sparql_text import keywords, nesting

UPDATE_KEYWORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)
# Deeper nesting overflows Oxigraph's stack (it parses recursively) or its planner's patience
# (a chain of 200 nested blank nodes ran past 30 s); no real query comes near it.
MAX_NESTING = 100
QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


class RefusedQuery(ValueError):
    """A query this endpoint will not run; the message says why."""


@dataclass(frozen=True)
class QueryInfo:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or None when the text has no form

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def inspect(query: str) -> QueryInfo:
    """The query's form; RefusedQuery for SERVICE and updates. Text with no query form is
    left to the SPARQL parser, whose message says exactly where it goes wrong."""
    if nesting(query) > MAX_NESTING:
        raise RefusedQuery(f"the query nests brackets deeper than {MAX_NESTING} levels")
    words = keywords(query)
    if "SERVICE" in words:
        raise RefusedQuery(
            "SERVICE (federated query) is not allowed: this endpoint makes no outgoing requests"
        )
    form = next((w for w in words if w in QUERY_FORMS), None)
    update = next((w for w in words if w in UPDATE_KEYWORDS), None)
    if update and (form is None or words.index(update) < words.index(form)):
        raise RefusedQuery(f"{update} is an update operation: this endpoint is read-only")
    return QueryInfo(form=form)
