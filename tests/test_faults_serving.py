"""While one client's query goes wrong (runs forever, returns millions of rows, loses its worker
mid-query), every other client is still answered: pages, the REST API and other queries.

A server with two query workers and a 3 s deadline runs for these tests.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .conftest import serving
from .test_sparql_safety import SLOW, worker_pids

MILLIONS_OF_ROWS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"  # about 10⁸ rows on the curated graph


@pytest.fixture(scope="module")
def two_worker_server(built_store: Path):
    env = {"HSVO_WORKERS": "2", "HSVO_QUERY_TIMEOUT": "3"}
    with serving(built_store, env, options=("--no-access-log",)) as (base, process):
        yield base, process.pid


def others_answered_while(base: str, trouble: Callable[[], httpx.Response]) -> httpx.Response:
    """Run `trouble` in a thread and, while it runs, ask what other clients ask; every one of
    those must be answered with 200. Returns the troubled request's answer."""
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("answer", trouble()))
    thread.start()
    time.sleep(0.3)  # the troubled query is running
    asked = 0
    while thread.is_alive() and asked < 200:
        for path, params in [
            ("/health", None),
            ("/api/responsibility", {"task": "hemsjukvard", "municipality": "0382"}),
            ("/sparql", {"query": "ASK { ?s ?p ?o }"}),
        ]:
            response = httpx.get(f"{base}{path}", params=params, timeout=10)
            assert response.status_code == 200, (path, response.status_code, response.text)
            asked += 1
    thread.join(60)
    assert asked >= 6, "the troubled query ended before the others were asked"
    return outcome["answer"]


def post(base: str, text: str) -> httpx.Response:
    return httpx.post(f"{base}/sparql", data={"query": text}, timeout=60)


def test_a_query_that_runs_forever(two_worker_server):
    base, _ = two_worker_server
    answer = others_answered_while(base, lambda: post(base, SLOW))
    assert answer.status_code == 504


def test_a_query_with_millions_of_rows(two_worker_server):
    base, _ = two_worker_server
    answer = others_answered_while(base, lambda: post(base, MILLIONS_OF_ROWS))
    assert answer.status_code in (422, 504)  # stopped by the result limit or the deadline
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_worker_killed_mid_query(two_worker_server):
    base, server_pid = two_worker_server
    before = worker_pids(server_pid)

    def troubled() -> httpx.Response:
        return post(base, SLOW)

    def kill_the_busy_worker() -> None:
        """The worker whose CPU time grows fastest now is the one running the slow query."""
        time.sleep(0.5)
        start = {pid: _cpu_ticks(pid) for pid in before}
        time.sleep(0.5)
        busiest = max(before, key=lambda pid: _cpu_ticks(pid) - start[pid])
        os.kill(busiest, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_busy_worker)
    killer.start()
    answer = others_answered_while(base, troubled)
    killer.join()
    assert answer.status_code == 503
    assert "worker" in answer.json()["detail"]
    after = worker_pids(server_pid)
    assert len(after) == 2 and after != before
    assert post(base, "ASK { ?s ?p ?o }").status_code == 200


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])


def test_an_http_process_killed_while_serving_with_two(built_store: Path):
    """`hsvo serve --processes 2`: two HTTP processes, each with its own query workers. When
    one dies the other answers every request, the dead one's query workers go with it, and a
    new process with new workers takes its place."""
    env = {"HSVO_WORKERS": "2"}
    with serving(built_store, env, options=("--no-access-log", "--processes", "2")) as (
        base,
        supervisor,
    ):
        http = worker_pids(supervisor.pid)  # uvicorn spawns the HTTP processes the same way
        assert len(http) == 2
        queries = {pid: worker_pids(pid) for pid in http}
        assert all(len(workers) == 2 for workers in queries.values())

        victim = min(http)
        os.kill(victim, signal.SIGKILL)
        lookup = {"task": "hemsjukvard", "municipality": "0382", "date": "2024-05-01"}
        for _ in range(20):
            with httpx.Client(timeout=10) as client:  # a new connection each time
                answer = client.get(f"{base}/api/responsibility", params=lookup)
                assert answer.status_code == 200
                assert answer.json()["status"] == "known" and answer.json()["parties"]
                assert client.post(f"{base}/sparql", data={"query": "ASK {}"}).status_code == 200

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = worker_pids(supervisor.pid)
            if len(now) == 2 and victim not in now and all(worker_pids(p) for p in now):
                break
            time.sleep(0.5)
        assert len(now) == 2 and victim not in now, now
        replacement = (now - http).pop()
        assert len(worker_pids(replacement)) == 2
        orphans = [pid for pid in queries[victim] if Path(f"/proc/{pid}").exists()]
        deadline = time.monotonic() + 10
        while orphans and time.monotonic() < deadline:  # they exit when their pipe closes
            time.sleep(0.2)
            orphans = [pid for pid in orphans if _alive(pid)]
        assert not orphans, "query workers of the killed process were left running"


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its (new) parent to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
