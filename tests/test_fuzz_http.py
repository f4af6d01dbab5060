"""Bad input to /sparql, generated: the named queries mutated token by token, random text and
bytes, queries near and over the body limit, deeply nested queries, odd encodings and content
types. Every answer is a success or a 4xx problem document (never a 5xx, never a dropped
connection), the server logs no unhandled error, and it answers /health afterwards.

The count of inputs tried is printed at the end of the module.
"""

from __future__ import annotations

import http.client
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_from_bytes, quote_plus

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hsvo_graph.queries import all_queries

from .conftest import serving

PROBLEM = "application/problem+json"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
BODY_LIMIT = 100_000


def fuzz(examples: int) -> settings:
    """Hypothesis settings for a fuzz run: no deadline (a request may take a while), no
    example database (nothing written into the checkout)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


_TOKEN = re.compile(r"\s+|[{}()\[\].;,]|[^\s{}()\[\].;,]+")
NAMED = {name: _TOKEN.findall(text) for name, text in all_queries().items()}
# Inserted whole, so SERVICE and LOAD only ever name a closed loopback port.
NOISE = [
    "{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "|", "/", "^", "+", "?", "!", "=",
    "?x", "$y", "_:b", "a", "<", ">", '"', "'", '"""', "'''", "#", "\\", "^^", "@sv", "\n",
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FILTER", "OPTIONAL", "UNION",
    "MINUS", "GRAPH", "VALUES", "BIND", "AS", "GROUP BY", "HAVING", "ORDER BY", "LIMIT",
    "OFFSET", "DISTINCT", "NOT EXISTS", "COUNT(*)", "REGEX(", "STRLEN(", "xsd:integer(",
    "-1", "0", "99999999999999999999999", "1e999", "-0.0e-0", '"x"@zz-123456789',
    '"1"^^xsd:dateTime', "<urn:x>", "<>", "<#>", "<http://[::1>", "ex:", ":", "::",
    "\x00", "\ufeff", "\u202e", "\u00e9", "\U0001f600", "\t", "\r",
    "FROM <urn:nothing>", "FROM NAMED <urn:nothing>",
    "SERVICE <http://127.0.0.1:9/sparql>", "service silent <http://127.0.0.1:9/>",
    "LOAD <http://127.0.0.1:9/x.ttl>", "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL", "DROP ALL", "WITH <urn:g>",
]  # fmt: skip


@dataclass
class FuzzServer:
    """The server under test and a tally of what it was sent, by test."""

    base: str
    log: Path
    client: httpx.Client
    tried: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    log_read: int = 0

    def new_log(self) -> str:
        """What the server logged since the last call."""
        with open(self.log, "rb") as log:
            log.seek(self.log_read)
            text = log.read()
        self.log_read += len(text)
        return text.decode(errors="replace")


@pytest.fixture(scope="module")
def fuzz_server(built_store: Path, tmp_path_factory, request) -> Iterator[FuzzServer]:
    """`hsvo serve` with two workers, a 100 kB body limit, a 200 kB result limit and a 3 s
    deadline (so a query that joins everything ends quickly)."""
    log = tmp_path_factory.mktemp("fuzz-http") / "server.log"
    env = {
        "HSVO_WORKERS": "2",
        "HSVO_QUERY_TIMEOUT": "3",
        "HSVO_QUEUE_WAIT": "10",
        "HSVO_MAX_RESULT_BYTES": "200000",
        "HSVO_MAX_BODY_BYTES": str(BODY_LIMIT),
    }
    with (
        serving(built_store, env, log) as (base, _),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        server = FuzzServer(base, log, client)
        yield server
    plugins = request.config.pluginmanager
    total = sum(server.tried.values())
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(server.statuses.items()))
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter = plugins.get_plugin("terminalreporter")
        reporter.write_line(f"\n/sparql fuzz: {total} generated bad inputs tried ({statuses})")
        for name, count in sorted(server.tried.items()):
            reporter.write_line(f"  {name}: {count}")


@pytest.fixture(autouse=True)
def fresh_log(fuzz_server: FuzzServer) -> None:
    """Each test judges only what the server logged while it ran."""
    fuzz_server.new_log()


