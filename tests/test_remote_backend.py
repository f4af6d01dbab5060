"""HSVO_BACKEND=sparql: `hsvo build` loads into a real SPARQL server (Oxigraph, started here)
through the Graph Store Protocol and switches the build live in one update; the CLI reads it
through the SPARQL Protocol. (The HTTP API's tests run against this backend too: the `server`
fixture is parametrized over both backends.)"""

from __future__ import annotations

import shutil
import subprocess
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from .conftest import ROOT, free_port, oxigraph_serving, run_hsvo, serving, sparql_env

GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


@pytest.fixture
def oxigraph(tmp_path: Path):
    """An empty read-write Oxigraph server; yields (base URL, hsvo environment)."""
    with oxigraph_serving(tmp_path / "oxigraph") as (base, _):
        yield base, sparql_env(base)


def server_graphs(base: str) -> list[str]:
    """Every named graph on the server itself, staging and metadata graphs included."""
    response = httpx.post(
        f"{base}/query", data={"query": GRAPHS}, headers={"Accept": "text/csv"}, timeout=30
    )
    return response.text.split()[1:]


def build(data: Path, env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    return run_hsvo("build", "--data", str(data), "--store", str(tmp_path / "unused"), env=env)


def test_build_loads_every_file_as_its_graph_and_leaves_no_staging_graph(
    oxigraph, data_copy: Path, tmp_path: Path
):
    base, env = oxigraph
    result = build(data_copy, env, tmp_path)
    assert result.returncode == 0, result.stderr
    graphs = server_graphs(base)
    files = sorted(data_copy.rglob("*.ttl")) + sorted((ROOT / "ontology").rglob("*.ttl"))
    assert len(graphs) == len(files) + 1  # and the build's report
    assert "https://w3id.org/hsvo/graph/data/uppsala/parties" in graphs
    assert "https://w3id.org/hsvo/graph/meta/build" in graphs
    assert not [g for g in graphs if "staging" in g]


def test_cli_reads_the_server_with_the_union_of_the_builds_graphs(oxigraph, data_copy, tmp_path):
    _, env = oxigraph
    assert build(data_copy, env, tmp_path).returncode == 0
    query = "SELECT (COUNT(?m) AS ?n) WHERE { ?m a hsvo:Municipality }"
    remote = run_hsvo("query", "-", "--format", "csv", stdin=query, env=env)
    assert remote.returncode == 0, remote.stderr
    embedded = str(tmp_path / "embedded")
    assert run_hsvo("build", "--data", str(data_copy), "--store", embedded).returncode == 0
    local = run_hsvo("query", "-", "--format", "csv", "--store", embedded, stdin=query)
    assert remote.stdout == local.stdout and int(remote.stdout.split()[1]) > 0
    graphs = run_hsvo("query", "-", "--format", "csv", stdin=GRAPHS, env=env).stdout.split()[1:]
    assert "https://w3id.org/hsvo/graph/meta/build" not in graphs  # only the build's graphs


def test_a_second_build_replaces_graphs_and_drops_a_removed_file(oxigraph, data_copy, tmp_path):
    base, env = oxigraph
    assert build(data_copy, env, tmp_path).returncode == 0
    (data_copy / "uppsala" / "osthammar-plan-2020.ttl").unlink()
    shutil.rmtree(data_copy / "sodra-alvsborg")
    # the plan file holds activities other files do not point at; the county is referenced
    # nowhere else either, so the rest stays valid
    result = build(data_copy, env, tmp_path)
    assert result.returncode == 0, result.stderr
    graphs = server_graphs(base)
    assert "https://w3id.org/hsvo/graph/data/uppsala/osthammar-plan-2020" not in graphs
    assert not [g for g in graphs if "sodra-alvsborg" in g or "staging" in g]


def test_a_build_that_fails_validation_leaves_the_live_build(oxigraph, data_copy, tmp_path):
    base, env = oxigraph
    assert build(data_copy, env, tmp_path).returncode == 0
    before = server_graphs(base)
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    triples = run_hsvo("query", "-", "--format", "csv", stdin=count, env=env).stdout
    parties = data_copy / "sweden" / "municipalities.ttl"
    parties.write_text(
        parties.read_text(encoding="utf-8").replace("hsvo:municipalityCode", "hsvo:countyCode"),
        encoding="utf-8",
    )
    failed = build(data_copy, env, tmp_path)
    assert failed.returncode != 0 and "violation" in failed.stderr
    assert server_graphs(base) == before
    assert run_hsvo("query", "-", "--format", "csv", stdin=count, env=env).stdout == triples


def test_no_build_on_the_server_is_a_clear_error(oxigraph):
    _, env = oxigraph
    result = run_hsvo("query", "-", stdin="ASK {}", env=env)
    assert result.returncode != 0
    assert "no hsvo build on this server" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sparql_server_that_goes_away_gives_503_until_it_is_back(data_copy, tmp_path):
    """The API's answers from memory keep coming; what needs the server is a 503 problem with
    Retry-After that does not name the server; when it is back, so are the answers."""
    location, port = tmp_path / "oxigraph", free_port()
    first = ExitStack()
    base, _ = first.enter_context(oxigraph_serving(location, port=port))
    env = sparql_env(base)
    assert build(data_copy, env, tmp_path).returncode == 0
    ask = {"query": "ASK { ?s a hsvo:Municipality }"}
    lookup = {"task": "hemsjukvard", "municipality": "0382", "date": "2024-05-01"}
    with serving(tmp_path / "unused", env, tmp_path / "serve.log") as (api, _):
        assert httpx.get(f"{api}/sparql", params=ask, timeout=30).json()["boolean"] is True
        first.close()  # the SPARQL server goes away

        for path, params in [("/sparql", ask), ("/id/org/region-uppsala", None)]:
            answer = httpx.get(f"{api}{path}", params=params, timeout=30)
            assert answer.status_code == 503, (path, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.headers["retry-after"]
            assert answer.json()["title"] == "Store unavailable"
            assert str(port) not in answer.text
        assert httpx.get(f"{api}/health", timeout=30).status_code == 200
        answer = httpx.get(f"{api}/api/responsibility", params=lookup, timeout=30)
        assert answer.status_code == 200 and answer.json()["status"] == "known"

        with oxigraph_serving(location, port=port):
            assert httpx.get(f"{api}/sparql", params=ask, timeout=30).json()["boolean"] is True
            page = httpx.get(f"{api}/id/org/region-uppsala", timeout=30)
            assert page.status_code == 200 and "Region Uppsala" in page.text
    log = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in log and f"127.0.0.1:{port}" in log  # the server is in the log
