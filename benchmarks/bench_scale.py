"""hsvo-graph at scale beside the peers a user would otherwise pick, in one run, on the same data:
the curated graph and synthetic national graphs of about 10k, 100k and 1M triples.

    python benchmarks/bench_scale.py [--sizes curated,10k,100k,1m] [--seconds S]
                                     [--reuse 1m=/path/to/built-store]

Per size: build time and peak memory; SPARQL latency (median, p95) of a label lookup, a
multi-join, a property path and an aggregate on our endpoint, rdflib's in-memory store (queried
in-process), rdflib-endpoint and a raw `oxigraph serve-read-only` (the lower bound: the same
engine without our safety layer); requests/second with concurrent clients measured with `wrk`
(a C load tool, so the client does not cap the figure); projection build and resolution time.
Writes benchmarks/results/scale.json and scale.md, with the machine, and a cost-growth table.
An rdflib peer that does not load or answer within --rdflib-timeout is marked "skipped".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_endpoints import BIN, PREFIXES, RESULTS, ROOT, free_port, wait_until_up
from bench_endpoints import QUERIES as ENDPOINT_QUERIES

SIZES = {  # hsvo synth parameters: regions, municipalities, years
    "10k": (2, 10, 2),
    "100k": (21, 150, 1),
    "1m": (21, 290, 10),
}
SYNTH_BASE = ["data/vocab", "data/law", "data/sources.ttl"]
QUERIES = {
    "label lookup": PREFIXES + 'SELECT ?s WHERE { ?s skos:prefLabel "hälso- och sjukvård"@sv }',
    "multi-join": ENDPOINT_QUERIES["multi-join"],
    "property path": PREFIXES
    + """SELECT ?body ?top WHERE {
  ?body a hsvo:CollaborationBody ; (hsvo:reportsTo|hsvo:escalatesTo)+ ?top .
}""",
    "aggregate": PREFIXES
    + """SELECT ?body (COUNT(?a) AS ?activities) WHERE {
  ?a a hsvo:Activity ; hsvo:responsibleBody ?body .
} GROUP BY ?body ORDER BY DESC(?activities) LIMIT 20""",
}
SERVERS = ("hsvo-graph", "rdflib", "rdflib-endpoint", "oxigraph")
WRK_SCRIPT = """
wrk.headers["Accept"] = "application/sparql-results+json"
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "non_2xx": %d, "errors": %d, '
    .. '"p50_us": %d, "p95_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""
RDFLIB_APP = """
import sys
from rdflib import Dataset
from rdflib_endpoint import SparqlEndpoint
data = Dataset(default_union=True)
data.parse(sys.argv[1], format="nquads")
app = SparqlEndpoint(graph=data, cors_enabled=True)
import uvicorn
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
RDFLIB_IN_PROCESS = """
import json, statistics, sys, time
from rdflib import Dataset
queries, seconds = json.loads(sys.argv[2]), float(sys.argv[3])
data = Dataset(default_union=True)
started = time.perf_counter()
data.parse(sys.argv[1], format="nquads")
out = {"load_s": round(time.perf_counter() - started, 2)}
for name, query in queries.items():
    times, stop = [], time.monotonic() + seconds
    while time.monotonic() < stop or len(times) < 3:
        t = time.perf_counter(); len(list(data.query(query))); times.append(time.perf_counter() - t)
    times.sort()
    out[name] = {"median_ms": round(statistics.median(times) * 1000, 2),
                 "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 2)}
    print(json.dumps(out), flush=True)
"""
RESOLVER = """
import json, random, statistics, sys, time
from hsvo_graph import projection
from hsvo_graph.responsibility import Resolver
from hsvo_graph.store import open_read_only
live = open_read_only(sys.argv[1])
t = time.perf_counter(); graph = projection.from_store(live.store)
projection_s = time.perf_counter() - t
t = time.perf_counter(); resolver = Resolver(graph); index_s = time.perf_counter() - t
rng = random.Random(1)
nodes = graph.nodes(data=True)
tasks = sorted(a["labels"]["sv"] for _, a in nodes if a["kind"] == "Task" and "sv" in a["labels"])
codes = sorted(c for _, a in nodes if a["kind"] == "Municipality"
               for c in a["values"].get("hsvo:municipalityCode", []))
times = []
for _ in range(500):
    task, code = rng.choice(tasks), rng.choice(codes)
    t = time.perf_counter(); resolver.resolve(task, code, f"{rng.randint(2016, 2025)}-05-15")
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({"projection_s": round(projection_s, 2), "index_s": round(index_s, 2),
                  "resolve_median_ms": round(statistics.median(times) * 1000, 3),
                  "resolve_p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 3),
                  "municipality": "0382" if "0382" in codes else codes[0]}))
