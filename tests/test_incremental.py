"""An incremental build (only changed files parsed, only what they can affect validated again)
ends exactly where a full build of the same files ends: the same quads in the store, the
same validation results, the same verdict. Each case edits the curated data the way a curator
would, including edits whose effect shows up on a node in another file."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.namespace import SKOS

from hsvo_graph.build import BuildFailed, build
from hsvo_graph.namespaces import HSVO

from .conftest import FIXTURES, ROOT

ONTOLOGY = ROOT / "ontology"
SHAPES = ROOT / "shapes"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PREF_LABEL = ox.NamedNode(str(SKOS.prefLabel))
OSTHAMMAR = ox.NamedNode("https://w3id.org/hsvo/id/org/osthammar-kommun")


def rewrite(path: Path, change) -> None:
    """Parse a data file, change its triples, write it back as Turtle."""
    triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    ox.serialize(change(triples), str(path), ox.RdfFormat.TURTLE)


def drop_subject(subject):
    return lambda triples: [t for t in triples if t.subject != subject]


def drop_labels(triples):
    first = next(t.subject for t in triples if t.predicate == PREF_LABEL)
    return [t for t in triples if not (t.subject == first and t.predicate == PREF_LABEL)]


def retype_first_body(triples):
    body = ox.NamedNode(str(HSVO.CollaborationBody))
    first = next(t.subject for t in triples if t.predicate == RDF_TYPE and t.object == body)
    return [
        ox.Triple(t.subject, t.predicate, ox.NamedNode(str(SKOS.Concept)))
        if t.subject == first and t.predicate == RDF_TYPE
        else t
        for t in triples
    ]


def shift_a_date_in_a_blank_node(triples):
    """Move the first date held by a blank node (a period) ten years on."""
    target = next(
        t
        for t in triples
        if isinstance(t.subject, ox.BlankNode)
        and isinstance(t.object, ox.Literal)
        and t.object.datatype.value.endswith("#date")
    )
    year = int(target.object.value[:4]) + 10
    moved = ox.Literal(f"{year}{target.object.value[4:]}", datatype=target.object.datatype)
    return [ox.Triple(t.subject, t.predicate, moved) if t == target else t for t in triples]


def edit(case: str, data: Path) -> None:
    if case == "node removed that another file points to":
        rewrite(data / "sweden" / "municipalities.ttl", drop_subject(OSTHAMMAR))
    elif case == "labels removed":
        rewrite(data / "uppsala" / "vis-organisation.ttl", drop_labels)
    elif case == "type changed":
        rewrite(data / "uppsala" / "vis-organisation.ttl", retype_first_body)
    elif case == "date in a blank node changed":
        rewrite(data / "uppsala" / "hsvo-uppsala-plan-2024-2026.ttl", shift_a_date_in_a_blank_node)
    elif case == "file removed":
        (data / "uppsala" / "osthammar-plan-2020.ttl").unlink()
    elif case == "invalid file added":
        fixture = FIXTURES / "invalid" / "Activity-responsibleBody.ttl"
        shutil.copy(fixture, data / "added.ttl")
    else:
        raise AssertionError(case)


def run(data: Path, store: Path, full: bool):
    """(build mode, results, conforms, quads) of one build, failed or not."""
    try:
        result = build([data], ONTOLOGY / "hsvo.ttl", SHAPES, store, full=full)
    except BuildFailed as failure:
        assert failure.report is not None, str(failure)
        report, mode = failure.report, None
    else:
        report, mode = result.report, result.info["mode"]
    quads = set(ox.Store.read_only(str(store / "db"))) if mode else None
    return mode, [asdict(r) for r in report.results], report.conforms, quads


CASES = [
    "node removed that another file points to",
    "labels removed",
    "type changed",
    "date in a blank node changed",
    "file removed",
    "invalid file added",
]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> tuple[Path, Path]:
    """The curated data and a full build of it, made once and copied per case."""
    root = tmp_path_factory.mktemp("base")
    shutil.copytree(ROOT / "data", root / "data")
    build([root / "data"], ONTOLOGY / "hsvo.ttl", SHAPES, root / "store")
    return root / "data", root / "store"


@pytest.mark.parametrize("case", CASES)
def test_incremental_build_equals_full_build(case: str, base, tmp_path: Path):
    data_base, _ = base
    data = tmp_path / "data"
    shutil.copytree(data_base, data)
    store = tmp_path / "store"
    build([data], ONTOLOGY / "hsvo.ttl", SHAPES, store)
    before = run(data, store, full=False)
    assert before[0] == "incremental"  # nothing changed: nothing to redo

    edit(case, data)
    mode, results, conforms, quads = run(data, store, full=False)
    _, full_results, full_conforms, full_quads = run(data, tmp_path / "full-store", full=True)

    assert results == full_results
    assert conforms == full_conforms
    assert results != before[1] or quads != before[3], "the edit changed nothing"
    if full_conforms:
        assert mode == "incremental"
        assert quads == full_quads


def test_cross_file_effect_is_caught(base, tmp_path: Path):
    """Removing Östhammar from the national register breaks links to it in other files, and
    the incremental build names those other files."""
    data = tmp_path / "data"
    shutil.copytree(base[0], data)
    store = tmp_path / "store"
    build([data], ONTOLOGY / "hsvo.ttl", SHAPES, store)
    edit("node removed that another file points to", data)
    with pytest.raises(BuildFailed) as failure:
        build([data], ONTOLOGY / "hsvo.ttl", SHAPES, store)
    files = {f for r in failure.value.report.violations for f in r.files}
    assert files - {str(data / "sweden" / "municipalities.ttl")}


def test_changed_shapes_make_a_full_build(base, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(base[0], data)
    shapes = tmp_path / "shapes"
    shutil.copytree(SHAPES, shapes)
    store = tmp_path / "store"
    build([data], ONTOLOGY / "hsvo.ttl", shapes, store)
    assert build([data], ONTOLOGY / "hsvo.ttl", shapes, store).info["mode"] == "incremental"
    with open(shapes / "quality.ttl", "a", encoding="utf-8") as f:
        f.write("\n# a comment is a change too\n")
    assert build([data], ONTOLOGY / "hsvo.ttl", shapes, store).info["mode"] == "full"


def test_same_file_parses_to_the_same_blank_nodes(base, tmp_path: Path):
    """Blank node ids come from content, so two full builds store the same quads."""
    data = base[0]
    first = run(data, tmp_path / "one", full=True)[3]
    second = run(data, tmp_path / "two", full=True)[3]
    assert any(isinstance(q.subject, ox.BlankNode) for q in first)
    assert first == second
