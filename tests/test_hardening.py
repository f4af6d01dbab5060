"""Hardening of `hsvo serve`: security headers on every answer, a Content-Security-Policy on
every page that still lets each page work in a real browser, refusals of oversized URLs,
headers and bodies as problem documents, and no stack trace in any answer.

The limits are tested on the wire (raw requests on a socket), against a server of our own
with a 2 kB body limit, because uvicorn enforces none of them itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from api import headers

from .browser import Visit, recording
from .conftest import (
    ROOT,
    free_port,
    serving,
    wait_until_up,
)

PROBLEM = "application/problem+json"
BODY_LIMIT = 2000
DPS = "/id/body/sodra-alvsborg-dps"
PAGES = ["/", "/sparql", "/about", "/graph", DPS, "/ontology", "/docs"]
NOT_PAGES = [
    "/health",
    "/api/bodies",
    "/sparql?query=ASK%7B%7D",
    f"{DPS}.ttl",
    "/ontology.ttl",
    "/openapi.json",
    "/static/site.css",
    "/static/query-page.js",
    "/favicon.ico",
    "/no/such/page",
]
TRACEBACK = re.compile(r"Traceback|File \"|\.py\b|line \d+")
# Records every policy violation the page reports, before any of its own code runs.
VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
    (e) => window.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def hardened(built_store: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The real server with a 2 kB body limit and one query worker; yields its base URL and
    the file its output goes to."""
    log = tmp_path_factory.mktemp("hardened") / "server.log"
    env = {"HSVO_WORKERS": "1", "HSVO_MAX_BODY_BYTES": str(BODY_LIMIT)}
    with serving(built_store, env, log) as (base, _):
        yield base, log


@pytest.fixture(scope="module")
def base(hardened: tuple[str, Path]) -> str:
    return hardened[0]


def raw(base: str, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request as bytes on a new connection, asking the server to close it after the
    answer; the answer's status, headers and body."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head + b"Connection: close\r\n\r\n" + body)
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    start, _, content = answer.partition(b"\r\n\r\n")
    status_line, *lines = start.decode("latin-1").split("\r\n")
    fields = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in lines)
    )
    return int(status_line.split()[1]), fields, content


def assert_problem(status: int, fields: dict[str, str], body: bytes, expected: int) -> dict:
    assert status == expected, body
    assert fields["content-type"].startswith(PROBLEM)
    problem = json.loads(body)
    assert problem["status"] == expected
    assert fields["x-content-type-options"] == "nosniff"
    return problem


# -- response headers ------------------------------------------------------------------------


