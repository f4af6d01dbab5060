"""Run SPARQL on a built store and write the results in the formats analysts ask for."""

from __future__ import annotations

import pyoxigraph as ox

from hsvo_graph.namespaces import PREFIXES
from hsvo_graph.sparql_text import names_own_dataset

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}


def run(db: ox.Store, query: str):
    """Execute a query over the union of all named graphs (each data file is one graph), unless
    it names its own dataset with FROM, with the project's prefixes predeclared."""
    union = not names_own_dataset(query)
    return db.query(query, prefixes=PREFIXES, use_default_graph_as_union=union)


def term_text(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def as_table(solutions: ox.QuerySolutions) -> str:
    """Plain aligned text table, for people at a terminal."""
    names = [v.value for v in solutions.variables]
    rows = [[term_text(s[name]) for name in names] for s in solutions]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def serialize(result, fmt: str) -> bytes:
    """SELECT/ASK results as json|csv|tsv|xml|table; CONSTRUCT/DESCRIBE as Turtle."""
    if not isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):  # triples
        return ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    if isinstance(result, ox.QueryBoolean):
        if fmt == "table":
            return (("true" if bool(result) else "false") + "\n").encode()
        return result.serialize(format=RESULT_FORMATS[fmt])
    if fmt == "table":
        return as_table(result).encode()
    return result.serialize(format=RESULT_FORMATS[fmt])
