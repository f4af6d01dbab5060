"""The HTTP API, against the real server on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest


def test_health_reports_version_build_triples_and_validation(server: str, server_info: dict):
    info = server_info
    response = httpx.get(f"{server}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == info["version"]
    assert body["build_time"] == info["time"] and body["build_id"] == info["build_id"]
    assert body["triples"] == info["triples"] > 0
    assert body["validation"] == {
        "conforms": True,
        "violations": 0,
        "warnings": info["validation"]["warnings"],
    }


def test_openapi_documents_health(server: str):
    schema = httpx.get(f"{server}/openapi.json").json()
    assert "/health" in schema["paths"]


def test_every_answer_carries_a_request_id_found_in_the_access_log(server: str, server_log: Path):
    query = "ASK {}"
    answers = [
        httpx.get(f"{server}/health"),
        httpx.get(f"{server}/sparql", params={"query": query}),
        httpx.post(f"{server}/sparql", data={"query": "not sparql"}),
    ]
    ids = [a.headers["x-request-id"] for a in answers]
    assert len(set(ids)) == 3
    deadline = time.monotonic() + 5  # the line is written just after the answer is sent
    while f"{ids[2]} POST" not in (log := server_log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"{ids[0]} GET /health 200" in log
    assert f"{ids[1]} GET /sparql 200" in log
    assert f"{ids[2]} POST /sparql 400" in log


def test_a_callers_request_id_is_kept_and_a_strange_one_replaced(server: str):
    kept = httpx.get(f"{server}/health", headers={"X-Request-ID": "trace-42.a"})
    assert kept.headers["x-request-id"] == "trace-42.a"
    replaced = httpx.get(f"{server}/health", headers={"X-Request-ID": "x" * 200})
    assert replaced.headers["x-request-id"] != "x" * 200


def test_sparql_answers_carry_cors_header_for_other_origins(server: str):
    response = httpx.get(
        f"{server}/sparql",
        params={"query": "ASK {}"},
        headers={"Origin": "https://example.org", "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/health",
        "/sparql?query=ASK%20%7B%7D",
        "/api/responsibility?task=LSS&municipality=0382&date=2024-05-01",
        "/api/responsibility?task=snöröjning&municipality=0382",
        "/api/bodies",
        "/graph?county=uppsala",
        "/id/org/region-uppsala",
    ],
)
def test_head_answers_what_get_would_without_the_body(server: str, path: str):
    """Link checkers and monitors ask HEAD; every GET resource answers it (RFC 9110 §9.3.2)."""
    accept = {"Accept": "text/html"} if path.startswith(("/id/", "/graph")) else {}
    got = httpx.get(server + path, headers=accept, timeout=60)
    head = httpx.head(server + path, headers=accept, timeout=60)
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("content-type", "content-length", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name
