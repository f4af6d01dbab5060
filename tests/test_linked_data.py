"""The linked-data interface on the real server: resource pages for people, RDF for programs (by
Accept or by suffix), the ontology, and the dumps."""

from __future__ import annotations

import re
from datetime import date

import httpx
import pytest
import rdflib.namespace
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hsvo_graph.namespaces import HSVO, ID

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
REGION = ID["org/region-uppsala"]
AGREEMENT = ID["agreement/vis-strategi-2021-2023"]
ONTOLOGY = URIRef("https://w3id.org/hsvo/ontology")
# DCAT and XSD are closed namespaces that warn when pytest inspects them as module globals.
START_DATE, END_DATE = rdflib.namespace.DCAT.startDate, rdflib.namespace.DCAT.endDate


def get(base: str, path: str, accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.get(base + path, headers=headers, timeout=60)


def section(html: str, name: str) -> str:
    """The HTML of one <section id=name> of a page."""
    match = re.search(rf'<section id="{name}".*?</section>', html, re.DOTALL)
    assert match, f"the page has no section {name!r}"
    return match.group(0)


def parse(response: httpx.Response, fmt: str) -> Graph:
    return Graph().parse(data=response.text, format=fmt)


@pytest.fixture(scope="module")
def region_page(server: str) -> str:
    response = get(server, "/id/org/region-uppsala", BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_resource_page_shows_names_and_properties(region_page: str):
    assert re.search(r"<h1>\s*Region Uppsala\s*</h1>", region_page)
    properties = section(region_page, "properties")
    assert "county code" in properties and ">03<" in properties
    # our own resources link to their pages here, not to w3id.org
    assert 'href="/id/county/uppsala-lan"' in properties
    assert "Uppsala län" in properties


def test_resource_page_shows_who_points_at_it(region_page: str):
    # No kommun itself states a link to its region; Östhammar kommun's Närvårdsenheten (run
    # with the region) does, and so does the ädel transfer of home health care to Håbo kommun.
    incoming = section(region_page, "incoming")
    assert 'href="/id/org/osthammar-kommun-narvardsenheten"' in incoming
    assert "Närvårdsenheten" in incoming
    assert 'href="/id/transfer/adel-hemsjukvard-habo-kommun"' in incoming
    assert "from party" in incoming
    assert 'href="/id/agreement/vis-strategi-2021-2023"' in incoming


def test_resource_page_shows_its_source_and_raw_data(region_page: str):
    sources = section(region_page, "sources")
    assert "ViS – Vård i samverkan. Strategi för närvårdssamverkan 2021–2023" in sources
    assert 'href="/id/document/vis-strategi-2021-2023"' in sources
    assert "Inledning" in sources
    data = section(region_page, "data")
    for suffix in (".ttl", ".nt", ".jsonld"):
        assert f'href="/id/org/region-uppsala{suffix}"' in data
    assert "data/uppsala/parties.ttl" in data


def test_pages_load_nothing_from_elsewhere(server: str, region_page: str):
    ontology_page = get(server, "/ontology", BROWSER).text
    for html in (region_page, ontology_page):
        loaded = re.findall(r'<(?:link|script|img|iframe)\b[^>]*?\b(?:href|src)="([^"]*)"', html)
        assert loaded, "expected at least the stylesheet"
        assert all(url.startswith(("/", "data:")) for url in loaded), loaded
        assert "@import" not in html and "url(http" not in html


@pytest.mark.parametrize(
    ("path", "accept", "media", "fmt"),
    [
        ("/id/org/region-uppsala", "text/turtle", "text/turtle", "turtle"),
        ("/id/org/region-uppsala.ttl", BROWSER, "text/turtle", "turtle"),
        ("/id/org/region-uppsala", "application/n-triples", "application/n-triples", "nt"),
        ("/id/org/region-uppsala.nt", None, "application/n-triples", "nt"),
        ("/id/org/region-uppsala", "application/ld+json", "application/ld+json", "json-ld"),
        ("/id/org/region-uppsala.jsonld", None, "application/ld+json", "json-ld"),
        ("/id/org/region-uppsala", "*/*", "text/turtle", "turtle"),
    ],
)
def test_resource_as_rdf(server: str, path: str, accept: str | None, media: str, fmt: str):
    response = get(server, path, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    graph = parse(response, fmt)
    assert (REGION, RDF.type, HSVO.Region) in graph
    assert (REGION, HSVO.countyCode, Literal("03")) in graph
    assert (REGION, SKOS.prefLabel, Literal("Region Uppsala", lang="sv")) in graph
    assert (REGION, HSVO.county, ID["county/uppsala-lan"]) in graph
    assert (REGION, DCTERMS.source, ID["document/vis-strategi-2021-2023"]) in graph
    # its former name (Landstinget i Uppsala län until 2016) travels with it, as blank nodes
    former = graph.value(REGION, HSVO.formerName)
    assert graph.value(former, SKOS.prefLabel) == Literal("Landstinget i Uppsala län", lang="sv")
    # its own description: nothing about the resources it links to, only its blank nodes
    assert {s for s in graph.subjects() if not isinstance(s, BNode)} == {REGION}


def test_content_negotiation_is_announced(server: str):
    response = get(server, "/id/org/region-uppsala", "text/turtle")
    assert "accept" in response.headers["vary"].lower()


def test_description_includes_the_blank_node_period(server: str):
    graph = parse(get(server, "/id/agreement/vis-strategi-2021-2023.ttl"), "turtle")
    period = graph.value(AGREEMENT, DCTERMS.temporal)
    assert isinstance(period, BNode)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in graph
    assert graph.value(period, START_DATE) == Literal(date(2021, 1, 1))
    assert graph.value(period, END_DATE) == Literal(date(2023, 12, 31))
    page = get(server, "/id/agreement/vis-strategi-2021-2023", BROWSER).text
    temporal = re.search(
        r'>dct:temporal</a></th>\s*<td><div class="nested">.*?</div>', page, re.DOTALL
    )
    assert temporal and "2021-01-01" in temporal.group(0) and "2023-12-31" in temporal.group(0)


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/id/org/no-such-kommun", BROWSER),
        ("/id/org/no-such-kommun", "text/turtle"),
        ("/id/org/no-such-kommun.ttl", None),
        ("/id/nokind/region-uppsala", BROWSER),
    ],
)
def test_unknown_resource_is_404_problem(server: str, path: str, accept: str | None):
    response = get(server, path, accept)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 404
    assert "no-such-kommun" in problem["detail"] or "nokind" in problem["detail"]


@pytest.mark.parametrize("path", ["/id/org/region-uppsala", "/ontology"])
def test_unservable_accept_is_406_problem(server: str, path: str):
    response = get(server, path, "application/pdf")
    assert response.status_code == 406
    assert response.headers["content-type"] == "application/problem+json"
    assert "text/turtle" in response.json()["detail"]


def test_ontology_page_lists_terms_with_labels(server: str):
    response = get(server, "/ontology", BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    term = re.search(r'<article class="term" id="Responsibility">.*?</article>', html, re.DOTALL)
    assert term, "hsvo:Responsibility has no entry"
    entry = term.group(0)
    assert "hsvo:Responsibility" in entry
    assert re.search(r'<dd lang="sv">ansvar</dd>', entry)
    assert re.search(r'<dd lang="en">responsibility</dd>', entry)
    assert "cv:Participation" in entry  # its super-class
    for group in ("Classes", "Object properties", "Datatype properties"):
        assert f">{group}<" in html
    # a property's domain and range link to their entries
    party = re.search(r'<article class="term" id="fromParty">.*?</article>', html, re.DOTALL)
    assert party and 'href="/ontology#ResponsibilityTransfer"' in party.group(0)


@pytest.mark.parametrize(
    ("path", "accept", "fmt"),
    [
        ("/ontology.ttl", None, "turtle"),
        ("/ontology", "text/turtle", "turtle"),
        ("/ontology.nt", None, "nt"),
        ("/ontology.jsonld", None, "json-ld"),
    ],
)
def test_ontology_as_rdf(server: str, path: str, accept: str | None, fmt: str):
    response = get(server, path, accept)
    assert response.status_code == 200
    graph = parse(response, fmt)
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert (HSVO.Responsibility, RDFS.label, Literal("ansvar", lang="sv")) in graph
    assert (HSVO.Responsibility, RDF.type, OWL.Class) in graph
    assert not any(s == REGION for s in graph.subjects())  # the vocabulary only, not the data


def test_unknown_ontology_format_is_404(server: str):
    assert get(server, "/ontology.xml").status_code == 404


@pytest.fixture(scope="module")
def quads_dump(server: str) -> httpx.Response:
    response = get(server, "/dump.nq")
    assert response.status_code == 200
    return response


def test_quads_dump_holds_every_quad(quads_dump: httpx.Response, server_info: dict):
    info = server_info
    assert quads_dump.headers["content-type"].startswith("application/n-quads")
    disposition = quads_dump.headers["content-disposition"]
    assert disposition == f'attachment; filename="hsvo-graph-{info["build_id"]}.nq"'
    dataset = Dataset()
    dataset.parse(data=quads_dump.text, format="nquads")
    quads = list(dataset.quads((None, None, None, None)))
    assert len(quads) == info["triples"]
    assert {str(g) for _, _, _, g in quads} == set(info["graphs"])


def test_turtle_dump_is_the_union(server: str, quads_dump: httpx.Response, server_info: dict):
    response = get(server, "/dump.ttl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    assert response.headers["content-disposition"].endswith('.ttl"')
    assert "@prefix hsvo: <https://w3id.org/hsvo/ontology#>" in response.text
    union = parse(response, "turtle")
    dataset = Dataset()
    dataset.parse(data=quads_dump.text, format="nquads")
    distinct = {(s, p, o) for s, p, o, _ in dataset.quads((None, None, None, None))}
    # every triple once, though some are stated in more than one file
    assert len(union) == len(distinct) <= server_info["triples"]
    assert (REGION, HSVO.countyCode, Literal("03")) in union
