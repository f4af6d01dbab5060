"""/graph: the interactive graph view, the same page `hsvo view` writes.

The page is rendered from the projection the app built at start (request.app.state.graph) by
hsvo_graph.view.render with the request's arguments, so /graph and `hsvo view -o file.html`
give the same bytes for the same arguments. Names the graph does not hold are a 404 with the
names it does hold as suggestions (RFC 9457, api/problems.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.problems import ProblemError, documented
from hsvo_graph.view import CATEGORIES, DEFAULT_KINDS, MAX_DEPTH, MAX_NODES, ViewError, render

router = APIRouter(tags=["graph"])
LARGEST_VIEW = 5000  # nodes: beyond this a browser spends seconds drawing; the cap exists for it


@lru_cache(maxsize=32)
def _render(graph, county, focus, depth, kinds, max_nodes) -> str:
    """A page per projection and arguments, made once: the projection does not change while
    a server runs, and one page cost ~65 ms of the server's CPU (load test)."""
    return render(graph, county, focus, depth, list(kinds) if kinds else None, max_nodes)


@router.get(
    "/graph",
    response_class=HTMLResponse,
    summary="The interactive graph view: bodies, organisations, agreements, tasks and laws",
    responses={
        400: documented("An argument out of range, e.g. an unknown kind"),
        404: documented("Unknown county or focus; lists suggestions"),
    },
)
async def graph_page(
    request: Request,
    county: Annotated[
        str | None,
        Query(description="Data area: uppsala, stockholm, sodra-alvsborg; empty for all"),
    ] = None,
    focus: Annotated[
        str | None,
        Query(
            description="Show this node's neighbourhood: IRI, /id/ path or name",
            examples=["body/sodra-alvsborg-dps"],
        ),
    ] = None,
    depth: Annotated[int, Query(ge=1, le=MAX_DEPTH, description="Steps around the focus node")] = 2,
    kinds: Annotated[
        list[str] | None,
        Query(
            description=f"Kinds to draw, comma-separated or repeated (as the page's form sends "
            f"them), of: {', '.join(CATEGORIES)}; default {','.join(DEFAULT_KINDS)}",
            json_schema_extra={"items": {"enum": ["", *CATEGORIES]}},  # empty: the default
        ),
    ] = None,
    max_nodes: Annotated[
        int, Query(ge=1, le=LARGEST_VIEW, description="Draw at most this many nodes")
    ] = MAX_NODES,
) -> HTMLResponse:
    """One self-contained page (vis-network inlined): it loads nothing from anywhere."""
    wanted = [k.strip() for given in kinds or [] for k in given.split(",") if k.strip()] or None
    unknown = [k for k in wanted or [] if k not in CATEGORIES]
    if unknown:
        detail = f"no kind called {', '.join(unknown)}"
        raise ProblemError(400, "Unknown kind", detail, suggestions=list(CATEGORIES))
    graph = request.app.state.graph
    view = (county, focus, depth, tuple(wanted) if wanted else None, max_nodes)
    try:
        page = await run_in_threadpool(_render, graph, *view)
    except ViewError as error:
        raise ProblemError(
            404, "Not in the graph", str(error), suggestions=error.suggestions or None
        ) from None
    return HTMLResponse(page)
