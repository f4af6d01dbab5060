"""The FastAPI application: opens the live build read-only and serves it.

This issue's routes: /health. Later issues add /sparql, /api/*, /id/*, /graph.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI, Request
from pydantic import BaseModel

from hsvo_graph.store import open_read_only


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


def create_app(store_path: Path | str) -> FastAPI:
    """An app bound to one store path; the build it points to is opened once at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.live = open_read_only(Path(store_path))
        yield

    app = FastAPI(
        title="hsvo-graph",
        version=version("hsvo-graph"),
        description="Who does what in Swedish health and social care collaboration (HSVO).",
        lifespan=lifespan,
    )

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
        )

    return app
