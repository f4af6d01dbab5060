"""The outermost ASGI layer of `hsvo serve`: request ids and the access log for every request,
and a short way in for SPARQL queries.

A query's own cost in Oxigraph is often a tenth of a millisecond; FastAPI's middleware and
routing stack cost several times that per request on the build machine. So GET and POST
/sparql go straight to the endpoint functions of api/sparql.py (the same functions the
FastAPI routes call, so the behaviour and the OpenAPI description stay one), with the two
things the stack would have added done here: problem+json for every error and the CORS
header. Everything else, and a browser asking /sparql for the query page, goes through
FastAPI as before.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time

from fastapi import FastAPI
from starlette.requests import Request

from api import sparql
from api.problems import ProblemError, problem_response

access_log = logging.getLogger("hsvo.access")
log = logging.getLogger("hsvo.api")

_GIVEN_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")


class Front:
    def __init__(self, app: FastAPI):
        self.app = app
        self._ids = itertools.count(1)
        self._prefix = f"{os.getpid():x}-"

    def _request_id(self, scope) -> bytes:
        """The caller's X-Request-ID when it is a sane token, else a new one."""
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _GIVEN_ID.fullmatch(value):
                return value
        return f"{self._prefix}{next(self._ids)}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request_id = self._request_id(scope)
        status = 0

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id)]
            await send(message)

        try:
            if scope["path"] == "/sparql" and scope["method"] in ("GET", "POST"):
                await self._sparql(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "%s %s %s %s %.1fms",
                request_id.decode(),
                scope["method"],
                scope["path"],
                status or "-",
                (time.perf_counter() - started) * 1000,
            )

    async def _sparql(self, scope, receive, send) -> None:
        scope["app"] = self.app  # what FastAPI would set: request.app reaches the app state
        request = Request(scope, receive)
        try:
            params = await sparql.protocol_params(request)
            if request.method == "GET" and sparql.wants_page(request, params):
                return await self.app(scope, receive, send)
            response = await sparql.run_query(request, params)
        except ProblemError as error:
            headers = error.extra.pop("headers", None)
            response = problem_response(
                error.status, error.title, error.detail, headers, **error.extra
            )
        except Exception:
            log.exception("unhandled error on %s /sparql", request.method)
            detail = "The error was logged on the server."
            response = problem_response(500, "Internal error", detail)
        if "origin" in request.headers:
            response.headers["access-control-allow-origin"] = "*"
        await response(scope, receive, send)
