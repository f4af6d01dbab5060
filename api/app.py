"""The FastAPI application: opens the live build read-only and serves every interface.

/health, /sparql (api/sparql.py); later: /api/*, /id/*, /graph.
"""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api import graph_view, linked_data, pages, problems, rest, sparql
from api.settings import Settings
from api.workers import WorkerPool
from hsvo_graph import projection
from hsvo_graph.responsibility import Resolver
from hsvo_graph.store import DB_DIR, open_read_only


class ValidationSummary(BaseModel):
    conforms: bool
    violations: int
    warnings: int


class Health(BaseModel):
    status: str
    version: str
    build_id: str
    build_time: str
    git_commit: str | None
    triples: int
    graphs: int
    validation: ValidationSummary
    query_workers: int


def create_app(store_path: Path | str, settings: Settings | None = None) -> FastAPI:
    """An app bound to one store path; the build it points to is opened once at start."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        live = open_read_only(Path(store_path))
        if live.path is None:  # a build on a SPARQL server (HSVO_BACKEND=sparql)
            spec = ("sparql", live.store.endpoint, live.store.graphs)
        else:
            spec = ("embedded", str(live.path / DB_DIR))
        pool = WorkerPool(
            spec=spec,
            size=settings.workers,
            timeout=settings.query_timeout,
            max_result_bytes=settings.max_result_bytes,
            queue_wait=settings.queue_wait,
        )
        await pool.start()
        app.state.live, app.state.pool = live, pool
        app.state.graph = projection.from_store(live.store)
        app.state.resolver = Resolver(app.state.graph)
        # Move what start-up built out of the collector's reach: every full collection would
        # otherwise walk the projection's millions of long-lived objects and pause all requests
        # (measured at 1M triples: /api/responsibility 180 → 610 requests/second).
        gc.freeze()
        try:
            yield
        finally:
            await pool.stop()

    app = FastAPI(
        title="hsvo-graph",
        version=version("hsvo-graph"),
        description="Who does what in Swedish health and social care collaboration (HSVO).",
        lifespan=lifespan,
        # Any route may refuse a request (400 for an invalid parameter, not FastAPI's 422).
        responses={
            "4XX": problems.documented("The request cannot be answered; the problem says why")
        },
        docs_url=None,  # FastAPI's own pages load Swagger UI and ReDoc from a CDN
        redoc_url=None,
    )
    app.state.settings = settings

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """The OpenAPI page, with the Swagger UI vendored under /static (works offline)."""
        vendor = "/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    problems.install(app)
    pages.mount_static(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Accept", "Content-Type"],
    )
    app.include_router(pages.router)
    app.include_router(sparql.router)
    app.include_router(linked_data.router)
    app.include_router(rest.router)
    app.include_router(graph_view.router)

    @app.get("/health", response_model=Health, summary="Version, build and validation status")
    def health(request: Request) -> Health:
        info = request.app.state.live.info
        validation = info["validation"]
        return Health(
            status="ok",
            version=version("hsvo-graph"),
            build_id=info["build_id"],
            build_time=info["time"],
            git_commit=(info.get("git") or {}).get("commit"),
            triples=info["triples"],
            graphs=len(info["graphs"]),
            validation=ValidationSummary(
                conforms=validation["conforms"],
                violations=validation["violations"],
                warnings=validation["warnings"],
            ),
            query_workers=len(request.app.state.pool.pids),
        )

    return app
