"""HTML pages for people: the landing page at / and the SPARQL query page at /sparql.

Both load their scripts and styles from /static only (DESIGN.md §7: no page loads anything
from outside our server); the SPARQL editor, YASGUI, is vendored under static/vendor/yasgui/.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from hsvo_graph.namespaces import PREFIXES, sparql_prologue
from hsvo_graph.queries import all_queries

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))
# The projection's input (every triple): a query for code, not a question a person asks.
INTERNAL_QUERIES = {"projection-triples"}

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Example:
    """A named query offered on the query page: file stem, the question it answers, its text."""

    name: str
    title: str
    query: str


def leading_comment(query: str) -> str:
    """The question a named query states in its leading `#` lines, as one line of text."""
    lines = []
    for line in query.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(text for text in lines if text)


def examples() -> list[Example]:
    """Every named query of hsvo_graph/queries/ a person would run, titled by its question."""
    return [
        Example(name=name, title=leading_comment(text) or name, query=text)
        for name, text in all_queries().items()
        if name not in INTERNAL_QUERIES
    ]


def starter_query() -> str:
    """What a new editor tab holds: every project prefix, then a query that shows some data."""
    return sparql_prologue() + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"


EXAMPLES = examples()


def query_page(request: Request) -> HTMLResponse:
    """The YASGUI editor on our own endpoint, with the project's prefixes and named queries.

    The endpoint goes to the page as a path, so the browser resolves it against the page's
    own origin (whatever host or scheme a proxy in front of us shows the browser).
    """
    config = {
        "endpoint": request.url_for("sparql_post").path,
        "starter": starter_query(),
        "prefixes": PREFIXES,
        "examples": [asdict(example) for example in EXAMPLES],
    }
    return TEMPLATES.TemplateResponse(
        request, "sparql.html", {"examples": EXAMPLES, "config": config}
    )


@router.get("/", response_class=HTMLResponse)
def root(request: Request) -> HTMLResponse:
    """The server's address opens the query page, as /sparql does for a browser."""
    return query_page(request)


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> HTMLResponse:
    """Where each interface is and what build is being served."""
    info = request.app.state.live.info
    return TEMPLATES.TemplateResponse(request, "index.html", {"build": info})


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico on every page that names no icon; answer rather than
    log a 404 in their console."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


def mount_static(app: FastAPI) -> None:
    """Serve api/static/ (our scripts and styles, vendored browser libraries) at /static."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
