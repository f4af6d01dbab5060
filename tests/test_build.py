"""`hsvo build`: a broken input never replaces a good store, and every failure says where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import ROOT, run_hsvo

COUNT_MUNICIPALITIES = """
PREFIX hsvo: <https://w3id.org/hsvo/ontology#>
SELECT (COUNT(?m) AS ?n) WHERE { ?m a hsvo:Municipality }
"""


def build(data: Path, store: Path, **env):
    return run_hsvo("build", "--data", str(data), "--store", str(store), env=env or None)


def count_municipalities(store: Path) -> str:
    result = run_hsvo(
        "query", "-", "--store", str(store), "--format", "csv", stdin=COUNT_MUNICIPALITIES
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[1]


@pytest.fixture
def good_store(tmp_path: Path, data_copy: Path) -> Path:
    store = tmp_path / "store"
    result = build(data_copy, store)
    assert result.returncode == 0, result.stderr
    return store


def test_build_writes_report_with_graph_per_file(good_store: Path, data_copy: Path):
    info = json.loads((good_store / "build.json").read_text())
    files = sorted(data_copy.rglob("*.ttl")) + sorted((ROOT / "ontology").rglob("*.ttl"))
    assert len(info["graphs"]) == len(files)
    assert "https://w3id.org/hsvo/graph/data/uppsala/parties" in info["graphs"]
    assert "https://w3id.org/hsvo/graph/ontology/hsvo" in info["graphs"]
    assert info["triples"] == sum(info["graphs"].values()) > 0
    assert info["validation"]["conforms"] is True and info["validation"]["violations"] == 0
    assert info["time"] and "commit" in info["git"]
    assert set(info["timings_s"]) >= {"parse", "validate", "write", "total"}


def test_each_file_is_its_own_named_graph(good_store: Path):
    query = """SELECT DISTINCT ?g WHERE { GRAPH ?g {
                 <https://w3id.org/hsvo/id/org/osthammar-kommun> hsvo:municipalityCode ?code } }"""
    result = run_hsvo("query", "-", "--store", str(good_store), "--format", "csv", stdin=query)
    assert result.stdout.split() == ["g", "https://w3id.org/hsvo/graph/data/sweden/municipalities"]


def test_syntax_error_names_file_and_line_and_keeps_old_store(good_store: Path, data_copy: Path):
    before = count_municipalities(good_store)
    target = data_copy / "sweden" / "municipalities.ttl"
    lines = target.read_text(encoding="utf-8").splitlines()
    broken_line = next(i for i, line in enumerate(lines) if "municipalityCode" in line)
    lines[broken_line] = lines[broken_line].replace('"', "", 1)  # unbalanced quote
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    live = good_store.resolve()

    result = build(data_copy, good_store)

    assert result.returncode == 1
    assert f"{target}:{broken_line + 1}:" in result.stderr and "Traceback" not in result.stderr
    assert good_store.resolve() == live
    assert count_municipalities(good_store) == before


def test_violation_report_names_focus_path_value_message_and_file(
    good_store: Path, data_copy: Path
):
    bad = data_copy / "uppsala" / "bad.ttl"
    bad.write_text(
        """@prefix dct: <http://purl.org/dc/terms/> .
@prefix hsvo: <https://w3id.org/hsvo/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/hsvo/id/org/test-kommun> a hsvo:Municipality ;
    skos:prefLabel "Test kommun"@sv ;
    hsvo:municipalityCode "380" ;
    hsvo:county <https://w3id.org/hsvo/id/county/uppsala-lan> ;
    dct:source <https://w3id.org/hsvo/id/document/scb-lan-och-kommuner> ;
    hsvo:sourceSection "Uppsala län" .
""",
        encoding="utf-8",
    )
    before = count_municipalities(good_store)

    result = build(data_copy, good_store)

    assert result.returncode == 1
    report = result.stderr
    assert "VIOLATION" in report and str(bad) in report
    assert "https://w3id.org/hsvo/id/org/test-kommun" in report
    assert "hsvo:municipalityCode" in report and '"380"' in report
    assert "four-digit municipality code" in report
    assert count_municipalities(good_store) == before


def test_warnings_are_printed_and_kept(tmp_path: Path, data_copy: Path):
    store = tmp_path / "store"
    assert build(data_copy, store).returncode == 0
    before = json.loads((store / "build.json").read_text())["validation"]["warnings"]
    extra = data_copy / "uppsala" / "unsectioned.ttl"
    extra.write_text(
        """@prefix dct: <http://purl.org/dc/terms/> .
@prefix hsvo: <https://w3id.org/hsvo/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://w3id.org/hsvo/id/org/test-forbund> a hsvo:MunicipalAssociation ;
    skos:prefLabel "Testförbund"@sv ;
    dct:source <https://w3id.org/hsvo/id/document/scb-lan-och-kommuner> .
""",
        encoding="utf-8",
    )
    result = build(data_copy, store)
    assert result.returncode == 0, result.stderr
    assert "WARNING" in result.stderr and "test-forbund" in result.stderr
    validation = json.loads((store / "build.json").read_text())["validation"]
    assert validation["warnings"] == before + 1
    (mine,) = [r for r in validation["results"] if "test-forbund" in r["focus"]]
    assert mine["path"] == "hsvo:sourceSection" and mine["files"] == [str(extra)]


@pytest.mark.parametrize("mode", ["incremental", "full"])
@pytest.mark.parametrize("phase", ["parse", "validate", "write", "swap"])
def test_build_killed_at_any_phase_leaves_old_store_serving(
    good_store: Path, data_copy: Path, phase: str, mode: str
):
    before, live = count_municipalities(good_store), good_store.resolve()

    extra = ["--full"] if mode == "full" else []
    killed = run_hsvo(
        "build",
        "--data",
        str(data_copy),
        "--store",
        str(good_store),
        *extra,
        env={"HSVO_KILL_BUILD_AT": phase},
    )

    assert killed.returncode == -9  # SIGKILL
    assert good_store.resolve() == live
    assert count_municipalities(good_store) == before
    rebuilt = build(data_copy, good_store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert good_store.resolve() != live
    builds = list((good_store.parent / "store.builds").iterdir())
    assert all((b / "build.json").exists() for b in builds), "unfinished builds are cleaned up"


def test_several_data_directories(tmp_path: Path, data_copy: Path):
    other = tmp_path / "more"
    other.mkdir()
    (data_copy / "law").rename(other / "law")
    store = tmp_path / "store"
    result = run_hsvo(
        "build", "--data", str(data_copy), "--data", str(other), "--store", str(store)
    )
    assert result.returncode == 0, result.stderr
    graphs = json.loads((store / "build.json").read_text())["graphs"]
    assert "https://w3id.org/hsvo/graph/more/law/sfs" in graphs


def test_refuses_to_replace_a_directory_it_did_not_make(tmp_path: Path, data_copy: Path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "precious.txt").write_text("keep me")
    result = build(data_copy, store)
    assert result.returncode == 1
    assert "not a symlink" in result.stderr and "Traceback" not in result.stderr
    assert (store / "precious.txt").read_text() == "keep me"