def directives(policy: str) -> dict[str, list[str]]:
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", PAGES + NOT_PAGES)
def test_every_answer_forbids_sniffing_framing_and_referrers(base: str, path: str) -> None:
    response = httpx.get(base + path, headers={"Accept": "*/*"}, timeout=30)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_may_load_and_run_only_what_our_origin_serves(base: str, path: str) -> None:
    response = httpx.get(base + path, headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    # Scripts: our origin and inline code by hash only; styles may be inline (api/headers.py).
    assert policy["script-src"][0] == "'self'"
    assert all(source.startswith("'sha256-") for source in policy["script-src"][1:])
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == policy["base-uri"] == ["'none'"]
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


@pytest.mark.parametrize("path", NOT_PAGES)
def test_other_answers_allow_nothing_when_opened_as_a_page(base: str, path: str) -> None:
    response = httpx.get(base + path, headers={"Accept": "*/*"}, timeout=30)
    assert not response.headers["content-type"].startswith("text/html")
    assert directives(response.headers["content-security-policy"])["default-src"] == ["'none'"]


def sha256_source(script: bytes) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"


def test_only_the_inline_scripts_we_wrote_are_allowed(base: str) -> None:
    """The hashes come from the templates, not from the page: a script put into the graph
    view, or its data script with code in place of the JSON, is not allowed."""
    response = httpx.get(base + "/graph", timeout=30)
    page, sent = response.content, directives(response.headers["content-security-policy"])
    found = re.search(rb"<script>(\n\"use strict\";\nconst DATA = .*?)</script>", page, re.S)
    script = found.group(1)  # the data script, as the template writes it
    assert sha256_source(script) in sent["script-src"]

    trusted = headers.trusted_code(headers.our_templates())
    injected = b"alert(document.title)"
    tampered = re.sub(rb"const DATA = .*?;\n", b"const DATA = alert(1);\n", script, count=1)
    html = page.replace(
        b"</body>", b"<script>%s</script><script>%s</script></body>" % (injected, tampered)
    )
    allowed = directives(headers.page_policy(html, trusted).decode())["script-src"]
    assert sha256_source(script) in allowed
    assert sha256_source(injected) not in allowed
    assert sha256_source(tampered) not in allowed


@pytest.fixture
def visit(browser: Browser, base: str) -> Iterator[Visit]:
    with recording(browser, base, console=("error", "warning")) as record:
        record.page.add_init_script(VIOLATIONS)
        yield record


def open_page(visit: Visit, path: str) -> Page:
    response = visit.page.goto(visit.base + path, wait_until="load")
    assert response is not None and response.status == 200, visit.errors
    assert "content-security-policy" in response.headers
    return visit.page


def assert_no_violation(visit: Visit) -> None:
    assert visit.page.evaluate("window.cspViolations") == []
    visit.clean()


def test_query_page_runs_a_query_under_the_policy(visit: Visit) -> None:
    page = open_page(visit, "/sparql")
    page.click('button.example[data-example="municipalities-by-county"]')
    page.click(".tabPanel.active .yasqe_queryButton")
    expect(page.locator(".tabPanel.active .yasr table.dataTable")).to_contain_text("Östhammar")
    page.click(".tabPanel.active .yasr .select_response")  # the raw answer, another renderer
    expect(page.locator(".tabPanel.active .yasr .CodeMirror")).to_contain_text("Östhammar")
    assert_no_violation(visit)


def test_graph_view_draws_and_shows_details_under_the_policy(visit: Visit) -> None:
    page = open_page(visit, "/graph?county=sodra-alvsborg")
    page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
    page.fill("#search", "DPS")
    page.click("#find")
    expect(page.locator("#details")).to_contain_text("Delregionalt politiskt samråd")
    assert_no_violation(visit)


def test_openapi_page_works_offline_under_the_policy(visit: Visit) -> None:
    """/docs: Swagger UI from /static/vendor/swagger-ui, every operation listed, one tried."""
    page = open_page(visit, "/docs")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/responsibility" in paths and "/sparql" in paths
    page.click("#operations-default-health_health_get .opblock-summary")
    page.click("#operations-default-health_health_get .try-out__btn")
    page.click("#operations-default-health_health_get .execute")
    expect(
        page.locator("#operations-default-health_health_get .live-responses-table")
    ).to_contain_text("build_id")
    assert_no_violation(visit)


@pytest.mark.parametrize("path", ["/", "/about", DPS, "/ontology"])
def test_other_pages_show_with_their_styles_under_the_policy(visit: Visit, path: str) -> None:
    page = open_page(visit, path)
    expect(page.locator("header.site-header")).to_be_visible()
    # site.css lays the header out as a row; the inline styles of the linked-data pages set
    # their content's width.
    display = page.eval_on_selector("header.site-header", "e => getComputedStyle(e).display")
    assert display == "flex"
    if path in (DPS, "/ontology"):
        width = page.eval_on_selector(".ld", "e => getComputedStyle(e).maxWidth")
        assert width != "none"
    assert_no_violation(visit)


def test_a_script_put_into_a_page_does_not_run(visit: Visit) -> None:
    page = open_page(visit, DPS)
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            const image = document.createElement("img");
            image.src = "https://example.org/x.png";
            document.body.append(image);
        }"""
    )
    page.wait_for_function("window.cspViolations.length >= 2")
    assert page.evaluate("window.injected") is None
    assert sorted(page.evaluate("window.cspViolations")) == [
        "img-src https://example.org/x.png",
        "script-src-elem inline",
    ]


# -- limits on the request -------------------------------------------------------------------


def request(method: str, target: str, *fields: str) -> bytes:
    """A request head without its closing empty line (raw() ends it)."""
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost", *fields]
    return "".join(line + "\r\n" for line in lines).encode()


def padded_query(url_bytes: int) -> str:
    """/sparql?query=… of about url_bytes: an ASK query with a comment as padding."""
    start = "/sparql?query=ASK%7B%7D%23"
    return start + "x" * (url_bytes - len(start))


def test_a_long_query_fits_in_a_url_of_16_kib(base: str) -> None:
    status, fields, body = raw(base, request("GET", padded_query(16_000), "Accept: */*"))
    assert status == 200, body
    assert json.loads(body)["boolean"] is True


@pytest.mark.parametrize("size", [16 * 1024 + 1, 60 * 1024])
def test_a_longer_url_is_refused_with_414(base: str, size: int) -> None:
    status, fields, body = raw(base, request("GET", padded_query(size)))
    problem = assert_problem(status, fields, body, 414)
    assert "POST" in problem["detail"]


def test_many_cookies_are_fine_but_header_fields_over_32_kib_are_refused_with_431(
    base: str,
) -> None:
    cookies = "; ".join(f"c{i}={'v' * 90}" for i in range(200))  # about 19 kB
    assert raw(base, request("GET", "/health", f"Cookie: {cookies}"))[0] == 200
    status, fields, body = raw(base, request("GET", "/health", f"Cookie: {cookies}{cookies}"))
    assert_problem(status, fields, body, 431)


@pytest.mark.parametrize(
    "host", ["[::1", "a.example/x?", "a.example:80:80", "localhost\r\nHost: b"]
)
def test_a_malformed_or_second_host_is_refused_with_400(base: str, host: str) -> None:
    head = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\n".encode()
    status, fields, body = raw(base, head)
    assert assert_problem(status, fields, body, 400)["title"] == "Invalid Host header"


def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(base: str) -> None:
    # Only the head goes out: the server answers without waiting for ten megabytes.
    head = request(
        "POST",
        "/sparql",
        "Content-Type: application/sparql-query",
        "Content-Length: 10000000",
    )
    status, fields, body = raw(base, head)
    problem = assert_problem(status, fields, body, 413)
    assert str(BODY_LIMIT) in problem["detail"]


def test_a_client_reads_the_413_while_it_sends_a_large_body(base: str) -> None:
    response = httpx.post(
        base + "/sparql",
        content=b"ASK {} #" + b"x" * (1000 * BODY_LIMIT),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM)


def chunked(data: bytes, size: int = 500) -> bytes:
    parts = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_a_chunked_body_is_refused_once_it_passes_the_limit(base: str) -> None:
    query = b"query=ASK%7B%7D%23" + b"x" * (BODY_LIMIT + 1000)
    form = ("Content-Type: application/x-www-form-urlencoded", "Transfer-Encoding: chunked")
    status, fields, body = raw(base, request("POST", "/sparql", *form), chunked(query))
    assert_problem(status, fields, body, 413)
    small = b"query=ASK%7B%7D"
    status, fields, body = raw(base, request("POST", "/sparql", *form), chunked(small))
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("path", ["/api/bodies", "/health", "/graph", "/no/such/page"])
def test_every_route_has_the_body_limit(base: str, path: str) -> None:
    data = b"x" * (BODY_LIMIT + 1)
    head = request("POST", path, "Content-Type: application/json", f"Content-Length: {len(data)}")
    assert_problem(*raw(base, head, data), 413)


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/bodies?lang=xx", 400),
        ("GET", "/api/activities?year=soon", 400),
        ("GET", "/graph?depth=0", 400),
        ("GET", "/api/bodies/no-such-body", 404),
        ("GET", "/no/such/page", 404),
        ("DELETE", "/api/bodies", 405),
        ("GET", "/sparql?query=SELEC", 400),
    ],
)
def test_errors_are_problem_documents_without_code(
    base: str, method: str, path: str, status: int
) -> None:
    response = httpx.request(method, base + path, headers={"Accept": "*/*"}, timeout=30)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(PROBLEM)
    assert not TRACEBACK.search(response.text), response.text


class BrokenResolver:
    """A fault put into a real app: every question raises, as a bug in the resolver would."""

    def resolve(self, *args, **kwargs):
        raise RuntimeError("injected fault: the resolver failed")


def test_an_unexpected_failure_is_a_500_problem_without_the_trace(
    built_store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole app in this process (Front, FastAPI, real store and query workers), with a
    fault injected: no real route fails on purpose (a SPARQL server that goes away is a 503,
    tests/test_remote_backend.py)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.front import Front

    with TestClient(Front(create_app(built_store)), raise_server_exceptions=False) as client:
        client.app.app.state.resolver = BrokenResolver()
        lookup = {"task": "hemsjukvard", "municipality": "0382"}
        response = client.get("/api/responsibility", params=lookup)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal error",
        "status": 500,
        "detail": "The error was logged on the server.",
    }
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]
    # The trace is in the server's log, with the request's path, and nowhere in the answer.
    logged = caplog.text
    assert "unhandled error on GET /api/responsibility" in logged
    assert "injected fault" in logged and "Traceback" in logged
    assert "injected" not in response.text and not TRACEBACK.search(response.text)


# -- the request head, while it arrives ------------------------------------------------------


@pytest.fixture(scope="module")
def head_limited(built_store: Path) -> Iterator[str]:
    """The app as `hsvo serve` runs it, on uvicorn's httptools protocol with the limits of
    api/front.py (uvicorn.run(..., http="api.front:HttpToolsWithLimits"))."""
    port = free_port()
    run = (
        "import sys, uvicorn; uvicorn.run('hsvo_graph.cli:served_app', factory=True, "
        "port=int(sys.argv[1]), http='api.front:HttpToolsWithLimits')"
    )
    env = {**os.environ, "HSVO_SERVE_STORE": str(built_store), "HSVO_WORKERS": "1"}
    process = Popen(
        [sys.executable, "-c", run, str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(process, f"{base}/health")
    yield base
    process.terminate()
    process.wait(timeout=10)


def test_a_huge_header_is_cut_off_while_it_arrives(head_limited: str) -> None:
    host, port = head_limited.removeprefix("http://").split(":")
    sent, piece = 0, b"x" * 65536
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request("GET", "/health") + b"X-Big: ")
        with pytest.raises(OSError):  # the server closes the connection: sending fails
            while sent < 64 * 1024 * 1024:
                connection.sendall(piece)
                sent += len(piece)
    assert sent < 16 * 1024 * 1024
    # Heads under the limit get the finer answers of the app, and everything else works.
    cookies = "; ".join(f"c{i}={'v' * 90}" for i in range(400))
    assert_problem(*raw(head_limited, request("GET", "/health", f"Cookie: {cookies}")), 431)
    assert raw(head_limited, request("GET", "/health"))[0] == 200


def test_what_the_parser_cannot_take_is_refused_as_a_problem(head_limited: str) -> None:
    # httptools cannot parse a URL over 65,535 bytes; uvicorn would answer that as text.
    status, fields, body = raw(head_limited, request("GET", padded_query(100_000)))
    assert "POST" in assert_problem(status, fields, body, 414)["detail"]
    status, fields, body = raw(head_limited, b"NOT HTTP AT ALL\r\n")
    assert_problem(status, fields, body, 400)


# -- a request head that does not arrive -----------------------------------------------------

HEAD_TIMEOUT = 1.5


@pytest.fixture(scope="module")
def impatient(built_store: Path) -> Iterator[tuple[str, int]]:
    """A server that waits HEAD_TIMEOUT seconds for a request head; yields host and port."""
    env = {"HSVO_WORKERS": "1", "HSVO_HEAD_TIMEOUT": str(HEAD_TIMEOUT)}
    with serving(built_store, env) as (base, _):
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def read_until_closed(connection: socket.socket) -> bytes:
    return b"".join(iter(lambda: connection.recv(65536), b""))


def test_a_head_trickled_in_is_cut_off_with_408(impatient) -> None:
    """Slowloris: a header field every half second keeps a connection only until the limit."""
    with socket.create_connection(impatient, timeout=30) as connection:
        started = time.monotonic()
        connection.sendall(request("GET", "/health"))
        answer = b""
        for n in range(20):
            try:
                connection.sendall(f"X-Slow-{n}: 1\r\n".encode())
            except OSError:  # closed by the server
                break
            connection.settimeout(0.5)
            try:
                answer += connection.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        connection.settimeout(5)
        answer += read_until_closed(connection)
        waited = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert b"application/problem+json" in answer
    assert waited >= HEAD_TIMEOUT  # not cut off before its time


def test_a_connection_that_sends_nothing_is_closed(impatient) -> None:
    with socket.create_connection(impatient, timeout=30) as connection:
        assert read_until_closed(connection) == b""  # closed, long before the socket's 30 s


def test_a_head_that_arrives_in_pieces_in_time_is_answered(impatient) -> None:
    with socket.create_connection(impatient, timeout=30) as connection:
        for piece in (
            b"GET /health HT",
            b"TP/1.1\r\nHost: local",
            b"host\r\nConnection: close\r\n\r\n",
        ):
            connection.sendall(piece)
            time.sleep(0.3)
        assert read_until_closed(connection).startswith(b"HTTP/1.1 200 ")


def test_the_next_head_on_a_kept_alive_connection_has_the_same_limit(impatient) -> None:
    with socket.create_connection(impatient, timeout=30) as connection:
        connection.sendall(request("GET", "/health") + b"\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")
        connection.sendall(request("GET", "/health"))  # and no end of the head
        rest = read_until_closed(connection)  # the 200's body, if it came in another piece
        assert rest.count(b"HTTP/1.1 ") == 1 and b"HTTP/1.1 408 " in rest
