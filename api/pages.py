"""HTML pages for people: the SPARQL query page."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hsvo_graph.namespaces import sparql_prologue
from hsvo_graph.queries import all_queries

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
EXAMPLE_QUERIES = {k: v for k, v in all_queries().items() if k != "projection-triples"}


def query_page(request: Request) -> HTMLResponse:
    """The query editor with the project's prefixes and its named queries as examples."""
    first = next(
        iter(EXAMPLE_QUERIES.values()), sparql_prologue() + "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    )
    return TEMPLATES.TemplateResponse(
        request,
        "sparql.html",
        {"examples": EXAMPLE_QUERIES, "initial": first, "prologue": sparql_prologue()},
    )
