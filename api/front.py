"""The outermost ASGI layer of `hsvo serve`: request ids and the access log for every request,
and a short way in for SPARQL queries.

A query's own cost in Oxigraph is often a tenth of a millisecond; FastAPI's middleware and
routing stack cost several times that per request on the build machine. So GET and POST
/sparql go straight to the endpoint functions of api/sparql.py (the same functions the
FastAPI routes call, so the behaviour and the OpenAPI description stay one), with the two
things the stack would have added done here: problem+json for every error and the CORS
header. Everything else, and a browser asking /sparql for the query page, goes through
FastAPI as before.

It is also where every answer gets its security headers (api/headers.py) and where requests
over the limits are refused before anything reads them: a request target over 16 KiB (414),
header fields over 32 KiB (431), a malformed Host (400), and a body over HSVO_MAX_BODY_BYTES
(413) on any route, by its Content-Length or, for a chunked body, as it streams in. uvicorn
with httptools enforces none of these: it refuses only URLs over 64 KiB (400, as text), and
takes header fields of any size, gathering them while the event loop waits (a 60 MB header:
7 s in which no other request was answered). HttpToolsWithLimits, uvicorn's protocol with a
limit on the request head as it arrives, closes that hole when `hsvo serve` runs it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import re
import time
from http import HTTPStatus

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api import headers, sparql
from api.problems import Problem, ProblemError, problem_response

access_log = logging.getLogger("hsvo.access")
log = logging.getLogger("hsvo.api")

_GIVEN_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
# host[:port] with a DNS name, IPv4 address or bracketed IPv6 address: what a URL can be built on.
_HOST = re.compile(rb"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?")
MAX_TARGET_BYTES = 16 * 1024  # path and query; a longer SPARQL query goes by POST
MAX_HEADER_BYTES = 32 * 1024  # every header field, as sent: room for a host's many cookies
MAX_HEAD_BYTES = 128 * 1024  # request line and header fields, as they arrive: above the others
# Seconds a request head may take to arrive, from the connection or the first byte of the
# request: a client that trickles its header fields in (slowloris) holds a connection no longer.
HEAD_TIMEOUT = float(os.environ.get("HSVO_HEAD_TIMEOUT") or 20)
LOGGED_PATH_CHARS = 200
# The API documentation (Swagger UI, ReDoc) as FastAPI writes it, from the app's settings only:
# nothing in these pages comes from the request, so their inline code is allowed as sent.
DOC_PAGES = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})


class Front:
    def __init__(self, app: FastAPI):
        self.app = app
        self._ids = itertools.count(1)
        self._prefix = f"{os.getpid():x}-"
        self._trusted = headers.trusted_code(headers.our_templates())

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
        method = scope["method"]
        if method == "HEAD":
            # Answered as GET is (RFC 9110 §9.3.2): uvicorn, which keeps the original scope,
            # sends the head only.
            scope = {**scope, "method": "GET"}

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id)]
            await send(message)

        send_secured = headers.secured(
            send_with_id, self._trusted, as_sent=scope["path"] in DOC_PAGES
        )
        try:
            refusal = self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send_secured)
            elif scope["path"] == "/sparql" and scope["method"] in ("GET", "POST"):
                await self._sparql(scope, self._limited(receive), send_secured)
            elif scope["path"] == "/sparql" and not _passes_to_the_app(scope):
                # FastAPI would name only the first route's method (Allow: GET).
                detail = "send a query with GET or POST"
                refusal = problem_response(405, "Method not allowed", detail, SPARQL_METHODS)
                await refusal(scope, receive, send_secured)
            else:
                await self.app(scope, self._limited(receive), send_secured)
        finally:
            access_log.info(
                "%s %s %s %s %.1fms",
                request_id.decode(),
                method,
                scope["path"][:LOGGED_PATH_CHARS],
                status or "-",
                (time.perf_counter() - started) * 1000,
            )

    def _refusal(self, scope) -> Response | None:
        """The problem with a request whose head is over the limits or has no usable Host,
        found before any of the request is used."""
        query = scope["query_string"]
        target = len(scope.get("raw_path") or scope["path"].encode()) + len(query) + bool(query)
        if target > MAX_TARGET_BYTES:  # path, "?" and query: the request target as sent
            detail = f"the request target is over {MAX_TARGET_BYTES} bytes; POST a long query"
            return problem_response(414, "URI too long", detail)
        if sum(len(name) + len(value) + 4 for name, value in scope["headers"]) > MAX_HEADER_BYTES:
            detail = f"the header fields are over {MAX_HEADER_BYTES} bytes"
            return problem_response(431, "Request header fields too large", detail)
        hosts = [value for name, value in scope["headers"] if name == b"host"]
        if len(hosts) > 1 or not all(_HOST.fullmatch(host) for host in hosts):
            return problem_response(400, "Invalid Host header", "give one host[:port]")
        length = next((v for n, v in scope["headers"] if n == b"content-length"), b"0")
        if length.isdigit() and int(length) > self._body_limit:
            return problem_response(413, **self._too_large())
        return None

    @property
    def _body_limit(self) -> int:
        return self.app.state.settings.max_body_bytes

    def _too_large(self) -> dict:
        """413's title and detail. The connection stays open: uvicorn drops the rest of the
        body as it arrives, holding none of it, and the client reads the answer whether or not
        it has finished sending."""
        return {
            "title": "Request too large",
            "detail": f"the body is over {self._body_limit} bytes",
        }

    def _limited(self, receive):
        """receive, raising 413 once the body passes the limit: a chunked body has no
        Content-Length to refuse it by beforehand."""
        received = 0

        async def receive_limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self._body_limit:
                raise ProblemError(413, **self._too_large())
            return message

        return receive_limited

    async def _sparql(self, scope, receive, send) -> None:
        scope["app"] = self.app  # what FastAPI would set: request.app reaches the app state
        request = Request(scope, receive)
        try:
            params = await sparql.protocol_params(request)
            if request.method == "GET" and sparql.wants_page(request, params):
                return await self.app(scope, receive, send)
            response = await sparql.run_query(request, params)
        except ProblemError as error:
            extra_headers = error.extra.pop("headers", None)
            response = problem_response(
                error.status, error.title, error.detail, extra_headers, **error.extra
            )
        except Exception:
            log.exception("unhandled error on %s /sparql", request.method)
            detail = "The error was logged on the server."
            response = problem_response(500, "Internal error", detail)
        if "origin" in request.headers:
            response.headers["access-control-allow-origin"] = "*"
        await response(scope, receive, send)


SPARQL_METHODS = {"Allow": "GET, POST"}


def _passes_to_the_app(scope) -> bool:
    """A CORS preflight: the CORS middleware answers it."""
    names = {name for name, _ in scope["headers"]}
    return scope["method"] == "OPTIONS" and b"access-control-request-method" in names


class HttpToolsWithLimits(HttpToolsProtocol):
    """uvicorn's httptools protocol with a limit on the request head as it arrives, and problem
    documents for what the protocol refuses itself.

    A head over MAX_HEAD_BYTES is answered 431 and its connection closed before the parser
    gathers more of it. The bytes are counted per read, after the parser has seen them, so a
    head is cut within one read of the limit; Front's limits, below this one, give the finer
    answers. What the parser cannot take (a URL over 64 KiB, malformed HTTP), uvicorn answers
    as text; here as 414 or 400 problems with the headers every answer has.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0
        if self._head_timer is None:  # a request on a kept-alive connection
            self._start_head_timer()

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head_timer(self) -> None:
        self._head_timer = self.loop.call_later(HEAD_TIMEOUT, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        """408 to a head that began and did not end in time; a connection that sent nothing
        is closed without a word, as uvicorn closes an idle kept-alive one."""
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_bytes:
            detail = f"the request line and header fields did not arrive within {HEAD_TIMEOUT:g} s"
            self._refuse(408, "Request timeout", detail)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                detail = f"the request line and header fields are over {MAX_HEAD_BYTES} bytes"
                self._refuse(431, "Request header fields too large", detail)

    def send_400_response(self, msg: str) -> None:
        if len(getattr(self, "url", b"")) > MAX_TARGET_BYTES:
            detail = f"the request target is over {MAX_TARGET_BYTES} bytes; POST a long query"
            self._refuse(414, "URI too long", detail)
        else:
            self._refuse(400, "Invalid HTTP request", msg)

    def _refuse(self, status: int, title: str, detail: str) -> None:
        """Answer with a problem and close the connection: the request cannot be read on."""
        problem = Problem(title=title, status=status, detail=detail)
        body = problem.model_dump_json(exclude_none=True).encode()
        fields = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            *headers.EVERY_ANSWER,
            headers.NOT_A_PAGE,
        ]
        head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n".encode()
        head += b"".join(name + b": " + value + b"\r\n" for name, value in fields)
        self.transport.write(head + b"\r\n" + body)
        self.transport.close()
