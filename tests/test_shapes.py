"""Every shape can fail, and says so about the right node and property.

For each named shape in shapes/ there is tests/fixtures/invalid/<shape>.ttl. Validated together
with tests/fixtures/valid/base.ttl it must break exactly that shape: every result comes from it,
and one names the focus node and path given in the fixture's header:

    # focus: <IRI>              (or "<IRI> <predicate IRI>" for the node that predicate points to)
    # path: <IRI>               (or ^<IRI> for an inverse path)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from hsvo_graph.namespaces import SH, shorten
from hsvo_graph.validate import load_graph, validate

from .conftest import FIXTURES, ROOT

SHAPES = load_graph([ROOT / "shapes"])
ONTOLOGY = load_graph([ROOT / "ontology"])
BASE = FIXTURES / "valid" / "base.ttl"


def named_shapes() -> list[str]:
    """Property shapes and SPARQL constraints that have an IRI: the units a fixture breaks."""
    kinds = (SH.PropertyShape, SH.SPARQLConstraint)
    return sorted(
        shorten(str(s))
        for kind in kinds
        for s in SHAPES.subjects(RDF.type, kind)
        if isinstance(s, URIRef)
    )


def header(path: Path, key: str) -> str:
    match = re.search(rf"^# {key}: (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{path.name} has no '# {key}:' header"
    return match.group(1).strip()


def expected_focus(graph: Graph, spec: str) -> str:
    parts = [p.strip("<>") for p in spec.split()]
    if len(parts) == 1:
        return parts[0]
    node = graph.value(URIRef(parts[0]), URIRef(parts[1]))
    assert node is not None, f"no {parts[1]} on {parts[0]}"
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def test_valid_fixtures_conform_without_warnings():
    report = validate(load_graph([FIXTURES / "valid"]), SHAPES, ONTOLOGY)
    assert report.results == [], report.to_text()


def test_every_shape_has_an_invalid_fixture():
    missing = [
        s for s in named_shapes() if not (FIXTURES / "invalid" / f"{s.split(':')[1]}.ttl").exists()
    ]
    assert not missing, f"shapes without a fixture in tests/fixtures/invalid/: {missing}"


def test_every_invalid_fixture_names_a_shape():
    names = {s.split(":")[1] for s in named_shapes()}
    orphans = [p.name for p in (FIXTURES / "invalid").glob("*.ttl") if p.stem not in names]
    assert not orphans, f"fixtures for shapes that do not exist: {orphans}"


@pytest.mark.parametrize("shape", named_shapes())
def test_fixture_breaks_exactly_its_shape(shape: str):
    fixture = FIXTURES / "invalid" / f"{shape.split(':')[1]}.ttl"
    if not fixture.exists():
        pytest.fail(f"no fixture {fixture.name}")
    graph = load_graph([BASE, fixture])
    report = validate(graph, SHAPES, ONTOLOGY)
    assert report.results, f"{fixture.name} breaks nothing"
    assert {r.shape for r in report.results} == {shape}, report.to_text()
    focus = expected_focus(graph, header(fixture, "focus"))
    path = header(fixture, "path")
    path = f"^{shorten(path[2:-1])}" if path.startswith("^") else shorten(path.strip("<>"))
    assert any(r.focus == focus and r.path == path for r in report.results), report.to_text()
    severity = "Warning" if shape.split(":")[1].startswith("q-") else "Violation"
    assert {r.severity for r in report.results} == {severity}
    assert all({"sv", "en"} <= set(r.messages) for r in report.results), "messages in sv and en"
