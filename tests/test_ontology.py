"""The vocabulary is complete, bilingual and aligned to the standards it builds on."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from hsvo_graph.namespaces import HSVO

from .conftest import ROOT

ONTOLOGY = Graph().parse(ROOT / "ontology" / "hsvo.ttl")
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
TERMS = sorted(
    {s for kind in KINDS for s in ONTOLOGY.subjects(RDF.type, kind) if str(s).startswith(str(HSVO))}
)
# The minimum set agreed in DESIGN.md §5.
DESIGN_TERMS = [
    "Region",
    "Municipality",
    "MunicipalAssociation",
    "Committee",
    "Unit",
    "CollaborationBody",
    "bodyKind",
    "decisionMaking",
    "meetingsPerYear",
    "chairRule",
    "appointedBy",
    "reportsTo",
    "preparesMattersFor",
    "escalatesTo",
    "Agreement",
    "FrameworkAgreement",
    "TransferAgreement",
    "MandatedAgreement",
    "Plan",
    "party",
    "noticePeriod",
    "renewalPeriod",
    "mandatedBy",
    "establishes",
    "adoptedBy",
    "Task",
    "Responsibility",
    "task",
    "responsibleParty",
    "legalBasis",
    "scope",
    "ResponsibilityTransfer",
    "transfersTask",
    "fromParty",
    "toParty",
    "byAgreement",
    "except",
    "FundingShare",
    "payer",
    "funds",
    "share",
    "allocationBasis",
    "employer",
    "Activity",
    "focusArea",
    "subGoal",
    "responsibleBody",
    "affectedBody",
    "TargetGroup",
    "municipalityCode",
    "countyCode",
    "sourceSection",
]
STANDARDS = (
    "http://www.w3.org/ns/org#",
    "http://data.europa.eu/m8g/",
    "http://data.europa.eu/eli/ontology#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
)


def languages(term: URIRef, *predicates: URIRef) -> set[str]:
    return {
        o.language
        for p in predicates
        for o in ONTOLOGY.objects(term, p)
        if isinstance(o, Literal) and o.language
    }


def test_ontology_header_has_version_license_and_creator():
    (ontology,) = ONTOLOGY.subjects(RDF.type, OWL.Ontology)
    for predicate in (
        OWL.versionInfo,
        URIRef("http://purl.org/dc/terms/license"),
        URIRef("http://purl.org/dc/terms/creator"),
    ):
        assert ONTOLOGY.value(ontology, predicate) is not None, predicate


@pytest.mark.parametrize("name", DESIGN_TERMS)
def test_design_term_is_defined(name: str):
    assert HSVO[name] in TERMS, f"hsvo:{name} from DESIGN.md §5 is missing"


@pytest.mark.parametrize("term", TERMS, ids=lambda t: t.split("#")[1])
def test_term_has_label_and_definition_in_swedish_and_english(term: URIRef):
    assert {"sv", "en"} <= languages(term, RDFS.label), "rdfs:label in sv and en"
    assert {"sv", "en"} <= languages(term, SKOS.definition, RDFS.comment), "definition in sv and en"


def superclasses(term: URIRef) -> set[URIRef]:
    return set(ONTOLOGY.transitive_objects(term, RDFS.subClassOf)) - {term}


def superproperties(term: URIRef) -> set[URIRef]:
    return set(ONTOLOGY.transitive_objects(term, RDFS.subPropertyOf)) - {term}


@pytest.mark.parametrize(
    "term", sorted(ONTOLOGY.subjects(RDF.type, OWL.Class)), ids=lambda t: str(t).rsplit("#", 1)[-1]
)
def test_class_is_aligned_to_a_standard(term: URIRef):
    if not str(term).startswith(str(HSVO)):
        pytest.fail(f"non-hsvo class declared as owl:Class: {term}")
    assert any(str(c).startswith(STANDARDS) for c in superclasses(term)), (
        "rdfs:subClassOf a standard"
    )


@pytest.mark.parametrize(
    "term",
    sorted(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)),
    ids=lambda t: str(t).rsplit("#", 1)[-1],
)
def test_object_property_is_aligned_to_a_standard(term: URIRef):
    assert any(str(p).startswith(STANDARDS) for p in superproperties(term)), (
        "rdfs:subPropertyOf a standard"
    )


def test_object_properties_have_a_domain_or_a_reason():
    """Domain is stated where it holds; scope, funds and the plan links apply to several classes."""
    open_domain = {HSVO.scope, HSVO.funds, HSVO.inPlan, HSVO.focusArea, HSVO.legalBasis}
    missing = [
        t
        for t in ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)
        if ONTOLOGY.value(t, RDFS.domain) is None and t not in open_domain
    ]
    assert not missing
