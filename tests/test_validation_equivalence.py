"""The fast validation reports exactly what plain single-process pyshacl reports.

On synthetic national graphs of about 10k and 100k triples, into which every invalid fixture
(one per named shape) is injected under its own IRIs, the set of (focus node, path, shape,
constraint component, severity, value) is the same in the fast mode, in one process and split
over two (by hash, and by file as `hsvo build` splits), as in the reference mode, and it
covers every named shape.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from hsvo_graph import loader
from hsvo_graph.synth import generate
from hsvo_graph.validate import ValidationReport, load_graph, validate

from .conftest import FIXTURES, ROOT
from .test_shapes import named_shapes

SHAPES = load_graph([ROOT / "shapes"])
ONTOLOGY = load_graph([ROOT / "ontology"])
EX = "https://w3id.org/hsvo/id/test/"
SIZES = {
    "10k": {"regions": 2, "municipalities": 9, "years": 2, "seed": 7},
    "100k": {"regions": 3, "municipalities": 30, "years": 10, "seed": 7},
}


def renamed(graph: Graph, suffix: str) -> Graph:
    """The graph with every ex: IRI made unique to one fixture, so fixtures do not mix."""

    def rename(term):
        if isinstance(term, URIRef) and str(term).startswith(EX):
            return URIRef(f"{term}-{suffix}")
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((rename(s), p, rename(o)))
    return out


def with_every_violation(synthetic: Path) -> Graph:
    """The synthetic graph with the real vocabulary, plus base.ttl and one invalid fixture for
    each named shape, each copy under its own IRIs."""
    graph = load_graph(
        [ROOT / "data" / "vocab", ROOT / "data" / "law", ROOT / "data" / "sources.ttl", synthetic]
    )
    for fixture in sorted((FIXTURES / "invalid").glob("*.ttl")):
        graph += renamed(load_graph([FIXTURES / "valid" / "base.ttl", fixture]), fixture.stem)
    return graph


def outcome(report: ValidationReport) -> set[tuple]:
    return {(r.focus, r.path, r.shape, r.component, r.severity, r.value) for r in report.results}


def check_same_results(size: str, tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    generate(out=out, **SIZES[size])
    graph = with_every_violation(out)
    reference = validate(graph, SHAPES, ONTOLOGY, mode="reference")
    assert {r.shape for r in reference.results} == set(named_shapes())
    by_file: dict = {}  # node -> its file, as `hsvo build` groups the split
    loader.load([out]).rdflib_triples(graph_of=by_file)
    for workers, groups in ((1, None), (2, None), (2, by_file)):
        fast = validate(graph, SHAPES, ONTOLOGY, mode="fast", workers=workers, groups=groups)
        assert outcome(fast) == outcome(reference), f"{workers} worker(s), groups: {bool(groups)}"
        assert len(fast.results) == len(reference.results)
        assert not fast.conforms and len(fast.violations) == len(reference.violations)


def test_fast_mode_reports_what_pyshacl_reports_at_10k(tmp_path: Path):
    check_same_results("10k", tmp_path)


@pytest.mark.slow
def test_fast_mode_reports_what_pyshacl_reports_at_100k(tmp_path: Path):
    check_same_results("100k", tmp_path)
