"""A mixed workload on `hsvo serve` over the curated graph, in the proportions a deployment
would see: mostly other systems asking /api/responsibility and /api/bodies and tools sending
SPARQL, now and then a person opening the query page or the graph view.

    python benchmarks/load_test.py [--seconds 180] [--users 128] [--rate R] [--max-requests N]

Builds data/ into a temporary store, starts `hsvo serve` on loopback and drives it with locust
(headless, as a library) until --seconds or --max-requests, whichever comes first. Locust rather
than wrk for the mix: a mix needs many routes, each with its own figures and expected status;
locust's users are greenlets, so one client process keeps dozens of keep-alive connections at a
set rate. It shares the two cores with the server, so the report gives the CPU each used and
what other processes took. The offered rate defaults to the mix's throughput if every request
cost what it does with its route alone: the scale issue's figures (benchmarks/results/scale.json)
for /sparql label lookups and /api/responsibility, and for the other routes, each alone under wrk
on a one-process `hsvo serve` (the server and the way the scale issue measured), combined in the
mix's proportions; the report also gives the combination of this run's own figures. The mix
runs on `hsvo serve --processes N` (default one per CPU), as a deployment would. Every few
seconds the PSS (/proc/<pid>/smaps_rollup) of the server's processes is sampled.

Reports requests/second, median, p95 and max latency per route, counts by status class, every
5xx and connection error with the server's access-log line, memory at start, peak and end with
the slope; writes benchmarks/results/load.json and load.md. Exits 1 on any 5xx, connection
error or exception in the load client, or when less than 95% of the offered rate is served once
every user has started (locust paces each user and does not catch up a late request, so a few
per cent fall short even when the server keeps up).
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
from collections.abc import Callable, Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from bench_endpoints import BIN, QUERIES, RESULTS, ROOT, free_port, wait_until_up  # noqa: E402
from bench_scale import WRK_SCRIPT, machine, wrk  # noqa: E402
from locust import FastHttpUser, constant_throughput  # noqa: E402
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
HELD = 0.95  # share of the offered rate served once every user has started: the rate is held
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


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict = field(default_factory=dict)
    body: str | None = None


def responsibility() -> Request:
    params = {"task": random.choice(TASKS), "municipality": random.choice(MUNICIPALITIES)}
    date = random.choice(DATES)
    params |= {"date": date} if date else {}
    params["lang"] = random.choice(["sv", "en"])
    return Request("GET", f"/api/responsibility?{urlencode(params)}")


def responsibility_unknown() -> Request:
    name, kommun = random.choice(UNKNOWN)
    return Request(
        "GET", f"/api/responsibility?{urlencode({'task': name, 'municipality': kommun})}"
    )


def bodies() -> Request:
    county = random.choice(COUNTIES)
    return Request(
        "GET", f"/api/bodies?{urlencode({'county': county})}" if county else "/api/bodies"
    )


def sparql_label() -> Request:
    query = urlencode({"query": label_lookup(random.choice(LABELS))})
    return Request("GET", f"/sparql?{query}", SPARQL_JSON)


def sparql_join() -> Request:
    form = {**SPARQL_JSON, "Content-Type": "application/x-www-form-urlencoded"}
    return Request("POST", "/sparql", form, urlencode({"query": QUERIES["multi-join"]}))


# How each route's requests are made: locust draws them in the mix, and the calibration
# (each route alone, under wrk) replays a sample of the same requests.
MAKERS: dict[str, Callable[[], Request]] = {
    "/api/responsibility": responsibility,
    "/api/responsibility, unknown name": responsibility_unknown,
    "/api/bodies": bodies,
    "/sparql label lookup (GET)": sparql_label,
    "/sparql multi-join (POST)": sparql_join,
    "/ (query page)": lambda: Request("GET", "/", HTML),
    "/sparql (query page)": lambda: Request("GET", "/sparql", HTML),
    "/graph?county=uppsala": lambda: Request("GET", "/graph?county=uppsala", HTML),
}


class Visitor(FastHttpUser):
    """One client of the deployment; `host` and `wait_time` are set before the run."""

    def send(self, route: str) -> None:
        r = MAKERS[route]()
        self.client.request(r.method, r.path, headers=r.headers, data=r.body, name=route)

    tasks = {
        (lambda user, route=route: user.send(route)): weight for route, weight in WEIGHTS.items()
    }


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
    steady_from: float = float("inf")  # time.monotonic() when every user has started
    steady: int = 0  # answers since then

    def record(self, name: str, response_time: float, response=None, exception=None, **_) -> None:
        """locust's request event listener."""
        status = getattr(response, "status_code", 0) or 0  # 0: no answer at all
        route = self.routes[name]
        route.times_ms.append(response_time)
        route.statuses[status] += 1
        if status == 0 or status >= 500:
            self.errors.append(error_details(name, status, response, exception))
        self.count += 1
        self.steady += time.monotonic() >= self.steady_from
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


