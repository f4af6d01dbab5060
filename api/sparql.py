"""The SPARQL 1.1 Protocol endpoint (query operation only) at /sparql.

GET with ?query=, POST form-encoded, POST direct (application/sparql-query); the dataset from
default-graph-uri / named-graph-uri; results by content negotiation. A browser asking for HTML
gets the query page instead. Queries run in the worker pool (api/workers.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.pages import query_page
from api.problems import ProblemError, documented
from api.query_guard import RefusedQuery, inspect
from api.workers import GRAPH_FORMATS, RESULT_FORMATS, Job, QueryFailed

router = APIRouter()

FAILURE_STATUS = {
    "syntax": 400,
    "too_large": 422,
    "timeout": 504,
    "busy": 503,
    "crashed": 503,
    "unavailable": 503,
}
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, best first (RFC 9110 §12.5.1)."""
    ranges = []
    for part in (header or "*/*").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, val = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(val)
                except ValueError:
                    q = 0.0
        ranges.append((media.lower(), q))
    return sorted(ranges, key=lambda r: -r[1])


def negotiate(header: str | None, offered: list[str]) -> str | None:
    """The offered type the client prefers most, or None if it accepts none of them."""
    best, best_q = None, 0.0
    for index, media in enumerate(offered):
        for accepted, q in parse_accept(header):
            kind = accepted.split("/")[0]
            if (
                accepted in (media, "*/*")
                or accepted == f"{kind}/*"
                and media.startswith(kind + "/")
            ):
                # Exact matches beat wildcards at the same q; earlier offers win ties.
                score = q + (0.001 if accepted == media else 0) - index * 1e-6
                if q > 0 and score > best_q:
                    best, best_q = media, score
                break
    return best


async def protocol_params(request: Request) -> dict[str, list[str]]:
    """query, default-graph-uri and named-graph-uri from the URL and, for POST, the body."""
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        limit = request.app.state.settings.max_body_bytes
        if len(body) > limit:
            raise ProblemError(413, "Request too large", f"the body is over {limit} bytes")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProblemError(400, "Invalid encoding", "the request body is not UTF-8") from None
        if content_type == FORM:
            for key, values in parse_qs(text, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif content_type == DIRECT:
            if "query" in params:
                raise ProblemError(
                    400, "Query given twice", "a direct POST carries the query in the body only"
                )
            params["query"] = [text]
        elif content_type == "application/sparql-update":
            raise ProblemError(400, "Updates are not allowed", "this endpoint is read-only")
        else:
            raise ProblemError(
                415,
                "Unsupported media type",
                f"POST a query as {FORM} or {DIRECT}, not {content_type or 'no content type'}",
            )
    if "update" in params:
        raise ProblemError(400, "Updates are not allowed", "this endpoint is read-only")
    return params


async def run_query(request: Request, params: dict[str, list[str]]) -> Response:
    queries = params.get("query", [])
    if len(queries) != 1:
        detail = "no query given" if not queries else "more than one query given"
        raise ProblemError(400, "Invalid query request", detail)
    query = queries[0]
    try:
        info = inspect(query)
    except RefusedQuery as error:
        raise ProblemError(400, "Query refused", str(error)) from None
    if info.form is None:  # not a query at all: let the parser say why, in any format
        offered = [*RESULT_FORMATS, *GRAPH_FORMATS]
    else:
        offered = list(GRAPH_FORMATS if info.returns_graph else RESULT_FORMATS)
    media = negotiate(request.headers.get("accept"), offered)
    if media is None:
        raise ProblemError(
            406, "Not acceptable", f"a {info.form} result can be given as: {', '.join(offered)}"
        )
    job = Job(
        query=query,
        result_format=media,
        default_graphs=tuple(params.get("default-graph-uri", [])),
        named_graphs=tuple(params.get("named-graph-uri", [])),
        base_iri=str(request.url.replace(query="")),
    )
    try:
        media, body = await request.app.state.pool.run(job)
    except QueryFailed as failure:
        status = FAILURE_STATUS.get(failure.kind, 400)
        headers = {"Retry-After": "1"} if status == 503 else None
        title = {
            "syntax": "Query syntax error",
            "too_large": "Result too large",
            "timeout": "Query timed out",
            "busy": "Service busy",
            "crashed": "Service busy",
            "unavailable": "Store unavailable",
        }.get(failure.kind, "Query failed")
        raise ProblemError(status, title, failure.message, headers=headers) from None
    charset = "; charset=utf-8" if media.startswith(("text/", "application/")) else ""
    return Response(body, media_type=media + charset, headers={"Vary": "Accept"})


def wants_page(request: Request, params: dict[str, list[str]]) -> bool:
    return (
        "query" not in params
        and negotiate(
            request.headers.get("accept"), ["text/html", "application/sparql-results+json"]
        )
        == "text/html"
    )


DATASET = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
        "description": f"{what} (SPARQL 1.1 Protocol §2.1.4)",
    }
    for name, what in [
        ("default-graph-uri", "A graph of the default graph"),
        ("named-graph-uri", "A named graph of the dataset"),
    ]
]
QUERY_TEXT = {"type": "string", "description": "A SPARQL 1.1 query", "example": "ASK { ?s ?p ?o }"}
ANSWERS = {
    "200": {
        "description": "The results, in the format the Accept header chose; the query page for "
        "a browser that sends no query",
        "content": {media: {} for media in ["text/html", *RESULT_FORMATS, *GRAPH_FORMATS]},
    },
    "503": documented(
        "Every query worker is busy, or the SPARQL server behind (HSVO_BACKEND=sparql) did "
        "not answer; retry after the Retry-After seconds"
    ),
    "504": documented("The query ran past its deadline and was stopped"),
}


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), or the query page for browsers",
    response_class=Response,
    openapi_extra={
        "parameters": [{"name": "query", "in": "query", "schema": QUERY_TEXT}, *DATASET],
        "responses": ANSWERS,
    },
)
async def sparql_get(request: Request) -> Response:
    params = await protocol_params(request)
    if wants_page(request, params):
        return query_page(request)
    return await run_query(request, params)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query (POST form-encoded or direct)",
    response_class=Response,
    openapi_extra={
        "parameters": DATASET,
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {"query": QUERY_TEXT},
                        "required": ["query"],
                    }
                },
                DIRECT: {"schema": QUERY_TEXT},
            },
        },
        "responses": ANSWERS,
    },
)
async def sparql_post(request: Request) -> Response:
    return await run_query(request, await protocol_params(request))
