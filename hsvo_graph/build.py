"""`hsvo build`: parse, validate, write a fresh store, swap it in. Whatever fails, the last good
build keeps serving: nothing touches it until the new one is complete."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pyoxigraph as ox

from hsvo_graph import loader, store
from hsvo_graph.validate import ValidationReport, load_graph, validate

PHASES = ("parse", "validate", "write", "swap")


class BuildFailed(Exception):
    """The build stopped; the message says why and where. The live store is unchanged."""

    def __init__(self, message: str, report: ValidationReport | None = None):
        super().__init__(message)
        self.report = report


@dataclass
class BuildResult:
    path: Path
    info: dict
    report: ValidationReport


def _checkpoint(phase: str) -> None:
    """Test hook: HSVO_KILL_BUILD_AT=<phase> kills this process with SIGKILL as the phase starts,
    so tests can show that a build dying at any point leaves the live store intact."""
    if os.environ.get("HSVO_KILL_BUILD_AT") == phase:
        os.kill(os.getpid(), signal.SIGKILL)


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


def build(
    data: Iterable[Path],
    ontology: Path,
    shapes: Path,
    store_path: Path,
    log: Callable[[str], None] = lambda _: None,
) -> BuildResult:
    """Build a new store from data + ontology, validated by shapes, and make it the live one."""
    data = [Path(d) for d in data]
    store_path = Path(store_path)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if store_path.exists() and not store_path.is_symlink():
        raise BuildFailed(
            f"{store_path} exists and is not a symlink made by `hsvo build`; move it away"
        )

    _checkpoint("parse")
    t = time.perf_counter()
    try:
        sources = loader.load([*data, Path(ontology)])
    except (loader.SourceSyntaxError, FileNotFoundError) as error:
        raise BuildFailed(f"syntax error: {error}") from None
    timings["parse"] = time.perf_counter() - t
    log(f"parsed {len(sources.files)} files, {sum(sources.triple_counts().values())} triples")

    _checkpoint("validate")
    t = time.perf_counter()
    ontology_graph = sources.rdflib_graph(kinds=("ontology",))
    report = validate(
        sources.rdflib_graph(kinds=("data",)),
        shapes=load_graph([Path(shapes)]),
        ontology=ontology_graph,
        files_by_subject=sources.files_by_subject(),
    )
    timings["validate"] = time.perf_counter() - t
    if not report.conforms:
        raise BuildFailed(
            f"SHACL validation failed with {len(report.violations)} violation(s)", report
        )
    log(f"validated: {len(report.warnings)} warning(s)")

    with _exclusive(store_path):
        store.prune(store_path)
        _checkpoint("write")
        t = time.perf_counter()
        build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"
        path = store.new_build_dir(store_path, build_id)
        db = ox.Store(str(path / store.DB_DIR))
        db.bulk_extend(sources.quads())
        db.flush()
        db.optimize()
        del db
        counts = sources.triple_counts()
        info = {
            "version": version("hsvo-graph"),
            "build_id": build_id,
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_commit(data[0] if data else Path(ontology)),
            "inputs": [str(p) for p in [*data, Path(ontology), Path(shapes)]],
            "graphs": counts,
            "triples": sum(counts.values()),
            "validation": report.to_dict(),
        }
        timings["write"] = time.perf_counter() - t
        info["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
        info["timings_s"]["total"] = round(time.perf_counter() - started, 3)
        store.write_info(path, info)

        _checkpoint("swap")
        store.swap_in(store_path, path)
        store.prune(store_path)
    log(f"store {store_path} -> {path} ({info['triples']} triples)")
    return BuildResult(path=path, info=info, report=report)
