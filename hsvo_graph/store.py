"""The on-disk store: every build in its own directory, the live one named by a symlink.

    store            -> store.builds/<build-id>     (symlink, replaced atomically)
    store.builds/<build-id>/db/                     (the Oxigraph database)
    store.builds/<build-id>/build.json              (written last: a build without it is unfinished)

Swapping a symlink with os.replace is atomic on POSIX, so a reader sees the old build or the new
one, never half of one, and a build that dies leaves the live store untouched.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

BUILD_INFO = "build.json"
DB_DIR = "db"
KEEP_BUILDS = 3


class StoreNotFound(Exception):
    """No finished build at the given store path; run `hsvo build` first."""


def builds_dir(store: Path) -> Path:
    return store.with_name(store.name + ".builds")


def lock_path(store: Path) -> Path:
    return store.with_name(store.name + ".lock")


@dataclass
class LiveStore:
    """A finished build opened read-only: a local Oxigraph store, or a SPARQL server's build
    (path None, store a remote.RemoteStore) with HSVO_BACKEND=sparql."""

    path: Path | None
    store: ox.Store
    info: dict

    @property
    def build_id(self) -> str:
        return self.info.get("build_id") or self.path.name


def current_build(store: Path) -> Path:
    """The directory of the live build, resolved once so a later swap does not move it."""
    store = Path(store)
    if not store.exists():
        raise StoreNotFound(f"{store}: no store here; run `hsvo build` first")
    target = store.resolve()
    if not (target / BUILD_INFO).exists():
        raise StoreNotFound(f"{store}: not a finished hsvo build (no {BUILD_INFO})")
    return target


def read_info(build: Path) -> dict:
    return json.loads((build / BUILD_INFO).read_text(encoding="utf-8"))


def open_read_only(store: Path) -> LiveStore:
    """The live build: of the local store at `store`, or with HSVO_BACKEND=sparql the one on
    the SPARQL server (hsvo_graph/remote.py)."""
    from hsvo_graph import remote

    if remote.backend() == "sparql":
        endpoints = remote.Endpoints.from_env()
        info = remote.read_info(endpoints)
        if info is None:
            raise StoreNotFound(f"{endpoints.query}: no hsvo build on this server; run hsvo build")
        graphs = list(info["graphs"])
        return LiveStore(path=None, store=remote.RemoteStore(endpoints.query, graphs), info=info)
    build = current_build(store)
    return LiveStore(path=build, store=ox.Store.read_only(str(build / DB_DIR)), info=read_info(build))


def new_build_dir(store: Path, build_id: str) -> Path:
    path = builds_dir(Path(store)) / build_id
    path.mkdir(parents=True, exist_ok=False)
    return path


def write_info(build: Path, info: dict) -> None:
    """Write build.json through a temporary file, so it is complete or absent."""
    tmp = build / (BUILD_INFO + ".tmp")
    tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, build / BUILD_INFO)


def swap_in(store: Path, build: Path) -> None:
    """Point the store symlink at the new build in one atomic rename."""
    store = Path(store)
    if store.exists() and not store.is_symlink():
        raise FileExistsError(f"{store} exists and is not a symlink made by `hsvo build`; move it away")
    link = store.with_name(f".{store.name}.swap-{build.name}")
    if link.is_symlink():
        link.unlink()
    link.symlink_to(os.path.relpath(build, store.parent))
    os.replace(link, store)
    dir_fd = os.open(store.parent.resolve(), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def prune(store: Path, keep: int = KEEP_BUILDS) -> None:
    """Drop unfinished builds and all but the newest finished ones; never the live one."""
    root = builds_dir(Path(store))
    if not root.exists():
        return
    live = Path(store).resolve() if Path(store).exists() else None
    finished = sorted(
        (p for p in root.iterdir() if (p / BUILD_INFO).exists()), key=lambda p: p.name, reverse=True
    )
    doomed = [p for p in root.iterdir() if not (p / BUILD_INFO).exists()] + finished[keep:]
    for path in doomed:
        if path.resolve() != live:
            shutil.rmtree(path, ignore_errors=True)
