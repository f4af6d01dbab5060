"""The built wheel works on its own: installed into a fresh venv outside the checkout, `hsvo`
builds, validates and serves a data directory from any working directory, with the ontology,
shapes, templates, vendored browser libraries and named queries taken from the package."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, serving

UV = ROOT / ".uv" / "bin" / "uv"


def run(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict]:
    """(bin directory of a venv holding only the wheel and its locked dependencies, a working
    directory outside the checkout with a data directory in it, the environment to run in)."""
    top = tmp_path_factory.mktemp("wheel")
    run(UV, "build", "--wheel", "--out-dir", top / "dist", cwd=ROOT)
    (wheel,) = (top / "dist").glob("hsvo_graph-*.whl")
    requirements = top / "requirements.txt"
    run(UV, "export", "--frozen", "--no-emit-project", "--no-dev", "-o", requirements, cwd=ROOT)
    venv = top / "venv"
    run(UV, "venv", "--python", sys.executable, venv, cwd=top)
    python = venv / "bin" / "python"
    run(UV, "pip", "install", "--python", python, "--require-hashes", "-r", requirements, cwd=top)
    run(UV, "pip", "install", "--python", python, "--no-deps", wheel, cwd=top)
    work = top / "elsewhere"
    shutil.copytree(ROOT / "data", work / "my-data")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return venv / "bin", work, {**env, "HSVO_BACKEND": "embedded"}


def test_the_package_is_imported_from_the_venv_not_the_checkout(installed):
    bin_dir, work, env = installed
    where = run(
        bin_dir / "python",
        "-c",
        "import hsvo_graph, api; from hsvo_graph import config; "
        "print(hsvo_graph.__file__, api.__file__, config.DEFAULT_ONTOLOGY, config.DEFAULT_SHAPES)",
        cwd=work,
        env=env,
    ).stdout.split()
    site = str(bin_dir.parent)
    assert all(path.startswith(site) for path in where), where
    assert not any(path.startswith(str(ROOT)) for path in where)


def test_build_validate_and_serve_from_the_wheel(installed):
    bin_dir, work, env = installed
    hsvo = bin_dir / "hsvo"
    built = run(hsvo, "build", "--data", "my-data", "--store", "my-store", cwd=work, env=env)
    assert "0 violation(s)" in built.stderr
    report = json.loads((work / "my-store" / "build.json").read_text(encoding="utf-8"))
    # The ontology is the packaged one, loaded into its graph beside the data's.
    assert "https://w3id.org/hsvo/graph/ontology/hsvo" in json.dumps(report)
    run(hsvo, "validate", "my-data", cwd=work, env=env)

    with serving(work / "my-store", env=env, hsvo=[str(hsvo)], cwd=work) as (base, _):
        counted = httpx.get(
            f"{base}/sparql",
            params={
                "query": "PREFIX hsvo: <https://w3id.org/hsvo/ontology#> "
                "SELECT (COUNT(?b) AS ?n) WHERE { ?b a hsvo:CollaborationBody }"
            },
            headers={"Accept": "application/sparql-results+json"},
        )
        assert counted.status_code == 200
        assert int(counted.json()["results"]["bindings"][0]["n"]["value"]) > 10

        # Seed 000 ("Lagstiftning"): the ädel agreement moved hemsjukvård to the kommuner.
        answer = httpx.get(
            f"{base}/api/responsibility",
            params={"task": "hemsjukvård", "municipality": "Östhammar", "date": "2024-05-01"},
        )
        assert answer.status_code == 200, answer.text
        parties = [p["party"]["label"] for p in answer.json()["parties"]]
        assert parties == ["Östhammars kommun", "Region Uppsala"]

        # Templates, the named queries and the vendored browser libraries come from the wheel.
        page = httpx.get(f"{base}/sparql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "agreements-with-terms" in page.text
        assert httpx.get(f"{base}/static/vendor/yasgui/yasgui.min.js").status_code == 200
        graph = httpx.get(f"{base}/graph", params={"county": "uppsala"})
        assert graph.status_code == 200 and "vis.Network" in graph.text
