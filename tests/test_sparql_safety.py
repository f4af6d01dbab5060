"""The endpoint is safe on a network: deadlines, limits, busy answers, refused federation and
updates with no outgoing connection, and workers that come back after a crash.

A second server with small limits runs for these tests: one query worker, a 2 s deadline,
10 kB of results and 2 kB of request body.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from .conftest import serving

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def tight_server(built_store: Path):
    env = {
        "HSVO_WORKERS": "1",
        "HSVO_QUERY_TIMEOUT": "2",
        "HSVO_QUEUE_WAIT": "0.2",
        "HSVO_MAX_RESULT_BYTES": "10000",
        "HSVO_MAX_BODY_BYTES": "2000",
    }
    with serving(built_store, env) as (base, process):
        yield base, process.pid


def query(base: str, text: str, **kwargs) -> httpx.Response:
    return httpx.post(f"{base}/sparql", data={"query": text}, timeout=30, **kwargs)


def worker_pids(server_pid: int) -> set[int]:
    """Child processes of the server that run queries (spawned Python workers)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if (
                f"\nPPid:\t{server_pid}\n" in status
                and "spawn_main" in (entry / "cmdline").read_text()
            ):
                pids.add(int(entry.name))
    return pids


def test_query_past_its_deadline_is_stopped_and_the_server_answers_on(tight_server):
    base, _ = tight_server
    started = time.monotonic()
    response = query(base, SLOW)
    assert response.status_code == 504 and response.headers["content-type"].startswith(PROBLEM)
    assert "2 s" in response.json()["detail"]
    assert time.monotonic() - started < 10
    assert query(base, "ASK { ?s ?p ?o }").status_code == 200


def test_busy_workers_give_503_with_retry_after(tight_server):
    base, _ = tight_server
    slow = threading.Thread(target=query, args=(base, SLOW))
    slow.start()
    time.sleep(0.5)
    response = query(base, "ASK { ?s ?p ?o }")
    slow.join()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert query(base, "ASK { ?s ?p ?o }").status_code == 200


def test_result_over_the_limit_is_an_explicit_error(tight_server):
    base, _ = tight_server
    response = query(base, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 422
    assert "10000 bytes" in response.json()["detail"]


def test_request_body_over_the_limit_is_413(tight_server):
    base, _ = tight_server
    padding = "#" + "x" * 3000 + "\n"
    response = query(base, padding + "ASK {}")
    assert response.status_code == 413


def test_a_killed_worker_is_replaced(tight_server):
    base, server_pid = tight_server
    (pid,) = worker_pids(server_pid)
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    assert query(base, "ASK { ?s ?p ?o }").status_code == 200
    assert len(worker_pids(server_pid)) == 1 and pid not in worker_pids(server_pid)


@pytest.fixture
def sentinel():
    """A loopback listener that records every connection made to it."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    seen: list = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                seen.append(conn.recv(200))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    stop.set()
    thread.join(2)
    listener.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ service <{url}/sparql> {{ ?s ?p ?o }} }}",
        "LOAD <{url}/data.ttl>",
        "LOAD <{url}/data.ttl> INTO GRAPH <urn:g>",
    ],
)
def test_no_outgoing_request_for_service_or_load(tight_server, sentinel, template):
    base, _ = tight_server
    url, seen = sentinel
    response = query(base, template.format(url=url))
    assert response.status_code == 400 and response.json()["detail"]
    time.sleep(0.5)
    assert seen == []


def test_from_a_remote_graph_is_not_fetched(tight_server, sentinel):
    base, _ = tight_server
    url, seen = sentinel
    response = query(base, f"SELECT * FROM <{url}/g.ttl> WHERE {{ ?s ?p ?o }}")
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    time.sleep(0.5)
    assert seen == []


def test_large_results_arrive_whole_again_and_again(server):
    """A result far larger than a pipe's buffer comes back complete on every request (it once
    failed every other time under uvloop, which leaves the worker pipe non-blocking)."""
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 5000"
    sizes = set()
    for _ in range(6):
        response = query(server, text, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        assert len(response.json()["results"]["bindings"]) == 5000
        sizes.add(len(response.content))
    assert len(sizes) == 1 and sizes.pop() > 200_000