"""


def machine() -> dict:
    """What the figures were measured on: CPUs, memory and CPU model."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"MemTotal:\s*(\d+) kB", meminfo)
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 2**20, 1) if mem else None,
        "cpu": model.group(1).strip() if model else platform.processor(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


def _pss(pid: int) -> int:
    """Proportional set size: a page shared by n processes counts 1/n in each, so the sum over
    the processes is what they hold together."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (GiB) of a command with all its processes (the build
    writes and validates in child processes): their summed PSS, sampled every 0.1 s, or
    every second once they hold over a GiB (reading PSS walks their page tables: sampling
    a large build ten times a second took a third of a core from it)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        held = sum(_pss(pid) for pid in _process_tree(process.pid))
        peak = max(peak, held)
        time.sleep(1 if held > 2**30 else 0.1)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return wall, peak / 2**30


def edit_one_file(root: Path) -> Path:
    """A curator's small edit: one label in the largest data file gets a word longer."""
    target = max(root.rglob("*.ttl"), key=lambda p: p.stat().st_size)
    text = target.read_text(encoding="utf-8")
    at = text.index('skos:prefLabel "', len(text) // 2) + len('skos:prefLabel "')
    target.write_text(text[:at] + "ändrad " + text[at:], encoding="utf-8")
    return target


def build(size: str, workdir: Path, reuse: dict[str, Path]) -> tuple[Path, dict]:
    """The built store of one size and its build figures (reused stores have no build
    figures); then one file is edited and the incremental rebuild is timed."""
    if size in reuse:
        store = reuse[size]
        return store, {"peak_gib": None, "wall_s": None, "reused": str(store)}
    store = workdir / f"{size}-store"
    figures: dict = {}
    if size == "curated":
        source = workdir / "curated-data"
        shutil.copytree(ROOT / "data", source)
        roots = [str(source)]
    else:
        regions, municipalities, years = SIZES[size]
        source = workdir / f"{size}-synth"
        wall, _ = run_measured(
            [str(BIN / "hsvo"), "synth", "--regions", str(regions), "--municipalities"]
            + [str(municipalities), "--years", str(years), "--seed", "1", "-o", str(source)]
        )
        figures["synth_s"] = round(wall, 1)
        roots = [*SYNTH_BASE, str(source)]
    command = [str(BIN / "hsvo"), "build", "--store", str(store)]
    command += [arg for root in roots for arg in ("--data", root)]
    wall, peak = run_measured([*command, "--full"])
    figures.update(wall_s=round(wall, 1), peak_gib=round(peak, 2))
    full = json.loads((store / "build.json").read_text())["timings_s"]
    figures.update({k + "_s": v for k, v in full.items()})
    edited = edit_one_file(source)
    wall, peak = run_measured(command)
    info = json.loads((store / "build.json").read_text())
    figures["incremental"] = {
        "file": edited.name,
        "mode": info["mode"],
        "changed_triples": info.get("changed_triples"),
        "wall_s": round(wall, 2),
        "peak_gib": round(peak, 2),
        **{k + "_s": v for k, v in info["timings_s"].items()},
    }
    return store, figures


def wrk(url: str, clients: int, seconds: float, script: Path) -> dict:
    """Requests/second, median and p95 latency (ms) of `wrk` against one URL."""
    output = subprocess.run(
        ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "60s"]
        + ["-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"^WRK (.+)$", output, re.M)
    if not found:
        raise RuntimeError(f"wrk gave no summary for {url}: {output}")
    stats = json.loads(found.group(1))
    if not stats["requests"]:  # not one answer within the run: no latency to speak of
        return {"requests_per_s": 0.0, "median_ms": None, "p95_ms": None, "failed": 0}
    return {
        "requests_per_s": round(stats["requests"] / (stats["duration_us"] / 1e6), 1),
        "median_ms": round(stats["p50_us"] / 1000, 2),
        "p95_ms": round(stats["p95_us"] / 1000, 2),
        "failed": stats["non_2xx"] + stats["errors"],
    }


def start(command: list[str], url: str, seconds: float) -> subprocess.Popen | None:
    """A server started and answering, or None (stopped) when it is not up within seconds."""
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(url, process, seconds)
    except RuntimeError:
        process.kill()
        process.wait()
        return None
    return process


def servers(store: Path, dump: Path, workdir: Path, args) -> dict[str, tuple[str, object]]:
    """Base query URL and process of each HTTP server; rdflib-endpoint may be None (skipped)."""
    found: dict[str, tuple[str, object]] = {}
    port = free_port()
    ours = [str(BIN / "hsvo"), "serve", "--store", str(store), "--port", str(port)]
    url = f"http://127.0.0.1:{port}/sparql"
    process = start(ours, url, 600)
    if process is None:
        raise RuntimeError(f"hsvo serve did not come up on {store}")
    found["hsvo-graph"] = (url, process)

    location = workdir / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    shutil.copytree(store.resolve() / "db", location)
    port = free_port()
    raw = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
    url = f"http://127.0.0.1:{port}/query"
    process = subprocess.Popen(
        [*raw, "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_until_up(url, process, 120)
    found["oxigraph"] = (url, process)

    port = free_port()
    peer = [sys.executable, "-c", RDFLIB_APP, str(dump), str(port)]
    url = f"http://127.0.0.1:{port}/"
    found["rdflib-endpoint"] = (url, start(peer, url, args.rdflib_timeout))
    return found


def sparql_url(name: str, base: str, query: str) -> str:
    """A GET URL for one query, asking each server for the union of the named graphs."""
    params = {"query": query}
    if name == "oxigraph":
        params["union-default-graph"] = ""
    return f"{base}?{urlencode(params)}"


def rdflib_in_process(dump: Path, seconds: float, timeout: float) -> dict:
    """rdflib's own in-memory store, queried in its process; figures it gave before timeout."""
    process = subprocess.Popen(
        [sys.executable, "-c", RDFLIB_IN_PROCESS, str(dump), json.dumps(QUERIES), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    lines = [line for line in output.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def measure_size(size: str, workdir: Path, args) -> dict:
    """Every figure of one graph size."""
    store, build_figures = build(size, workdir, args.reuse)
    info = json.loads((store / "build.json").read_text())
    if "reused" in build_figures:
        build_figures.update({k + "_s": v for k, v in info["timings_s"].items()})
    result: dict = {"size": size, "triples": info["triples"], "build": build_figures}
    print(f"[{size}] {info['triples']} triples built: {build_figures}", flush=True)

    resolver = json.loads(
        subprocess.run(
            [sys.executable, "-c", RESOLVER, str(store)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    result["resolver"] = resolver
    dump = workdir / f"{size}.nq"
    subprocess.run(
        [str(BIN / "hsvo"), "export", "--format", "nq", "-o", str(dump), "--store", str(store)],
        check=True,
        capture_output=True,
    )
    in_process = rdflib_in_process(dump, args.seconds, args.rdflib_timeout)
    running = servers(store, dump, workdir, args)
    script = workdir / "wrk.lua"
    script.write_text(WRK_SCRIPT)
    latency: dict = {}
    load: dict = {}
    try:
        for label, query in QUERIES.items():
            latency[label] = {"rdflib": in_process.get(label, "skipped")}
            for name, (base, process) in running.items():
                if process is None:
                    latency[label][name] = "skipped"
                    continue
                figures = wrk(sparql_url(name, base, query), 1, args.seconds, script)
                latency[label][name] = {k: figures[k] for k in ("median_ms", "p95_ms", "failed")}
        for name, (base, process) in running.items():
            url = sparql_url(name, base, QUERIES["label lookup"])
            load.setdefault("/sparql label lookup", {})[name] = (
                wrk(url, args.clients, args.seconds, script) if process else "skipped"
            )
        api = running["hsvo-graph"][0].removesuffix("/sparql") + "/api/responsibility?"
        api += urlencode(
            {"task": "hemsjukvard", "municipality": resolver["municipality"], "date": "2024-05-01"}
        )
        load["/api/responsibility"] = {
            "hsvo-graph": wrk(api, args.clients, args.seconds, script),
            "hsvo-graph, 1 client": wrk(api, 1, args.seconds, script),
        }
    finally:
        for _, process in running.values():
            if process is not None:
                process.terminate()
                process.wait(30)
        dump.unlink(missing_ok=True)
    result.update(latency=latency, load=load, rdflib_load_s=in_process.get("load_s"))
    print(f"[{size}] done", flush=True)
    return result


def ratio(mine: float | None, peer: dict | str | None, key: str) -> str:
    """Our figure over the peer's, or what stands in for it."""
    if not isinstance(peer, dict) or not peer.get(key) or mine is None:
        return "–"
    return f"{mine / peer[key]:.2f}"


def cell(figures: dict | str | None, *keys: str) -> str:
    if not isinstance(figures, dict):
        return figures or "–"
    if all(figures.get(k) is None for k in keys):
        return "no answer within the run"
    return " / ".join(str(figures.get(k, "–")) for k in keys)


def size_table(results: list[dict], clients: int) -> list[str]:
    """One row per size and measure: ours, each peer, and ratios to Oxigraph and rdflib."""
    lines = [
        "| size (triples) | measure | hsvo-graph | rdflib in-process | rdflib-endpoint "
        "| oxigraph | ours ÷ oxigraph | ours ÷ rdflib-endpoint |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        size = f"{r['size']} ({r['triples']:,})"
        b = r["build"]
        peak = f"{b['peak_gib']} GiB" if b.get("peak_gib") else "reused store"
        lines.append(
            f"| {size} | build s (parse/validate/write), peak memory | {b['total_s']} "
            f"({b['parse_s']}/{b['validate_s']}/{b['write_s']}), {peak} | – | – | – | – | – |"
        )
        inc = b.get("incremental")
        if inc:
            lines.append(
                f"| {size} | rebuild after a one-label edit of {inc['file']}: s, peak memory "
                f"| {inc['wall_s']} ({inc['mode']}, {inc['changed_triples']} changed triples), "
                f"{inc['peak_gib']} GiB | – | – | – | – | – |"
            )
        for label, row in r["latency"].items():
            mine = row["hsvo-graph"]
            lines.append(
                f"| {size} | {label}: median / p95 ms | {cell(mine, 'median_ms', 'p95_ms')} "
                f"| {cell(row['rdflib'], 'median_ms', 'p95_ms')} "
                f"| {cell(row['rdflib-endpoint'], 'median_ms', 'p95_ms')} "
                f"| {cell(row['oxigraph'], 'median_ms', 'p95_ms')} "
                f"| {ratio(mine['median_ms'], row['oxigraph'], 'median_ms')} / "
                f"{ratio(mine['p95_ms'], row['oxigraph'], 'p95_ms')} "
                f"| {ratio(mine['median_ms'], row['rdflib-endpoint'], 'median_ms')} |"
            )
        row = r["load"]["/sparql label lookup"]
        mine = row["hsvo-graph"]["requests_per_s"]
        lines.append(
            f"| {size} | /sparql label lookup req/s, {clients} clients "
            f"| {mine} | – | {cell(row['rdflib-endpoint'], 'requests_per_s')} "
            f"| {cell(row['oxigraph'], 'requests_per_s')} "
            f"| {ratio(mine, row['oxigraph'], 'requests_per_s')} "
            f"| {ratio(mine, row['rdflib-endpoint'], 'requests_per_s')} |"
        )
        api = r["load"]["/api/responsibility"]
        lines.append(
            f"| {size} | /api/responsibility req/s ({clients} clients); median / p95 ms "
            f"(1 client) | {api['hsvo-graph']['requests_per_s']}; "
            f"{cell(api['hsvo-graph, 1 client'], 'median_ms', 'p95_ms')} | – | – | – | – | – |"
        )
        res = r["resolver"]
        lines.append(
            f"| {size} | projection s + resolver index s; resolve median / p95 ms (in-process) "
            f"| {res['projection_s']} + {res['index_s']}; {res['resolve_median_ms']} / "
            f"{res['resolve_p95_ms']} | load {r['rdflib_load_s'] or 'skipped'} s | – | – | – | – |"
        )
    return lines


def growth_figures(r: dict) -> dict[str, float | None]:
    """The figures of one size whose growth with the graph is worth watching."""
    figures: dict[str, float | None] = {
        "build total s": r["build"]["total_s"],
        "build peak GiB": r["build"].get("peak_gib"),
        "incremental rebuild s": (r["build"].get("incremental") or {}).get("wall_s"),
    }
    for label, row in r["latency"].items():
        for name in ("hsvo-graph", "oxigraph", "rdflib"):
            value = row[name]
            figures[f"{label} median ms, {name}"] = (
                value["median_ms"] if isinstance(value, dict) else None
            )
    for name in ("hsvo-graph", "oxigraph"):
        value = r["load"]["/sparql label lookup"][name]
        figures[f"/sparql label lookup req/s, {name}"] = value["requests_per_s"]
    figures["/api/responsibility req/s"] = r["load"]["/api/responsibility"]["hsvo-graph"][
        "requests_per_s"
    ]
    figures["projection s"] = r["resolver"]["projection_s"]
    figures["resolve median ms"] = r["resolver"]["resolve_median_ms"]
    return figures


def growth_table(results: list[dict]) -> list[str]:
    """How each figure grows from the smallest synthetic size to the largest, beside the growth
    of the graph itself: a figure growing faster than the triples grows faster than linearly."""
    synthetic = [r for r in results if r["size"] != "curated"]
    if len(synthetic) < 2:
        return []
    first, last = synthetic[0], synthetic[-1]
    growth = last["triples"] / first["triples"]
    columns = [growth_figures(r) for r in synthetic]
    lines = [
        "",
        f"Cost growth from {first['size']} to {last['size']}: the graph grows {growth:.0f}×.",
        "",
        "| figure | " + " | ".join(r["size"] for r in synthetic) + " | growth |",
        "|---|" + "---|" * (len(synthetic) + 1),
    ]
    for key in columns[0]:
        values = [c[key] for c in columns]
        change = f"{values[-1] / values[0]:.1f}×" if values[0] and values[-1] else "–"
        shown = ["–" if v is None else str(v) for v in values]
        lines.append(f"| {key} | " + " | ".join(shown) + f" | {change} |")
    return lines


def report(results: list[dict], args) -> None:
    """The table, printed and written to benchmarks/results/ as Markdown and JSON."""
    about = machine()
    lines = [
        f"hsvo-graph at scale; {about['nproc']} CPUs ({about['cpu']}), {about['memory_gib']} GiB, "
        f"Python {about['python']}. Latency: `wrk` with 1 connection for {args.seconds:g} s "
        f"(rdflib in-process: a timed loop); load: `wrk` with {args.clients} connections. "
        f"'skipped': the rdflib peer did not load or answer within {args.rdflib_timeout:g} s.",
        "",
        *size_table(results, args.clients),
        *growth_table(results),
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.md").write_text(table, encoding="utf-8")
    (RESULTS / "scale.json").write_text(
        json.dumps({"machine": about, "results": results}, indent=2, ensure_ascii=False),
        encoding="utf-8",
    )


def reuse_option(text: str) -> tuple[str, Path]:
    size, _, store = text.partition("=")
    return size, Path(store)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="curated,10k,100k,1m", help="comma-separated: curated,10k,100k,1m"
    )
    parser.add_argument("--seconds", type=float, default=5, help="duration of each wrk run")
    parser.add_argument("--clients", type=int, default=4, help="connections in load runs")
    parser.add_argument(
        "--rdflib-timeout", type=float, default=300, help="seconds an rdflib peer gets"
    )
    parser.add_argument(
        "--reuse",
        type=reuse_option,
        action="append",
        default=[],
        help="SIZE=STORE: measure an already built store (no build figures)",
    )
    args = parser.parse_args()
    args.reuse = dict(args.reuse)
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure_size(size, Path(tmp), args) for size in args.sizes.split(",")]
    report(results, args)


if __name__ == "__main__":
    main()
