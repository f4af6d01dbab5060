"""A mixed workload on `hsvo serve` over the curated graph, in the proportions a deployment
would see: mostly other systems asking /api/responsibility and /api/bodies and tools sending
SPARQL, now and then a person opening the query page or the graph view.

    python benchmarks/load_test.py [--seconds 180] [--users 32] [--rate R] [--max-requests N]

Builds data/ into a temporary store, starts `hsvo serve` on loopback and drives it with locust
(headless, as a library) until --seconds or --max-requests, whichever comes first. Locust rather
than wrk, which bench_scale.py uses: wrk sends one URL, and a mix needs many routes, each with
its own figures and expected status; locust's users are greenlets, so one client process keeps
dozens of keep-alive connections at a set rate. It shares the two cores with the server, so the
report gives the CPU each used and what other processes took. The offered rate defaults to what
benchmarks/results/scale.json measured on the curated graph for /sparql and /api/responsibility
alone, combined in the mix's proportions. Every few seconds the PSS (/proc/<pid>/smaps_rollup)
of the server process and its query workers is sampled.

Reports requests/second, median, p95 and max latency per route, counts by status class, every
5xx and connection error with the server's access-log line, memory at start, peak and end with
the slope; writes benchmarks/results/load.json and load.md. Exits 1 on any 5xx, connection
error or exception in the load client.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl or socket: locust's users are greenlets

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from bench_endpoints import BIN, QUERIES, RESULTS, ROOT, free_port, wait_until_up  # noqa: E402
from bench_scale import machine  # noqa: E402
from locust import FastHttpUser, constant_throughput, task  # noqa: E402
from locust.env import Environment  # noqa: E402

MIB = 2**20
# Share of each route in the mix, in percent. Other systems dominate: resolver lookups (a
# fifth of them with a task or kommun the graph does not know, answered 404) and body lists;
# then SPARQL from tools; people open the query page and the graph view now and then.
WEIGHTS = {
    "/api/responsibility": 40,
    "/api/responsibility, unknown name": 9,
    "/api/bodies": 16,
    "/sparql label lookup (GET)": 24,
    "/sparql multi-join (POST)": 6,
    "/ (query page)": 2,
    "/sparql (query page)": 2,
    "/graph?county=uppsala": 1,
}
SPARQL_ROUTES = {"/sparql label lookup (GET)", "/sparql multi-join (POST)"}
EXPECTED = {"/api/responsibility, unknown name": 404}  # every other route: 200
TASKS = [
    "hemsjukvård",
    "hemsjukvard",
    "HSV",
    "läkarinsatser",
    "doctors' input",
    "LSS",
    "socialtjänst",
    "elevhälsa",
    "tandvård",
    "försörjningsstöd",
    "hälso- och sjukvård i särskilda boendeformer",
    "anhörigstöd",
    "primärvård",
]
MUNICIPALITIES = [
    "Östhammar",
    "0382",
    "Enköpings kommun",
    "0380",
    "Tierp",
    "Borås Stad",
    "1490",
    "Marks kommun",
    "Stockholms stad",
    "0180",
    "Solna",
    "Nacka kommun",
]
UNKNOWN = [
    ("hemsjukvårdx", "Östhammar"),
    ("snöröjning", "0382"),
    ("LSS", "Atlantis"),
    ("hemsjukvård", "9999"),
]
DATES = [None, "2016-05-01", "2020-01-15", "2024-05-01", "2025-08-01"]
COUNTIES = [None, "uppsala", "stockholm", "sodra-alvsborg"]
LABELS = ["Östhammars kommun", "Borås Stad", "Stockholms stad", "hemsjukvård", "Region Uppsala"]
SPARQL_JSON = {"Accept": "application/sparql-results+json"}
HTML = {"Accept": "text/html,application/xhtml+xml"}


def label_lookup(name: str) -> str:
    """bench_endpoints' label lookup for another label: tools ask about many names."""
    return QUERIES["label lookup"].replace("Östhammars kommun", name)


