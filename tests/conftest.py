"""Shared fixtures: paths of the project's inputs and a helper to run the CLI as a user would."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from .browser import launch

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HSVO = [sys.executable, "-m", "hsvo_graph.cli"]


def run_hsvo(
    *args: str, env: dict | None = None, cwd: Path | None = None, stdin: str | None = None
):
    """Run the real `hsvo` command in a subprocess and return the completed process."""
    return subprocess.run(
        [*HSVO, *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=300,
    )


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may break without touching the repository."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


@pytest.fixture(scope="session")
def built_store(tmp_path_factory) -> Path:
    """The repository's data built once into a private store for read-only tests."""
    store = tmp_path_factory.mktemp("built") / "store"
    result = run_hsvo("build", "--store", str(store))
    assert result.returncode == 0, result.stderr
    return store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(
    process: subprocess.Popen, url: str, params: dict | None = None, seconds: float = 60
):
    """Poll url until it answers 200; fail with the process's output if it exits or hangs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{url}: process exited with {process.returncode}: {output}")
        try:
            if httpx.get(url, params=params, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    """Where the session's server writes its output (the access log among it)."""
    return tmp_path_factory.mktemp("server") / "server.log"


@pytest.fixture(scope="session")
def sparql_backend(tmp_path_factory) -> dict[str, str]:
    """A real Oxigraph server (PyPI `oxigraph`, read-write) on loopback with the repository's
    data built into it by `hsvo build` through the Graph Store Protocol; yields the
    environment that points hsvo at it (HSVO_BACKEND=sparql)."""
    location = tmp_path_factory.mktemp("sparql-backend") / "db"
    with oxigraph_serving(location) as (base, _):
        env = sparql_env(base)
        result = run_hsvo("build", "--store", str(location.parent / "unused"), env=env)
        assert result.returncode == 0, result.stderr
        yield env


@pytest.fixture(scope="session", params=["embedded", "sparql"])
def backend(request) -> dict[str, str]:
    """Each test that uses the server runs against both backends: the embedded store and a
    real SPARQL server; yields the environment for hsvo."""
    if request.param == "embedded":
        return {"HSVO_BACKEND": "embedded"}
    return request.getfixturevalue("sparql_backend")


@contextmanager
def serving(
    store: Path,
    env: dict | None = None,
    log: Path | None = None,
    options: tuple = (),
    hsvo: tuple | list = tuple(HSVO),
    cwd: Path = ROOT,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`hsvo serve` (the command `hsvo`, run in `cwd`) on a free loopback port with extra
    environment (HSVO_* limits) and options, its output appended to `log` (or dropped);
    yields its base URL and process."""
    port = free_port()
    with open(log or os.devnull, "a") as output:
        process = subprocess.Popen(
            [*hsvo, "serve", "--store", str(store), "--host", "127.0.0.1", "--port", str(port)]
            + list(options),
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(process, f"{base}/health")
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log.read_text() if log else ''}") from None
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def server(built_store: Path, server_log: Path, backend: dict):
    """The real server (`hsvo serve`) on a free loopback port; yields its base URL."""
    with serving(built_store, backend, server_log) as (base, _):
        yield base


@pytest.fixture(scope="session")
def server_info(server: str, built_store: Path, backend: dict) -> dict:
    """The report (build.json) of the build the server serves: the embedded store's, or the
    one `hsvo build` put on the SPARQL server."""
    if backend["HSVO_BACKEND"] == "sparql":
        from hsvo_graph import remote

        endpoint = remote.Endpoints(
            query=backend["HSVO_SPARQL_URL"],
            update=backend["HSVO_UPDATE_URL"],
            gsp=backend["HSVO_GSP_URL"],
        )
        return remote.read_info(endpoint)
    return json.loads((built_store / "build.json").read_text(encoding="utf-8"))


@contextmanager
def oxigraph_serving(
    location: Path, mode: str = "serve", port: int | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real Oxigraph server (PyPI `oxigraph`) over `location` on loopback (a free port unless
    given), read-write ("serve") or "serve-read-only"; yields its base URL and process."""
    port = port or free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "oxigraph"), mode, "--location", str(location)]
        + ["--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, f"{base}/query", params={"query": "ASK {}"})
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def sparql_env(base: str) -> dict[str, str]:
    """The environment that points hsvo at an Oxigraph server (HSVO_BACKEND=sparql)."""
    return {
        "HSVO_BACKEND": "sparql",
        "HSVO_SPARQL_URL": f"{base}/query",
        "HSVO_UPDATE_URL": f"{base}/update",
        "HSVO_GSP_URL": f"{base}/store",
    }


@pytest.fixture(scope="session")
def oxigraph_server(built_store: Path, tmp_path_factory):
    """A real Oxigraph server serving a copy of the built store read-only on loopback; yields
    its SPARQL query URL."""
    location = tmp_path_factory.mktemp("oxigraph") / "db"
    shutil.copytree(built_store.resolve() / "db", location)
    with oxigraph_serving(location, "serve-read-only") as (base, _):
        yield f"{base}/query"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright, one per test module that opens pages."""
    with launch() as browser:
        yield browser


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where browser tests save screenshots: docs/img/ when HSVO_SCREENSHOTS names it (as
    `make screenshots` does), else a temporary directory, so a test run leaves the tree clean."""
    target = os.environ.get("HSVO_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