def assert_answered(response: httpx.Response) -> None:
    """A success, or a client error told as a problem document; never a server error but the
    deadline's 504 (a query that really runs too long, which the README promises)."""
    status, sent = response.status_code, response.request
    asked = f"{sent.method} {str(sent.url)[:300]} {sent.headers} {sent.content[:300]!r}"
    deadline = status == 504 and response.json().get("title") == "Query timed out"
    assert status < 500 or deadline, f"{asked}\n-> {status}: {response.text[:1000]}"
    if status >= 400:
        assert response.headers["content-type"].startswith(PROBLEM), f"{asked}\n-> {response}"
        problem = response.json()
        assert problem["status"] == status and problem["title"], f"{asked}\n-> {problem}"


def send(
    server: FuzzServer,
    test: str,
    content: bytes | None = None,
    headers: dict | None = None,
) -> httpx.Response:
    """POST to /sparql; the answer must be a success or a problem."""
    server.tried[test] += 1
    try:
        response = server.client.post("/sparql", content=content, headers=headers)
    except httpx.TransportError as error:
        raise AssertionError(f"the server dropped the connection: {error!r}") from None
    assert_answered(response)
    server.statuses[response.status_code] += 1
    return response


def get(server: FuzzServer, test: str, target: str) -> httpx.Response:
    """GET the request target exactly as given: httpx would repair broken escapes and refuses
    a URL over 64 KiB, and what the server does with those is part of the test."""
    server.tried[test] += 1
    url = httpx.URL(server.base)
    connection = http.client.HTTPConnection(url.host, url.port, timeout=60)
    try:
        connection.request("GET", target, headers={"accept": "*/*"})
        answer = connection.getresponse()
        response = httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            content=answer.read(),
            request=httpx.Request("GET", url.join(target[:500])),
        )
    except (OSError, http.client.HTTPException) as error:
        raise AssertionError(f"the server dropped the connection: {error!r}") from None
    finally:
        connection.close()
    assert_answered(response)
    server.statuses[response.status_code] += 1
    return response


def send_query(server: FuzzServer, test: str, transport: str, text: str) -> httpx.Response:
    """The query as the protocol allows: GET ?query=, POST form-encoded or POST direct."""
    if transport == "get":
        return get(server, test, "/sparql?query=" + quote_from_bytes(text.encode(), safe=""))
    if transport == "form":
        body = b"query=" + quote_from_bytes(text.encode()).encode()
        return send(server, test, content=body, headers={"content-type": FORM})
    return send(server, test, content=text.encode(), headers={"content-type": DIRECT})


def assert_still_serving(server: FuzzServer) -> None:
    """/health answers with every worker in place, a query still runs, and the server logged
    no unhandled error and no crashed worker meanwhile."""
    health = server.client.get("/health")
    assert health.status_code == 200 and health.json()["query_workers"] == 2, health.text
    ask = server.client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True
    problems = [
        line
        for line in server.new_log().splitlines()
        if any(word in line for word in ("Traceback", "unhandled error", "query worker"))
    ]
    assert not problems, problems


TRANSPORTS = st.sampled_from(["get", "form", "direct"])


@st.composite
def mutated_queries(draw) -> str:
    """A named query with one to six tokens deleted, inserted, swapped, doubled, or cut off."""
    tokens = list(NAMED[draw(st.sampled_from(sorted(NAMED)))])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(tokens) - 1)) if tokens else 0
        match draw(st.sampled_from(["delete", "insert", "swap", "double", "truncate"])):
            case "delete" if tokens:
                del tokens[at]
            case "insert":
                tokens.insert(at, draw(st.sampled_from(NOISE) | st.text(max_size=8)))
            case "swap" if tokens:
                other = draw(st.integers(0, len(tokens) - 1))
                tokens[at], tokens[other] = tokens[other], tokens[at]
            case "double" if tokens:
                tokens.insert(at, tokens[at])
            case "truncate":
                tokens = tokens[:at]
    return "".join(tokens)


def test_mutated_named_queries(fuzz_server):
    @fuzz(1000)
    @given(text=mutated_queries(), transport=TRANSPORTS)
    def attempt(text: str, transport: str):
        send_query(fuzz_server, "mutated named queries", transport, text)

    attempt()
    assert_still_serving(fuzz_server)