class Visitor(FastHttpUser):
    """One client of the deployment; `host` and `wait_time` are set before the run."""

    @task(WEIGHTS["/api/responsibility"])
    def responsibility(self) -> None:
        params = {"task": random.choice(TASKS), "municipality": random.choice(MUNICIPALITIES)}
        date = random.choice(DATES)
        params |= {"date": date} if date else {}
        params["lang"] = random.choice(["sv", "en"])
        self.client.get(f"/api/responsibility?{urlencode(params)}", name="/api/responsibility")

    @task(WEIGHTS["/api/responsibility, unknown name"])
    def responsibility_unknown(self) -> None:
        name, kommun = random.choice(UNKNOWN)
        self.client.get(
            f"/api/responsibility?{urlencode({'task': name, 'municipality': kommun})}",
            name="/api/responsibility, unknown name",
        )

    @task(WEIGHTS["/api/bodies"])
    def bodies(self) -> None:
        county = random.choice(COUNTIES)
        path = f"/api/bodies?{urlencode({'county': county})}" if county else "/api/bodies"
        self.client.get(path, name="/api/bodies")

    @task(WEIGHTS["/sparql label lookup (GET)"])
    def sparql_label(self) -> None:
        query = urlencode({"query": label_lookup(random.choice(LABELS))})
        self.client.get(f"/sparql?{query}", headers=SPARQL_JSON, name="/sparql label lookup (GET)")

    @task(WEIGHTS["/sparql multi-join (POST)"])
    def sparql_join(self) -> None:
        self.client.post(
            "/sparql",
            data=urlencode({"query": QUERIES["multi-join"]}),
            headers={**SPARQL_JSON, "Content-Type": "application/x-www-form-urlencoded"},
            name="/sparql multi-join (POST)",
        )

    @task(WEIGHTS["/ (query page)"])
    def root_page(self) -> None:
        self.client.get("/", headers=HTML, name="/ (query page)")

    @task(WEIGHTS["/sparql (query page)"])
    def query_page(self) -> None:
        self.client.get("/sparql", headers=HTML, name="/sparql (query page)")

    @task(WEIGHTS["/graph?county=uppsala"])
    def graph_view(self) -> None:
        self.client.get("/graph?county=uppsala", headers=HTML, name="/graph?county=uppsala")


@dataclass
class Route:
    times_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


@dataclass
class Recorder:
    """Every answer's latency and status per route, and the details of each 5xx and
    connection error, from locust's request event (exact times: locust's own percentiles
    are rounded to buckets)."""

    limit: int
    on_limit: Callable[[], object]  # called once, when `limit` answers have been recorded
    routes: dict[str, Route] = field(default_factory=lambda: defaultdict(Route))
    errors: list[dict] = field(default_factory=list)
    count: int = 0

    def record(self, name: str, response_time: float, response=None, exception=None, **_) -> None:
        """locust's request event listener."""
        status = getattr(response, "status_code", 0) or 0  # 0: no answer at all
        route = self.routes[name]
        route.times_ms.append(response_time)
        route.statuses[status] += 1
        if status == 0 or status >= 500:
            self.errors.append(error_details(name, status, response, exception))
        self.count += 1
        if self.count == self.limit:
            gevent.spawn(self.on_limit)


def error_details(name: str, status: int, response, exception) -> dict:
    """What a 5xx or a failed connection says: the request id finds its access-log line."""
    headers = getattr(response, "headers", None) or {}
    try:
        body = (response.text or "")[:300]
    except (AttributeError, UnicodeDecodeError):
        body = ""
    return {
        "route": name,
        "status": status,
        "request_id": headers.get("x-request-id"),
        "body": body,
        "exception": repr(exception) if status == 0 else None,
    }


def target_rate() -> tuple[float, dict]:
    """The curated graph's single-route throughput from scale.json (/sparql label lookup and
    /api/responsibility, 4 clients), combined as the mix's SPARQL share and the rest would
    be served if each request cost what it did alone."""
    results = json.loads((RESULTS / "scale.json").read_text())["results"]
    curated = next(r for r in results if r["size"] == "curated")["load"]
    sparql = curated["/sparql label lookup"]["hsvo-graph"]["requests_per_s"]
    api = curated["/api/responsibility"]["hsvo-graph"]["requests_per_s"]
    share = sum(WEIGHTS[r] for r in SPARQL_ROUTES) / sum(WEIGHTS.values())
    rate = 1 / (share / sparql + (1 - share) / api)
    return round(rate, 1), {"/sparql": sparql, "/api/responsibility": api, "sparql_share": share}


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def memory(root: psutil.Process, t: float) -> dict:
    """PSS of the server process and of its children (query workers, multiprocessing's
    resource tracker): a page shared by n processes counts 1/n in each, so the sum is what
    they hold together."""
    server, children = 0, 0
    for process in tree(root):
        try:
            pss = process.memory_full_info().pss  # psutil reads /proc/<pid>/smaps_rollup
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if process.pid == root.pid:
            server = pss
        else:
            children += pss
    return {
        "t_s": round(t, 1),
        "server_mib": round(server / MIB, 1),
        "workers_mib": round(children / MIB, 1),
        "total_mib": round((server + children) / MIB, 1),
    }


