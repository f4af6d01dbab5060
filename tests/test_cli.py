"""The command line as an analyst or curator uses it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from .conftest import FIXTURES, run_hsvo

MUNICIPALITIES_QUERY = """
PREFIX hsvo: <https://w3id.org/hsvo/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code ?name WHERE {
  ?m a hsvo:Municipality ; hsvo:municipalityCode ?code ; skos:prefLabel ?name ;
     hsvo:county <https://w3id.org/hsvo/id/county/uppsala-lan> .
  FILTER (lang(?name) = "sv")
} ORDER BY ?code
"""


@pytest.mark.parametrize("command", ["build", "validate", "query", "export", "serve"])
def test_every_command_has_help(command: str):
    result = run_hsvo(command, "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout and "--help" in result.stdout


def test_validate_exit_codes_and_formats():
    ok = run_hsvo("validate")
    assert ok.returncode == 0, ok.stdout
    assert "0 violation(s)" in ok.stdout or "conforms" in ok.stdout

    bad = FIXTURES / "invalid" / "Municipality-municipalityCode.ttl"
    base = FIXTURES / "valid" / "base.ttl"
    text = run_hsvo("validate", str(base), str(bad))
    assert text.returncode == 1
    assert "kommun-med-fel-kod" in text.stdout and str(bad) in text.stdout

    as_json = json.loads(run_hsvo("validate", str(base), str(bad), "--format", "json").stdout)
    assert as_json["conforms"] is False and as_json["violations"] == 1
    assert as_json["results"][0]["path"] == "hsvo:municipalityCode"

    as_turtle = run_hsvo("validate", str(base), str(bad), "--format", "turtle").stdout
    graph = Graph().parse(data=as_turtle, format="turtle")
    assert len(list(graph.subjects(None, None))) > 0


def test_validate_reports_syntax_error_with_line(tmp_path: Path):
    broken = tmp_path / "broken.ttl"
    broken.write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b \n", encoding="utf-8"
    )
    result = run_hsvo("validate", str(broken))
    assert result.returncode == 1
    assert f"{broken}:3:" in result.stderr or f"{broken}:4:" in result.stderr
    assert "Traceback" not in result.stderr


def test_query_formats_from_file_and_stdin(built_store: Path, tmp_path: Path):
    query_file = tmp_path / "q.rq"
    query_file.write_text(MUNICIPALITIES_QUERY, encoding="utf-8")

    table = run_hsvo("query", str(query_file), "--store", str(built_store))
    assert table.returncode == 0, table.stderr
    assert (
        "0382" in table.stdout
        and "Östhammars kommun" in table.stdout
        and "(8 rows)" in table.stdout
    )

    as_csv = run_hsvo(
        "query", "-", "--store", str(built_store), "--format", "csv", stdin=MUNICIPALITIES_QUERY
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["code"] for r in rows] == [
        "0305",
        "0319",
        "0330",
        "0331",
        "0360",
        "0380",
        "0381",
        "0382",
    ]

    as_json = json.loads(
        run_hsvo("query", str(query_file), "--store", str(built_store), "--format", "json").stdout
    )
    assert as_json["results"]["bindings"][5]["name"]["value"] == "Uppsala kommun"


def test_query_syntax_error_is_reported_not_raised(built_store: Path):
    result = run_hsvo("query", "-", "--store", str(built_store), stdin="SELEC * WHERE { ?s ?p ?o }")
    assert result.returncode == 1
    assert "query syntax error" in result.stderr and "Traceback" not in result.stderr


def test_query_without_store_says_build_first(tmp_path: Path):
    result = run_hsvo("query", "-", "--store", str(tmp_path / "nothing"), stdin="ASK {}")
    assert result.returncode == 1 and "hsvo build" in result.stderr


@pytest.mark.parametrize("fmt", ["ttl", "nq", "trig", "jsonld"])
def test_export_round_trips(built_store: Path, tmp_path: Path, fmt: str):
    out = tmp_path / f"dump.{fmt}"
    result = run_hsvo("export", "--format", fmt, "-o", str(out), "--store", str(built_store))
    assert result.returncode == 0, result.stderr
    info = json.loads((built_store / "build.json").read_text())
    if fmt == "ttl":
        graph = Graph().parse(out, format="turtle")
        assert 0 < len(graph) <= info["triples"]
    else:
        dataset = Dataset()
        dataset.parse(out, format={"nq": "nquads", "trig": "trig", "jsonld": "json-ld"}[fmt])
        assert sum(len(g) for g in dataset.graphs()) == info["triples"]
        names = {str(g.identifier) for g in dataset.graphs() if len(g)}
        assert names == {g for g, n in info["graphs"].items() if n}