def lua(text: str) -> str:
    """A Lua string literal (JSON's escapes are Lua's for ASCII text)."""
    assert text.isascii(), text
    return json.dumps(text)


def replay_script(route: str, count: int) -> str:
    """A wrk script that sends `count` requests of the route, made as the mix makes them,
    round and round, and prints bench_scale's summary line."""
    lines = ["local requests = {}"]
    for n in range(1, count + 1):
        r = MAKERS[route]()
        headers = ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in r.headers.items())
        body = lua(r.body) if r.body else "nil"
        lines.append(
            f"requests[{n}] = wrk.format({lua(r.method)}, {lua(r.path)}, {{{headers}}}, {body})"
        )
    lines += [
        "local i = 0",
        "function request()",
        "  i = i % #requests + 1",
        "  return requests[i]",
        "end",
    ]
    return "\n".join(lines) + WRK_SCRIPT


def calibrate(base: str, workdir: Path, clients: int, seconds: float) -> dict[str, dict]:
    """Each route alone under wrk with `clients` connections, as the scale issue measured
    /sparql and /api/responsibility: what the server does when nothing else competes."""
    alone = {}
    for route in WEIGHTS:
        script = workdir / "route.lua"
        script.write_text(replay_script(route, 200), encoding="utf-8")
        # Best of three: on a shared VM, interference only ever takes throughput away.
        runs = [wrk(base + "/", clients, seconds, script) for _ in range(3)]
        alone[route] = max(runs, key=lambda run: run["requests_per_s"])
    return alone


def mix_rate(rates: dict[str, float]) -> float:
    """The mix's throughput if every request cost what it does with its route alone: each
    route takes its share of the time at its own rate (a weighted harmonic mean)."""
    total = sum(WEIGHTS.values())
    return round(1 / sum(WEIGHTS[r] / total / rates[r] for r in WEIGHTS), 1)


def offered_rates(alone: dict[str, dict], scale: dict[str, float]) -> dict[str, float]:
    """Each route's rate alone as the scale issue measured it, and for the routes it did not
    measure, as measured here the same way."""
    return {r: scale.get(r) or alone[r]["requests_per_s"] for r in WEIGHTS}


def scale_figures() -> dict[str, float]:
    """What the scale issue measured on the curated graph (4 clients), by route."""
    results = json.loads((RESULTS / "scale.json").read_text())["results"]
    curated = next(r for r in results if r["size"] == "curated")["load"]
    return {
        "/sparql label lookup (GET)": curated["/sparql label lookup"]["hsvo-graph"][
            "requests_per_s"
        ],
        "/api/responsibility": curated["/api/responsibility"]["hsvo-graph"]["requests_per_s"],
    }


def tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def memory(root: psutil.Process, t: float) -> dict:
    """PSS of the HTTP processes (with --processes > 1 also uvicorn's supervisor above them) and
    of the query workers and multiprocessing's resource trackers below them: a page shared by n
    processes counts 1/n in each, so the sum is what they hold together."""
    http, others = 0, 0
    serving = {root.pid} | {c.pid for c in tree(root)[1:] if c.ppid() == root.pid and c.children()}
    for process in tree(root):
        try:
            pss = process.memory_full_info().pss  # psutil reads /proc/<pid>/smaps_rollup
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if process.pid in serving:
            http += pss
        else:
            others += pss
    return {
        "t_s": round(t, 1),
        "server_mib": round(http / MIB, 1),
        "workers_mib": round(others / MIB, 1),
        "total_mib": round((http + others) / MIB, 1),
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
    recorder.steady_from = started + args.ramp
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
    run, mem, target = result["run"], result["memory"], result["target"]
    about = result["machine"]
    total = result["routes"][-1]
    lines = [
        f"Mixed load on `hsvo serve --processes {run['processes']}` over the curated graph "
        f"({result['triples']:,} triples); "
        f"{about['nproc']} CPUs ({about['cpu']}), {about['memory_gib']} GiB, Python "
        f"{about['python']}; locust {result['locust']} (FastHttpUser) on the same machine, "
        f"{run['users']} users for {run['elapsed_s']} s ({run['ramp_s']:g} s ramp-up).",
        "",
        f"Offered {run['rate']} req/s: the mix's throughput if every request cost what it did "
        f"with its route alone, a weighted harmonic mean of the routes' rates: as the scale "
        f"issue measured them (benchmarks/results/scale.json: `hsvo serve`, one process, wrk, "
        f"4 connections) for "
        + ", ".join(f"{route} ({rate})" for route, rate in target["scale_json"].items())
        + f", and for the other routes as measured here the same way just before the run "
        f"('alone' below: the best of three {target['seconds']:g} s wrk runs with "
        f"{target['clients']} connections per route on a one-process server, replaying 200 "
        f"requests made as the mix makes them). With this run's own figures for every route "
        f"("
        + ", ".join(
            f"{route} {target['alone'][route]['requests_per_s']}" for route in target["scale_json"]
        )
        + f") the mix would come to {target['rate_from_alone_only']} req/s"
        + f". Served {run['steady_rate']} req/s once every user had started "
        f"({run['steady_rate'] / run['rate']:.0%} of the offered rate: "
        + ("held" if run["steady_rate"] >= HELD * run["rate"] else "**not held**")
        + f", the bar is {HELD:.0%}; "
        f"{run['steady_rate'] / target['rate_from_alone_only']:.0%} of this run's own figures), "
        f"{total['requests_per_s']} over the whole run. "
        f"CPU used, in cores of {about['nproc']}: "
        + ", ".join(f"{k} {v}" for k, v in run["cpu_cores"].items())
        + ".",
        "",
        "| route | share % | alone req/s | requests | req/s | median ms | p95 ms | max ms "
        "| statuses | unexpected |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["routes"]:
        route = row["route"]
        share = WEIGHTS.get(route, 100)
        alone = (
            target["alone"][route]["requests_per_s"] if route in target["alone"] else run["rate"]
        )
        statuses = ", ".join(f"{k}: {v}" for k, v in row["statuses"].items())
        lines.append(
            f"| {route} | {share} | {alone} | {row['requests']} | {row['requests_per_s']} "
            f"| {row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | {statuses} "
            f"| {row['unexpected']} |"
        )
    lines += [
        "",
        "'unexpected': a status other than the route's (404 for unknown names, else 200).",
        "",
        "Memory (PSS; 'server': the HTTP processes, with uvicorn's supervisor when there are "
        "several; 'workers': their query workers and multiprocessing's resource trackers), MiB:",
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


@contextmanager
def hsvo_serve(store: Path, processes: int, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`hsvo serve --processes N` on a free loopback port, its stderr (access log) in `log`."""
    port = free_port()
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [str(BIN / "hsvo"), "serve", "--store", str(store), "--port", str(port)]
            + ["--processes", str(processes)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/sparql", server)
        yield base, server
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=180, help="length of the run")
    parser.add_argument("--users", type=int, default=128, help="concurrent locust users")
    parser.add_argument(
        "--rate", type=float, default=None, help="offered req/s in all; default: the routes alone"
    )
    parser.add_argument(
        "--max-requests", type=int, default=300_000, help="stop after this many answers"
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="wrk connections when each route runs alone"
    )
    parser.add_argument(
        "--calibrate-seconds", type=float, default=3, help="each of 3 wrk runs per route alone"
    )
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="`hsvo serve --processes` for the mix (default: one per CPU)",
    )
    parser.add_argument("--ramp", type=float, default=5, help="seconds to start every user")
    parser.add_argument("--sample-every", type=float, default=5, help="memory sample interval")
    parser.add_argument("--warmup", type=float, default=30, help="seconds left out of the slope")
    parser.add_argument("--seed", type=int, default=1, help="seed of the request mix")
    args = parser.parse_args()
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
        # The server the scale issue measured (one process) with each route alone sets the
        # offered rate; the mix then runs on the deployment's server (--processes).
        with hsvo_serve(store, 1, Path(tmp) / "calibration.log") as (base, _):
            alone = calibrate(base, Path(tmp), args.clients, args.calibrate_seconds)
        scale = scale_figures()
        target = mix_rate(offered_rates(alone, scale))
        args.rate = args.rate or target
        with hsvo_serve(store, args.processes, Path(tmp) / "server.log") as (base, server):
            raw = drive(base, psutil.Process(server.pid), args)
        server_log = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace")

    recorder, elapsed = raw["recorder"], raw["elapsed_s"]
    result = {
        "machine": machine(),
        "locust": version("locust"),
        "triples": triples,
        "run": {
            "processes": args.processes,
            "users": args.users,
            "rate": args.rate,
            "seconds": args.seconds,
            "max_requests": args.max_requests,
            "ramp_s": args.ramp,
            "sample_every_s": args.sample_every,
            "seed": args.seed,
            "elapsed_s": round(elapsed, 1),
            "steady_rate": round(recorder.steady / (elapsed - args.ramp), 1),
            "cpu_cores": raw["cpu_cores"],
        },
        "target": {
            "rate": target,
            "alone": alone,
            "clients": args.clients,
            "seconds": args.calibrate_seconds,
            "scale_json": scale,
            "rate_from_alone_only": mix_rate({r: alone[r]["requests_per_s"] for r in WEIGHTS}),
        },
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
    held = result["run"]["steady_rate"] >= HELD * args.rate
    sys.exit(0 if held and not recorder.errors and not raw["client_exceptions"] else 1)


if __name__ == "__main__":
    main()
