"""`hsvo build`: parse, validate, write a fresh store, swap it in. Whatever fails, the last good
build keeps serving: nothing touches it until the new one is complete."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import httpx
import pyoxigraph as ox

from hsvo_graph import incremental, loader, remote, store
from hsvo_graph.validate import ValidationReport, load_graph, validate

PHASES = ("parse", "validate", "write", "swap")


class BuildFailed(Exception):
    """The build stopped; the message says why and where. The live store is unchanged."""

    def __init__(self, message: str, report: ValidationReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class BuildResult:
    path: Path | None  # None when the build went to a SPARQL server
    info: dict
    report: ValidationReport


def _checkpoint(phase: str) -> None:
    """Test hooks, so tests can show what happens to the live store when a build is stopped or
    overtaken at any point: HSVO_KILL_BUILD_AT=<phase> kills this process with SIGKILL as the
    phase starts; HSVO_HOLD_BUILD_AT=<phase>:<file> waits there (up to 60 s) while the file
    exists, after writing <file>.reached."""
    if os.environ.get("HSVO_KILL_BUILD_AT") == phase:
        os.kill(os.getpid(), signal.SIGKILL)
    held, _, flag = os.environ.get("HSVO_HOLD_BUILD_AT", "").partition(":")
    if held == phase and flag:
        Path(flag + ".reached").touch()
        deadline = time.monotonic() + 60
        while Path(flag).exists() and time.monotonic() < deadline:
            time.sleep(0.05)


@contextmanager
def _exclusive(store_path: Path):
    """One build at a time per store; a second one fails at once instead of racing."""
    lock = store.lock_path(store_path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildFailed(f"another build of {store_path} is running") from None
        yield


def git_commit(path: Path) -> dict:
    """The commit the data comes from, and whether the work tree had changes."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain", "--", ".")
    return {"commit": commit, "dirty": bool(dirty) if commit else None}


def _write_store(path: Path, sources: loader.LoadedSources) -> None:
    db = ox.Store(str(path))
    db.bulk_extend(sources.quads())
    db.flush()
    db.optimize()


def build(
    data: Iterable[Path],
    ontology: Path,
    shapes: Path,
    store_path: Path,
    log: Callable[[str], None] = lambda _: None,
    full: bool = False,
    workers: int | None = None,
) -> BuildResult:
    """Build a new store from data + ontology, validated by shapes, and make it the live one.

    When the live build was made from the same shapes, ontology and software, only the files
    that changed are parsed and only the nodes they can affect are validated again
    (hsvo_graph/incremental.py); `full` forces a whole build. `workers` validation processes
    (default: 2 when there are 2 CPUs or more).
    """
    data = [Path(d) for d in data]
    store_path = Path(store_path)
    started = time.perf_counter()
    if store_path.exists() and not store_path.is_symlink():
        raise BuildFailed(
            f"{store_path} exists and is not a symlink made by `hsvo build`; move it away"
        )
    workers = workers or (2 if (os.cpu_count() or 1) >= 2 else 1)
    with _exclusive(store_path):
        store.prune(store_path)
        _checkpoint("parse")
        try:
            files = loader.source_files([*data, Path(ontology)])
        except FileNotFoundError as error:
            raise BuildFailed(f"syntax error: {error}") from None
        print_ = incremental.fingerprint(Path(shapes), Path(ontology), version("hsvo-graph"))
        # Read before parsing: a file edited meanwhile is then seen as changed next time.
        contents = {path: path.read_bytes() for path, _ in files}  # read once, for all uses
        sources_info = {
            loader.graph_name(path, root): {
                "path": str(path),
                "sha256": hashlib.sha256(contents[path]).hexdigest(),
            }
            for path, root in files
        }
        try:
            if remote.backend() == "sparql":
                return _build_to_server(
                    files, contents, data, ontology, shapes, log, workers, print_, sources_info
                )
            previous = _live_info(store_path)
            plan = None if full else incremental.plan(previous, files, sources_info, print_)
            if plan is not None:
                result = _build_changes(
                    plan, contents, previous, data, ontology, shapes, store_path, log
                )
            else:
                result = _build_all(
                    files, contents, data, ontology, shapes, store_path, log, workers
                )
        except (httpx.HTTPError, remote.RemoteError) as error:
            raise BuildFailed(f"the SPARQL server: {error}") from None
        except OSError as error:  # the disk is full, a directory vanished, ...
            raise BuildFailed(f"the build stopped on a file system error: {error}") from None
        result.info["fingerprint"] = print_
        result.info["sources"] = sources_info
        result.info["timings_s"]["total"] = round(time.perf_counter() - started, 3)
        try:
            store.write_info(result.path, result.info)
            _checkpoint("swap")
            store.swap_in(store_path, result.path)
        except OSError as error:  # a full disk, or the store path replaced meanwhile
            shutil.rmtree(result.path, ignore_errors=True)
            raise BuildFailed(f"the new build was not made live: {error}") from None
        store.prune(store_path)
    log(f"store {store_path} -> {result.path} ({result.info['triples']} triples)")
    return result


def _live_info(store_path: Path) -> dict | None:
    try:
        return store.read_info(store.current_build(store_path))
    except (store.StoreNotFound, OSError, ValueError):
        return None


def _parse(files: list[tuple[Path, Path]], contents: dict[Path, bytes]) -> loader.LoadedSources:
    try:
        return loader.load_files(files, contents)
    except loader.SourceSyntaxError as error:
        raise BuildFailed(f"syntax error: {error}") from None


