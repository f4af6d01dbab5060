"""Errors as application/problem+json (RFC 9457), mapped to HTTP status in one place.

The library raises its own error types; this module turns each into a status and a problem
document. A stack trace is never sent to a client.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from hsvo_graph.remote import StoreUnavailable

PROBLEM = "application/problem+json"
log = logging.getLogger("hsvo.api")


class Problem(BaseModel):
    """RFC 9457 problem details, with suggestions where the input was nearly right."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    suggestions: list[str] | None = None


def documented(description: str) -> dict:
    """An error answer as the OpenAPI description gives it: a problem document, which is what
    every error is (FastAPI would say application/json, or the route's own media type)."""
    return {
        "description": description,
        "content": {PROBLEM: {"schema": Problem.model_json_schema()}},
    }


class ProblemError(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None, **extra):
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(
    status: int, title: str, detail: str | None = None, headers: dict | None = None, **extra
) -> JSONResponse:
    body = Problem(title=title, status=status, detail=detail, **extra).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    """Route every error through problem_response."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, error: ProblemError):
        headers = error.extra.pop("headers", None)
        return problem_response(error.status, error.title, error.detail, headers, **error.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        return problem_response(error.status_code, str(error.detail), headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        return problem_response(400, "Invalid request", detail)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, error: StoreUnavailable):
        log.warning("store unavailable on %s %s: %s", request.method, request.url.path, error)
        return problem_response(503, "Store unavailable", error.public, {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(500, "Internal error", "The error was logged on the server.")