CONTENT_TYPES = [
    FORM,
    DIRECT,
    f"{DIRECT}; charset=iso-8859-1",
    f"{FORM}; charset=utf-16",
    "APPLICATION/SPARQL-QUERY",
    "application/sparql-update",
    "text/plain",
    "application/json",
    "multipart/form-data; boundary=x",
    "",
    ";;;",
    "application/sparql-query;;charset",
    "*/*",
]
ACCEPT = ["*/*", "", "text/csv;q=nan", "x/y", "*/*;q=0", "text/*, ;;,", "*/*;q=1e999"]


def test_random_bodies_with_odd_content_types(fuzz_server):
    @fuzz(300)
    @given(
        body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode),
        content_type=st.sampled_from(CONTENT_TYPES),
        accept=st.sampled_from(ACCEPT),
    )
    def attempt(body: bytes, content_type: str, accept: str):
        headers = {"content-type": content_type, "accept": accept}
        send(fuzz_server, "random bodies", content=body, headers=headers)

    attempt()
    assert_still_serving(fuzz_server)


ESCAPES = ["%", "%Z", "%ZZ", "%00", "%C3%28", "%FF", "%ED%A0%80", "%0A", "+", "&", "="]


def test_percent_encoded_garbage(fuzz_server):
    """Query strings and form bodies with broken percent-escapes, NULs and invalid UTF-8."""

    @fuzz(200)
    @given(
        raw=st.lists(st.sampled_from(ESCAPES) | st.text(max_size=5), max_size=20).map("".join),
        key=st.sampled_from(["query=", "query=ASK{}&query=", "default-graph-uri=", "update=", ""]),
        method=st.sampled_from(["GET", "POST"]),
    )
    def attempt(raw: str, key: str, method: str):
        encoded = quote_from_bytes((key + raw).encode(), safe="%&=+")
        if method == "GET":
            get(fuzz_server, "percent-encoded garbage", "/sparql?" + encoded)
        else:
            headers = {"content-type": FORM}
            send(fuzz_server, "percent-encoded garbage", content=encoded.encode(), headers=headers)

    attempt()
    assert_still_serving(fuzz_server)


ODD_BODIES = {
    "invalid UTF-8": b"ASK { ?s ?p \xff\xfe }",
    "overlong UTF-8": b"ASK { ?s ?p \xc0\xaf }",
    "UTF-8 surrogate": b'ASK { FILTER("\xed\xa0\x80") }',
    "truncated UTF-8": b'ASK { FILTER("\xe2\x82") }',
    "NUL bytes": b"ASK\x00 { ?s ?p ?o }",
    "NUL in a string": b'ASK { FILTER("a\x00b") }',
    "BOM": "\ufeffASK { ?s ?p ?o }".encode(),
    "UTF-16": "ASK { ?s ?p ?o }".encode("utf-16"),
    "Latin-1": 'ASK { FILTER("\xe5\xe4\xf6") }'.encode("latin-1"),
    "only whitespace": b" \n\t\r ",
    "empty": b"",
    "right-to-left override": 'ASK { FILTER("\u202e") }'.encode(),
}


@pytest.mark.parametrize("name", ODD_BODIES)
@pytest.mark.parametrize("content_type", [DIRECT, FORM])
def test_odd_encodings(fuzz_server, name: str, content_type: str):
    body = ODD_BODIES[name]
    if content_type == FORM:
        body = b"query=" + quote_from_bytes(body).encode()
    send(fuzz_server, "odd encodings", content=body, headers={"content-type": content_type})


