"""Our SPARQL endpoint and REST API beside the peers a user would otherwise pick, on the same
data, in one run: rdflib-endpoint (rdflib's in-memory store behind FastAPI) and a raw Oxigraph
server (`oxigraph serve-read-only`, the lower bound: the same engine without our safety layer).

    python benchmarks/bench_endpoints.py [--store STORE] [--requests N] [--seconds S]

Prints a table with medians, p95s, requests/second and ratios, and writes
benchmarks/results/endpoints.json and endpoints.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BIN = Path(sys.executable).parent
PREFIXES = """PREFIX hsvo: <https://w3id.org/hsvo/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
QUERIES = {
    "label lookup": PREFIXES + 'SELECT ?s WHERE { ?s skos:prefLabel "Östhammars kommun"@sv }',
    "multi-join": PREFIXES
    + """SELECT ?code ?task ?county WHERE {
  ?r a hsvo:Responsibility ; hsvo:responsibleParty ?m ; hsvo:task/skos:prefLabel ?task .
  ?m hsvo:municipalityCode ?code ; hsvo:county/skos:prefLabel ?county .
  FILTER (lang(?task) = "sv" && lang(?county) = "sv")
}""",
}
RESPONSIBILITY = {"task": "hemsjukvard", "municipality": "0382", "date": "2024-05-01"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}")
        try:
            httpx.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


RDFLIB_APP = """
import sys
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
data = Dataset(default_union=True)
data.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=data, cors_enabled=True)
"""


def start_servers(store: Path, workdir: Path) -> dict[str, tuple[str, subprocess.Popen]]:
    """Our server, rdflib-endpoint and a raw Oxigraph server, each on its own loopback port."""
    servers = {}
    port = free_port()
    ours = subprocess.Popen(
        [str(BIN / "hsvo"), "serve", "--store", str(store), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    servers["hsvo-graph"] = (f"http://127.0.0.1:{port}/sparql", ours)

    dump = workdir / "dump.nq"
    subprocess.run(
        [str(BIN / "hsvo"), "export", "--format", "nq", "-o", str(dump), "--store", str(store)],
        check=True,
    )
    (workdir / "rdflib_app.py").write_text(RDFLIB_APP)
    port = free_port()
    peer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys; sys.argv = ['x', {str(dump)!r}]; "
            f"exec(open({str(workdir / 'rdflib_app.py')!r}).read()); "
            f"import uvicorn; uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning')",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers["rdflib-endpoint"] = (f"http://127.0.0.1:{port}/", peer)

    location = workdir / "oxigraph"
    shutil.copytree(store.resolve() / "db", location)
    port = free_port()
    raw = subprocess.Popen(
        [
            str(BIN / "oxigraph"),
            "serve-read-only",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers["oxigraph"] = (f"http://127.0.0.1:{port}/query", raw)
    for url, process in servers.values():
        wait_until_up(url, process)
    return servers


def sparql_request(name: str, url: str, query: str) -> tuple[str, dict]:
    """The request each server needs for a union-of-graphs query."""
    params = {"query": query}
    if name == "oxigraph":
        params["union-default-graph"] = ""
    return url, params


def latency(url: str, params: dict, n: int) -> dict:
    """Median and p95 of n sequential requests, in milliseconds, after a short warm-up."""
    times = []
    with httpx.Client(timeout=60, headers={"Accept": "application/sparql-results+json"}) as client:
        for i in range(n + 10):
            start = time.perf_counter()
            response = client.get(url, params=params)
            elapsed = (time.perf_counter() - start) * 1000
            response.raise_for_status()
            if i >= 10:
                times.append(elapsed)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


async def _load(url: str, params: dict, clients: int, seconds: float) -> dict:
    done, failed = 0, 0
    stop = time.monotonic() + seconds
    headers = {"Accept": "application/sparql-results+json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal done, failed
        while time.monotonic() < stop:
            response = await client.get(url, params=params)
            if response.status_code == 200:
                done += 1
            else:
                failed += 1

    async with httpx.AsyncClient(
        timeout=60, headers=headers, limits=httpx.Limits(max_connections=clients)
    ) as client:
        started = time.monotonic()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        elapsed = time.monotonic() - started
    return {"requests_per_s": round(done / elapsed, 1), "non_200": failed}


def throughput(url: str, params: dict, clients: int, seconds: float) -> dict:
    return asyncio.run(_load(url, params, clients, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--store", type=Path, default=None, help="a built store; default: build data/"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="sequential requests per latency figure"
    )
    parser.add_argument("--seconds", type=float, default=10, help="duration of each load run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in load runs")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        store = args.store
        if store is None:
            store = workdir / "store"
            subprocess.run(
                [str(BIN / "hsvo"), "build", "--store", str(store)], check=True, capture_output=True
            )
        info = json.loads((store / "build.json").read_text())
        servers = start_servers(store, workdir)
        try:
            rows = []
            for label, query in QUERIES.items():
                for name, (url, _) in servers.items():
                    target, params = sparql_request(name, url, query)
                    row = {
                        "measure": label,
                        "server": name,
                        **latency(target, params, args.requests),
                    }
                    row.update(throughput(target, params, args.clients, args.seconds))
                    rows.append(row)
            base = servers["hsvo-graph"][0].removesuffix("/sparql")
            row = {"measure": "/api/responsibility", "server": "hsvo-graph"}
            api = base + "/api/responsibility"
            row.update(latency(api, RESPONSIBILITY, args.requests))
            row.update(throughput(api, RESPONSIBILITY, args.clients, args.seconds))
            rows.append(row)
        finally:
            for _, process in servers.values():
                process.terminate()
                process.wait(10)
    report(rows, info, args)


def report(rows: list[dict], info: dict, args) -> None:
    """Table with ratios to our server, printed and written as JSON and Markdown."""
    ours = {r["measure"]: r for r in rows if r["server"] == "hsvo-graph"}
    for row in rows:
        mine = ours[row["measure"]]
        row["median_vs_ours"] = round(row["median_ms"] / mine["median_ms"], 2)
        row["rps_vs_ours"] = (
            round(row["requests_per_s"] / mine["requests_per_s"], 2)
            if mine["requests_per_s"]
            else None
        )
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    header = (
        f"| measure | server | median ms | p95 ms | req/s ({args.clients} clients) "
        "| median ÷ ours | req/s ÷ ours |"
    )
    lines = [
        f"Endpoints on the curated graph ({info['triples']} triples), {args.requests} sequential "
        f"requests per latency, {args.seconds:g} s per load run; {machine['cpus']} CPUs, "
        f"Python {machine['python']}.",
        "",
        header,
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['measure']} | {r['server']} | {r['median_ms']} | {r['p95_ms']} "
            f"| {r['requests_per_s']} | {r['median_vs_ours']} | {r['rps_vs_ours']} |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "endpoints.md").write_text(table, encoding="utf-8")
    (RESULTS / "endpoints.json").write_text(
        json.dumps({"machine": machine, "triples": info["triples"], "rows": rows}, indent=2),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
