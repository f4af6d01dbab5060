"""Faults around the store: the disk fills up under a build, the store path is replaced while a
build runs. Each time the build fails with a clear message, the server keeps answering from
the last good build, and the next build after the fault is cleared works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import HSVO, ROOT, free_port, run_hsvo, serving

FULL_DISK = r'''
"""Run inside a private mount namespace (unshare -rm): a small tmpfs holds the store."""
import json, os, subprocess, sys, time
import httpx

hsvo, data, disk, port = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
os.makedirs(disk, exist_ok=True)
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", disk], check=True)
store = os.path.join(disk, "store")
build = lambda *extra: subprocess.run(
    [*hsvo, "build", "--data", data, "--store", store, *extra], capture_output=True, text=True
)
out = {"first": build().returncode}
server = subprocess.Popen([*hsvo, "serve", "--store", store, "--port", port],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = f"http://127.0.0.1:{port}"
for _ in range(300):
    try:
        if httpx.get(base + "/health", timeout=1).status_code == 200:
            break
    except httpx.HTTPError:
        time.sleep(0.2)
out["live_id"] = httpx.get(base + "/health").json()["build_id"]
filler = os.path.join(disk, "filler")
with open(filler, "wb") as f:  # fill the disk to the last byte
    try:
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    except OSError:
        pass
failed = build("--full")
out["full_disk"] = {"code": failed.returncode, "stderr": failed.stderr}
health = httpx.get(base + "/health").json()
query = httpx.get(base + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                  headers={"Accept": "application/sparql-results+json"})
out["after"] = {"id": health["build_id"], "query": query.status_code,
                "triples": int(query.json()["results"]["bindings"][0]["n"]["value"])}
os.remove(filler)
out["cleared"] = build("--full").returncode
out["unfinished"] = [d for d in os.listdir(store + ".builds")
                     if not os.path.exists(os.path.join(store + ".builds", d, "build.json"))]
server.terminate()
server.wait(10)
print(json.dumps(out))
'''


def test_full_disk_fails_the_build_clearly_and_the_live_store_keeps_serving(
    data_copy: Path, tmp_path: Path
):
    script = tmp_path / "full_disk.py"
    script.write_text(FULL_DISK)
    result = subprocess.run(
        ["unshare", "-rm", sys.executable, str(script), json.dumps(HSVO), str(data_copy)]
        + [str(tmp_path / "disk"), str(free_port())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["first"] == 0
    assert out["full_disk"]["code"] == 1
    assert "No space left on device" in out["full_disk"]["stderr"]
    assert "Traceback" not in out["full_disk"]["stderr"]
    assert out["after"]["id"] == out["live_id"]  # still the last good build
    assert out["after"]["query"] == 200 and out["after"]["triples"] > 10_000
    assert out["cleared"] == 0
    assert out["unfinished"] == []


def test_store_path_replaced_during_a_build(data_copy: Path, tmp_path: Path):
    store = tmp_path / "store"
    assert run_hsvo("build", "--data", str(data_copy), "--store", str(store)).returncode == 0
    live = store.resolve()
    with serving(store) as (base, _):
        live_id = httpx.get(f"{base}/health").json()["build_id"]
        flag = tmp_path / "hold"
        flag.touch()
        build = subprocess.Popen(
            [*HSVO, "build", "--data", str(data_copy), "--store", str(store), "--full"],
            cwd=ROOT,
            env={**os.environ, "HSVO_HOLD_BUILD_AT": f"swap:{flag}"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while not Path(f"{flag}.reached").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        store.unlink()  # an operator replaces the store symlink with a directory of their own
        store.mkdir()
        flag.unlink()
        _, stderr = build.communicate(timeout=120)

        assert build.returncode == 1
        assert "not a symlink made by `hsvo build`" in stderr and "Traceback" not in stderr
        assert store.is_dir() and not store.is_symlink()  # their directory is left alone
        finished = [p for p in (tmp_path / "store.builds").iterdir()]
        assert finished == [live]  # the new build was removed, the old one kept
        assert httpx.get(f"{base}/health").json()["build_id"] == live_id
        answer = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