def nested(shape: str, depth: int) -> str:
    """A query `depth` levels deep in one way: brackets in the text, or a chain of operators
    that the parser turns into a tree as deep."""
    return {
        "braces": "SELECT * WHERE " + "{" * depth + " ?s ?p ?o " + "}" * depth,
        "open braces": "SELECT * WHERE " + "{" * depth,
        "close braces": "SELECT * WHERE { ?s ?p ?o " + "}" * depth,
        "parentheses": "ASK { FILTER(" + "(" * depth + "1" + ")" * depth + ") }",
        "open parentheses": "ASK { FILTER(" + "(" * depth,
        "negations": "ASK { FILTER(" + "!" * depth + "true) }",
        "functions": "ASK { FILTER(" + "STR(" * depth + "1" + ")" * depth + ") }",
        "optionals": "ASK { " + "OPTIONAL { ?s ?p ?o " * depth + "}" * depth + " }",
        "subqueries": "ASK { " + "{ SELECT * WHERE " * depth + "{}" + " }" * depth + " }",
        "exists": "ASK { " + "FILTER EXISTS { " * depth + "}" * depth + " }",
        "path groups": "ASK { ?s " + "(" * depth + "rdfs:label" + ")*" * depth + " ?o }",
        "blank nodes": "ASK { ?s ?p " + "[ ?p " * depth + "?o" + " ]" * depth + " }",
        "collections": "ASK { ?s ?p " + "( " * depth + "1" + " )" * depth + " }",
        "sums": "ASK { FILTER(" + " + ".join(["1"] * depth) + ") }",
        "disjunctions": "ASK { FILTER(" + " || ".join(["false"] * depth) + ") }",
        "unions": "ASK { " + " UNION ".join(["{}"] * depth) + " }",
        "path alternatives": "ASK { ?s " + "|".join(["rdfs:label"] * depth) + " ?o }",
    }[shape]


SHAPES = [
    "braces", "open braces", "close braces", "parentheses", "open parentheses", "negations",
    "functions", "optionals", "subqueries", "exists", "path groups", "blank nodes",
    "collections", "sums", "disjunctions", "unions", "path alternatives",
]  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
def test_2000_levels_of_nesting(fuzz_server, shape: str):
    send_query(fuzz_server, "deeply nested queries", "direct", nested(shape, 2000))


def test_deeply_nested_queries(fuzz_server):
    """Nesting from 1,000 levels up to what fits in the body limit."""

    @fuzz(100)
    @given(
        shape=st.sampled_from(SHAPES),
        depth=st.integers(1000, BODY_LIMIT // 10),
        transport=TRANSPORTS,
    )
    def attempt(shape: str, depth: int, transport: str):
        send_query(fuzz_server, "deeply nested queries", transport, nested(shape, depth))

    attempt()
    assert_still_serving(fuzz_server)


PADDING = {  # kind: (start, repeated unit, end)
    "comment": ("#", "x", "\nASK { ?s ?p ?o }"),
    "string": ('ASK { FILTER(STRLEN("', "x", '") > 0) }'),
    "iri": ("ASK { <urn:", "x", "> ?p ?o }"),
    "values": ("SELECT * WHERE { VALUES ?x { ", "<urn:x> ", "} }"),
    "whitespace": ("ASK {", " ", "}"),
}


def padded(kind: str, size: int, form: bool = False) -> bytes:
    """A request body of exactly `size` bytes (at least its fixed parts) holding a query made
    long in one way, form-encoded or as it is."""
    encode = (lambda s: quote_plus(s).encode()) if form else str.encode
    start, unit, end = (encode(part) for part in PADDING[kind])
    if form:
        start = b"query=" + start
    count, rest = divmod(max(0, size - len(start) - len(end)), len(unit))
    return start + unit * count + encode(" ") * rest + end


def test_bodies_near_and_over_the_limit(fuzz_server):
    """Up to the limit a query runs (or is a 4xx for what it says); one byte past it is 413."""

    @fuzz(80)
    @example(kind="comment", over=0, form=False)
    @example(kind="comment", over=1, form=True)
    @given(kind=st.sampled_from(sorted(PADDING)), over=st.integers(-200, 200), form=st.booleans())
    def attempt(kind: str, over: int, form: bool):
        body = padded(kind, BODY_LIMIT + over, form)
        headers = {"content-type": FORM if form else DIRECT}
        response = send(
            fuzz_server, "bodies near and over the limit", content=body, headers=headers
        )
        assert (response.status_code == 413) == (len(body) > BODY_LIMIT), response.text[:300]

    attempt()
    body = padded("comment", 20 * BODY_LIMIT)
    response = send(fuzz_server, "bodies near and over the limit", content=body,
                    headers={"content-type": DIRECT})  # fmt: skip
    assert response.status_code == 413
    assert_still_serving(fuzz_server)


def test_a_query_string_as_long_as_the_body_limit(fuzz_server):
    """GET has no body to limit: a query string that long is answered, not dropped."""
    text = padded("comment", BODY_LIMIT).decode()
    send_query(fuzz_server, "huge GET query", "get", text)
    assert_still_serving(fuzz_server)