def _info(build_id: str, data: list[Path], ontology: Path, shapes: Path) -> dict:
    return {
        "version": version("hsvo-graph"),
        "build_id": build_id,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_commit(data[0] if data else Path(ontology)),
        "inputs": [str(p) for p in [*data, Path(ontology), Path(shapes)]],
    }


def _new_build_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"


def _validate_all(sources, shapes, workers, log, meanwhile=lambda: None) -> ValidationReport:
    """Validate every data file; the split keeps each file's nodes in one process."""
    graph_of: dict = {}
    report = validate(
        sources.rdflib_triples(kinds=("data",), graph_of=graph_of),
        shapes=load_graph([Path(shapes)]),
        ontology=sources.rdflib_graph(kinds=("ontology",)),
        files_by_subject=sources.files_by_subject(),
        workers=workers,
        meanwhile=meanwhile,
        groups=graph_of,
    )
    if not report.conforms:
        raise BuildFailed(
            f"SHACL validation failed with {len(report.violations)} violation(s)", report
        )
    log(f"validated: {len(report.warnings)} warning(s)")
    return report


def _build_all(files, contents, data, ontology, shapes, store_path, log, workers) -> BuildResult:
    """Parse and validate everything; the store is written beside the validation."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    sources = _parse(files, contents)
    timings["parse"] = time.perf_counter() - t
    log(f"parsed {len(sources.files)} files, {sum(sources.triple_counts().values())} triples")

    build_id = _new_build_id()
    path = store.new_build_dir(store_path, build_id)

    def write() -> None:
        """Runs while the validation processes work: writing needs one core, they leave it."""
        _checkpoint("write")
        t = time.perf_counter()
        _write_store(path / store.DB_DIR, sources)
        timings["write"] = time.perf_counter() - t

    try:
        _checkpoint("validate")
        t = time.perf_counter()
        report = _validate_all(sources, shapes, workers, log, meanwhile=write)
        timings["validate"] = time.perf_counter() - t  # the store was written meanwhile
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    counts = sources.triple_counts()
    info = _info(build_id, data, ontology, shapes) | {
        "mode": "full",
        "graphs": counts,
        "triples": sum(counts.values()),
        "validation": report.to_dict(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return BuildResult(path=path, info=info, report=report)


def _build_to_server(
    files, contents, data, ontology, shapes, log, workers, print_, sources_info
) -> BuildResult:
    """Parse and validate everything (a server's store has no checkpoint to patch), then load
    the graphs into the SPARQL server and switch them live (hsvo_graph/remote.py)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    t = time.perf_counter()
    sources = _parse(files, contents)
    timings["parse"] = time.perf_counter() - t
    t = time.perf_counter()
    report = _validate_all(sources, shapes, workers, log)
    timings["validate"] = time.perf_counter() - t
    counts = sources.triple_counts()
    info = _info(_new_build_id(), data, ontology, shapes) | {
        "mode": "full",
        "backend": "sparql",
        "graphs": counts,
        "triples": sum(counts.values()),
        "validation": report.to_dict(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    info |= {"fingerprint": print_, "sources": sources_info}
    t = time.perf_counter()
    graphs = {source.graph: source.triples for source in sources.files}
    remote.load_build(remote.Endpoints.from_env(), graphs, info)
    log(f"loaded into the SPARQL server in {time.perf_counter() - t:.1f} s")
    info["timings_s"]["total"] = round(time.perf_counter() - started, 3)
    return BuildResult(path=None, info=info, report=report)


def _build_changes(
    plan, contents, previous, data, ontology, shapes, store_path, log
) -> BuildResult:
    """Parse the changed files, patch a checkpoint of the live store, validate around the
    changes (hsvo_graph/incremental.py)."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    parsed = _parse(plan.changed, contents).files
    timings["parse"] = time.perf_counter() - t
    log(f"incremental: {len(parsed)} changed file(s), {len(plan.removed)} removed")

    build_id = _new_build_id()
    path = store.new_build_dir(store_path, build_id)
    try:
        _checkpoint("write")
        t = time.perf_counter()
        live = store.open_read_only(store_path)
        live.store.backup(str(path / store.DB_DIR))
        del live
        db = ox.Store(str(path / store.DB_DIR))
        removed, added = incremental.apply(db, plan, parsed)
        timings["write"] = time.perf_counter() - t

        _checkpoint("validate")
        t = time.perf_counter()
        files_of_graph = {g: s["path"] for g, s in previous["sources"].items()}
        files_of_graph.update({s.graph: str(s.path) for s in parsed})
        report = incremental.revalidate(
            db,
            removed | added,
            previous["validation"]["results"],
            shapes=load_graph([Path(shapes)]),
            ontology=load_graph([Path(ontology)]),
            files_of_graph=files_of_graph,
        )
        timings["validate"] = time.perf_counter() - t
        if not report.conforms:
            raise BuildFailed(
                f"SHACL validation failed with {len(report.violations)} violation(s)", report
            )
        log(f"validated around {len(removed) + len(added)} changed triple(s)")
        counts = {g: n for g, n in previous["graphs"].items() if g not in plan.removed}
        for source in parsed:
            counts[source.graph] = len(source.triples)
        del db
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    info = _info(build_id, data, ontology, shapes) | {
        "mode": "incremental",
        "changed": [str(p) for p, _ in plan.changed],
        "removed": plan.removed,
        "changed_triples": len(removed) + len(added),
        "graphs": counts,
        "triples": sum(counts.values()),
        "validation": report.to_dict(),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return BuildResult(path=path, info=info, report=report)
