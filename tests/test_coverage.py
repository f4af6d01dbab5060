"""Every section heading of every seed is cited by the data or explained in not-modelled.ttl.

The headings come from ../shared/seeds/sections.json; a copy lives in tests/fixtures so that the
test runs in a clone without shared/ beside it, and the copy must equal the original when both
are there.
"""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF

from hsvo_graph import loader
from hsvo_graph.namespaces import HSVO

from .conftest import FIXTURES, ROOT

SHARED_SECTIONS = ROOT.parent / "shared" / "seeds" / "sections.json"
SECTIONS = json.loads((FIXTURES / "sections.json").read_text(encoding="utf-8"))
DATA: Graph = loader.load([ROOT / "data"]).rdflib_graph()


def cited_headings() -> dict[str, set[str]]:
    """seed file name -> headings cited by some resource whose source is that seed."""
    by_file: dict[str, set[str]] = {}
    for document in DATA.subjects(RDF.type, HSVO.SourceDocument):
        file = str(DATA.value(document, DCTERMS.identifier))
        by_file[file] = {
            str(section)
            for resource in DATA.subjects(DCTERMS.source, document)
            for section in DATA.objects(resource, HSVO.sourceSection)
        }
    return by_file


CITED = cited_headings()


def test_copy_of_sections_matches_shared():
    if SHARED_SECTIONS.exists():
        assert json.loads(SHARED_SECTIONS.read_text(encoding="utf-8")) == SECTIONS


@pytest.mark.parametrize("file", sorted(SECTIONS))
def test_every_heading_is_modelled_or_explained(file: str):
    headings = {s["heading"] for s in SECTIONS[file]}
    missing = sorted(headings - CITED.get(file, set()))
    assert not missing, f"{file}: headings neither cited nor in not-modelled.ttl: {missing}"


def test_cited_sections_exist_in_their_sources():
    """A section must be a heading of one of the resource's seeds, unless the resource also
    cites a public source (an SFS, SCB), whose sections are not listed in sections.json."""
    headings = {file: {s["heading"] for s in SECTIONS[file]} for file in SECTIONS}
    wrong = []
    for resource, section in DATA.subject_objects(HSVO.sourceSection):
        files = {
            str(DATA.value(d, DCTERMS.identifier)) for d in DATA.objects(resource, DCTERMS.source)
        }
        seeds = files & headings.keys()
        if files - seeds:
            continue
        if not any(str(section) in headings[f] for f in seeds):
            wrong.append((str(resource), str(section)))
    assert not wrong, f"sections that are not headings of the resource's seed: {sorted(wrong)}"


def test_every_warning_of_the_data_is_explained():
    """A warning left in data/ must be explained: some hsvo:NotModelled names its focus node
    with rdfs:seeAlso and says why."""
    from rdflib.namespace import RDFS

    from hsvo_graph.validate import load_graph, validate

    report = validate(DATA, load_graph([ROOT / "shapes"]), load_graph([ROOT / "ontology"]))
    explained = {
        str(o)
        for n in DATA.subjects(RDF.type, HSVO.NotModelled)
        for o in DATA.objects(n, RDFS.seeAlso)
    }
    unexplained = sorted({w.focus for w in report.warnings} - explained)
    assert not report.violations
    assert not unexplained, f"warnings not explained in data/not-modelled.ttl: {unexplained}"