def cpu_seconds(root: psutil.Process) -> float:
    """CPU seconds the server and its live children have used so far."""
    total = 0.0
    for process in tree(root):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def busy_seconds() -> float:
    """CPU seconds every core of the machine has spent on anything but idling so far."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - times.iowait


def drive(base: str, root: psutil.Process, args) -> dict:
    """The locust run with memory sampled beside it; the raw figures for the report."""
    Visitor.host = base
    Visitor.wait_time = constant_throughput(args.rate / args.users)
    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    recorder = Recorder(limit=args.max_requests, on_limit=runner.quit)
    env.events.request.add_listener(recorder.record)
    samples = [memory(root, 0.0)]
    server_cpu, client_cpu, machine_cpu = cpu_seconds(root), sum(os.times()[:2]), busy_seconds()
    started = time.monotonic()

    def sample() -> None:
        while True:
            gevent.sleep(args.sample_every)
            samples.append(memory(root, time.monotonic() - started))

    sampler = gevent.spawn(sample)
    runner.start(args.users, spawn_rate=args.users / args.ramp)
    gevent.spawn_later(args.seconds, runner.quit)
    runner.greenlet.join()
    elapsed = time.monotonic() - started
    sampler.kill()
    samples.append(memory(root, elapsed))
    server_cpu = cpu_seconds(root) - server_cpu
    client_cpu = sum(os.times()[:2]) - client_cpu
    others = busy_seconds() - machine_cpu - server_cpu - client_cpu
    cores = {"server": server_cpu, "locust": client_cpu, "other processes": max(others, 0.0)}
    return {
        "elapsed_s": elapsed,
        "recorder": recorder,
        "samples": samples,
        "cpu_cores": {k: round(v / elapsed, 2) for k, v in cores.items()},
        "client_exceptions": [f"{e['msg']} ({e['count']}×)" for e in runner.exceptions.values()],
    }


def server_side(log: str, errors: list[dict]) -> dict:
    """What the server's stderr says about the failures: the access-log line of each 5xx
    (its own milliseconds, apart from the client's wait) and every logged traceback."""
    ids = {e["request_id"] for e in errors if e["request_id"]}
    lines = log.splitlines()
    return {
        "access_log": [line for line in lines if line.split(" access ")[-1].split(" ")[0] in ids],
        "tracebacks": log.count("Traceback (most recent call last)"),
    }


def percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[int(q * (len(ordered) - 1))]


def status_classes(statuses: Counter) -> dict[str, int]:
    classes: Counter = Counter()
    for status, n in statuses.items():
        classes["no answer" if status == 0 else f"{status // 100}xx"] += n
    return dict(sorted(classes.items()))


def route_rows(recorder: Recorder, elapsed: float) -> list[dict]:
    """Per route, and for all routes together: rate, latency and statuses."""
    rows = []
    everything = Route()
    for name in WEIGHTS:
        route = recorder.routes.get(name)
        if route is None:
            continue
        everything.times_ms += route.times_ms
        everything.statuses += route.statuses
        unexpected = sum(n for s, n in route.statuses.items() if s != EXPECTED.get(name, 200))
        rows.append({"route": name, **figures(route, elapsed), "unexpected": unexpected})
    unexpected = sum(r["unexpected"] for r in rows)
    rows.append({"route": "all", **figures(everything, elapsed), "unexpected": unexpected})
    return rows


def figures(route: Route, elapsed: float) -> dict:
    return {
        "requests": len(route.times_ms),
        "requests_per_s": round(len(route.times_ms) / elapsed, 1),
        "median_ms": round(statistics.median(route.times_ms), 2),
        "p95_ms": round(percentile(route.times_ms, 0.95), 2),
        "max_ms": round(max(route.times_ms), 2),
        "statuses": status_classes(route.statuses),
    }


def memory_summary(samples: list[dict], warmup: float) -> dict:
    """Start (before the load), peak, end (after it) and the slope of the total over the
    samples past the warm-up: a bounded server levels off, a leak keeps climbing."""
    steady = [s for s in samples if s["t_s"] >= warmup]
    slope = None
    if len(steady) >= 3:
        fit = statistics.linear_regression(
            [s["t_s"] for s in steady], [s["total_mib"] for s in steady]
        )
        slope = round(fit.slope * 60, 2)
    peak = max(samples, key=lambda s: s["total_mib"])
    return {
        "start": samples[0],
        "peak": peak,
        "end": samples[-1],
        "slope_mib_per_min": slope,
        "slope_from_s": warmup,
    }


def markdown(result: dict) -> str:
    """load.md: the run, the routes table, memory and every 5xx or connection error."""
    run, mem = result["run"], result["memory"]
    about = result["machine"]
    total = result["routes"][-1]
    lines = [
        f"Mixed load on `hsvo serve` over the curated graph ({result['triples']:,} triples); "
        f"{about['nproc']} CPUs ({about['cpu']}), {about['memory_gib']} GiB, Python "
        f"{about['python']}; locust {result['locust']} (FastHttpUser) on the same machine, "
        f"{run['users']} users for {run['elapsed_s']} s ({run['ramp_s']:g} s ramp-up).",
        "",
        f"Offered {run['rate']} req/s: the curated graph's single-route throughput in "
        f"benchmarks/results/scale.json (/sparql {result['target']['/sparql']}, "
        f"/api/responsibility {result['target']['/api/responsibility']} req/s, 4 clients) "
        f"combined for the mix's {result['target']['sparql_share']:.0%} SPARQL. "
        f"Served {total['requests_per_s']} req/s "
        f"({total['requests_per_s'] / run['rate']:.0%} of the offered rate). CPU used, in cores "
        f"of {about['nproc']}: " + ", ".join(f"{k} {v}" for k, v in run["cpu_cores"].items()) + ".",
        "",
        "| route | share % | requests | req/s | median ms | p95 ms | max ms | statuses "
        "| unexpected |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["routes"]:
        share = WEIGHTS.get(row["route"], 100)
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        lines.append(
            f"| {row['route']} | {share} | {row['requests']} | {row['requests_per_s']} "
            f"| {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | {statuses} "
            f"| {row['unexpected']} |"
        )
    lines += [
        "",
        "'unexpected': a status other than the route's (404 for unknown names, else 200).",
        "",
        "Memory (PSS of the server process and its children: query workers, multiprocessing's "
        "resource tracker), MiB:",
        "",
        "| when | t s | server | workers | total |",
        "|---|---|---|---|---|",
    ]
    for when in ("start", "peak", "end"):
        s = mem[when]
        lines.append(
            f"| {when} | {s['t_s']} | {s['server_mib']} | {s['workers_mib']} | {s['total_mib']} |"
        )
    lines += [
        "",
        f"Slope of the total from {mem['slope_from_s']:g} s on: {mem['slope_mib_per_min']} "
        f"MiB/min over {len(result['samples'])} samples every {run['sample_every_s']:g} s.",
        "",
        f"5xx and connection errors: {len(result['errors']) or 'none'}; tracebacks in the "
        f"server's log: {result['server']['tracebacks']}; exceptions in the load client: "
        f"{len(result['client_exceptions']) or 'none'}.",
    ]
    lines += [
        f"- {e['route']}: {e['status'] or 'no answer'} {e['request_id'] or ''} "
        f"{e['exception'] or e['body']}"
        for e in result["errors"][:50]
    ]
    lines += [f"- client: {e}" for e in result["client_exceptions"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180, help="length of the run")
    parser.add_argument("--users", type=int, default=32, help="concurrent locust users")
    parser.add_argument(
        "--rate", type=float, default=None, help="offered req/s in all; default from scale.json"
    )
    parser.add_argument(
        "--max-requests", type=int, default=300_000, help="stop after this many answers"
    )
    parser.add_argument("--ramp", type=float, default=5, help="seconds to start every user")
    parser.add_argument("--sample-every", type=float, default=5, help="memory sample interval")
    parser.add_argument("--warmup", type=float, default=30, help="seconds left out of the slope")
    parser.add_argument("--seed", type=int, default=1, help="seed of the request mix")
    args = parser.parse_args()
    target, measured = target_rate()
    args.rate = args.rate or target
    random.seed(args.seed)

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store"
        subprocess.run(
            [str(BIN / "hsvo"), "build", "--store", str(store)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        triples = json.loads((store / "build.json").read_text())["triples"]
        port = free_port()
        with open(Path(tmp) / "server.log", "wb") as log:
            server = subprocess.Popen(
                [str(BIN / "hsvo"), "serve", "--store", str(store), "--port", str(port)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(f"{base}/sparql", server)
                raw = drive(base, psutil.Process(server.pid), args)
            finally:
                server.terminate()
                server.wait(30)
        server_log = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace")

    recorder, elapsed = raw["recorder"], raw["elapsed_s"]
    result = {
        "machine": machine(),
        "locust": version("locust"),
        "triples": triples,
        "run": {
            "users": args.users,
            "rate": args.rate,
            "seconds": args.seconds,
            "max_requests": args.max_requests,
            "ramp_s": args.ramp,
            "sample_every_s": args.sample_every,
            "seed": args.seed,
            "elapsed_s": round(elapsed, 1),
            "cpu_cores": raw["cpu_cores"],
        },
        "target": {**measured, "rate": target},
        "routes": route_rows(recorder, elapsed),
        "memory": memory_summary(raw["samples"], args.warmup),
        "samples": raw["samples"],
        "errors": recorder.errors,
        "server": server_side(server_log, recorder.errors),
        "client_exceptions": raw["client_exceptions"],
    }
    report = markdown(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.md").write_text(report, encoding="utf-8")
    (RESULTS / "load.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    print(report)
    sys.exit(1 if recorder.errors or raw["client_exceptions"] else 0)


if __name__ == "__main__":
    main()
