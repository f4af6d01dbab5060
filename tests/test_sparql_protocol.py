"""The query cases of the W3C SPARQL 1.1 Protocol test suite, against the real server.

Re-created from w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl: each test sends the same
method, content type and parameters as its original and expects the same status and result.
The originals query remote graphs (http://kasei.us/2009/09/sparql/data/dataN.rdf), each holding
one resource typed with the same class as the others. Our three vocabulary graphs play their part:
each holds a skos:ConceptScheme that is typed in that graph only, so a dataset test is true only
when the request really puts the right graphs in the right place, and each dataset test also
checks that another dataset gives another answer.

Then what an analyst does with SPARQLWrapper, and the endpoint's refusals (DESIGN.md §7).
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from urllib.error import HTTPError

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from hsvo_graph.queries import named_query

GRAPH = "https://w3id.org/hsvo/graph/data/"
SCHEME = "https://w3id.org/hsvo/id/scheme/"
# data0.rdf is only named in the originals, never queried: any of our graphs stands in.
DATA0 = GRAPH + "sources"
DATA1, DATA2, DATA3 = GRAPH + "vocab/body-kinds", GRAPH + "vocab/roles", GRAPH + "vocab/tasks"
DOC1, DOC2, DOC3 = SCHEME + "body-kinds", SCHEME + "roles", SCHEME + "tasks"

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
SPARQL_JSON = "application/sparql-results+json"
SPARQL_XML = "application/sparql-results+xml"
BOOLEAN = [SPARQL_JSON, SPARQL_XML]
TABULAR = [*BOOLEAN, "text/csv", "text/tab-separated-values"]
RESULTS_NS = "{http://www.w3.org/2005/sparql-results#}"
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}

ASK_DEFAULT = f"ASK {{ <{DOC1}> a ?type . <{DOC2}> a ?type . }}"
ASK_NAMED = f"ASK {{ GRAPH ?g1 {{ <{DOC1}> a ?type }} GRAPH ?g2 {{ <{DOC2}> a ?type }} }}"
ASK_FULL = f"""ASK {{
  <{DOC3}> a ?type
  GRAPH ?g1 {{ <{DOC1}> a ?type }}
  GRAPH ?g2 {{ <{DOC2}> a ?type }}
}}"""
ASK_FROM = (
    f"ASK FROM <{DATA3}> {{ GRAPH ?g1 {{ <{DOC1}> a ?type }} GRAPH ?g2 {{ <{DOC2}> a ?type }} }}"
)


def media_type(response: httpx.Response) -> str:
    """The content type without its parameters, as negotiation compares it."""
    return response.headers["content-type"].split(";")[0].strip()


def boolean(response: httpx.Response) -> bool:
    """The answer of an ASK response in whichever boolean format the server chose."""
    assert 200 <= response.status_code < 400, response.text
    media = media_type(response)
    assert media in BOOLEAN
    if media == SPARQL_JSON:
        return response.json()["boolean"]
    return ET.fromstring(response.content).findtext(f"{RESULTS_NS}boolean") == "true"


def values(response: httpx.Response, var: str) -> list[str]:
    """One variable's values from a SELECT response in any of the four tabular formats."""
    assert 200 <= response.status_code < 400, response.text
    media = media_type(response)
    if media == SPARQL_JSON:
        return [row[var]["value"] for row in response.json()["results"]["bindings"]]
    if media == SPARQL_XML:
        root = ET.fromstring(response.content)
        bindings = root.iter(f"{RESULTS_NS}binding")
        return [b.findtext(f"{RESULTS_NS}literal") for b in bindings if b.get("name") == var]
    if media == "text/csv":
        return [row[var] for row in csv.DictReader(io.StringIO(response.text))]
    assert media == "text/tab-separated-values"
    header, *rows = [line.split("\t") for line in response.text.splitlines()]
    return [row[header.index(f"?{var}")] for row in rows]


def graph(response: httpx.Response) -> rdflib.Graph:
    """The RDF a CONSTRUCT or DESCRIBE response carries, parsed as its content type says."""
    assert 200 <= response.status_code < 400, response.text
    media = media_type(response)
    assert media in RDF_FORMATS
    return rdflib.Graph().parse(data=response.content, format=RDF_FORMATS[media])


def problem(response: httpx.Response) -> dict:
    """The problem document of a refused request; a 4xx that says why."""
    assert 400 <= response.status_code < 500
    assert media_type(response) == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code and body["title"]
    return body


def count(
    server: str, query: str = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", **dataset: str | list[str]
) -> int:
    """A count query's answer over the dataset given by protocol parameters."""
    params = {"query": query, **{k.replace("_", "-"): v for k, v in dataset.items()}}
    return int(values(httpx.get(f"{server}/sparql", params=params), "n")[0])


@pytest.fixture(scope="module")
def triples_per_graph(server_info: dict) -> dict[str, int]:
    """What the build wrote into each graph: the expected size of a protocol dataset."""
    return server_info["graphs"]


# --- W3C query cases ---------------------------------------------------------------------------


def test_query_post_form(server: str):
    """W3C query_post_form: a URL-encoded POST runs the query in its body."""
    response = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA0},
        content="query=ASK%20%7B%7D",
        headers={"content-type": FORM},
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(server: str, triples_per_graph: dict[str, int]):
    """W3C query_dataset_default_graphs_get: two default-graph-uri parameters on a GET merge
    both graphs into the default graph."""
    both = [("default-graph-uri", DATA1), ("default-graph-uri", DATA2)]
    response = httpx.get(f"{server}/sparql", params=[("query", ASK_DEFAULT), *both])
    assert boolean(response) is True
    only_first = {"query": ASK_DEFAULT, "default-graph-uri": DATA1}
    assert boolean(httpx.get(f"{server}/sparql", params=only_first)) is False
    assert count(server, default_graph_uri=DATA1) == triples_per_graph[DATA1]
    assert count(server, default_graph_uri=[DATA1, DATA2]) == (
        triples_per_graph[DATA1] + triples_per_graph[DATA2]
    )


def test_query_dataset_default_graphs_post(server: str):
    """W3C query_dataset_default_graphs_post: default-graph-uri in the URL of a direct POST."""
    response = httpx.post(
        f"{server}/sparql",
        params=[("default-graph-uri", DATA1), ("default-graph-uri", DATA2)],
        content=ASK_DEFAULT,
        headers={"content-type": DIRECT},
    )
    assert boolean(response) is True
    other = httpx.post(
        f"{server}/sparql",
        params=[("default-graph-uri", DATA1), ("default-graph-uri", DATA3)],
        content=ASK_DEFAULT,
        headers={"content-type": DIRECT},
    )
    assert boolean(other) is False


def test_query_dataset_named_graphs_post(server: str):
    """W3C query_dataset_named_graphs_post: named-graph-uri in the URL of a direct POST makes
    exactly those graphs available to GRAPH, and leaves the default graph empty."""
    named = [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    response = httpx.post(
        f"{server}/sparql", params=named, content=ASK_NAMED, headers={"content-type": DIRECT}
    )
    assert boolean(response) is True
    listed = httpx.post(
        f"{server}/sparql",
        params=named,
        content="SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
        headers={"content-type": DIRECT},
    )
    assert sorted(values(listed, "g")) == [DATA1, DATA2]
    assert count(server, named_graph_uri=[DATA1, DATA2]) == 0


def test_query_dataset_named_graphs_get(server: str):
    """W3C query_dataset_named_graphs_get: two named-graph-uri parameters on a GET."""
    named = [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    response = httpx.get(f"{server}/sparql", params=[("query", ASK_NAMED), *named])
    assert boolean(response) is True
    only_first = {"query": ASK_NAMED, "named-graph-uri": DATA1}
    assert boolean(httpx.get(f"{server}/sparql", params=only_first)) is False


def test_query_dataset_full(server: str):
    """W3C query_dataset_full: default-graph-uri and named-graph-uri together, each graph in
    its own part of the dataset."""
    dataset = [
        ("default-graph-uri", DATA3),
        ("named-graph-uri", DATA1),
        ("named-graph-uri", DATA2),
    ]
    response = httpx.post(
        f"{server}/sparql", params=dataset, content=ASK_FULL, headers={"content-type": DIRECT}
    )
    assert boolean(response) is True
    swapped = [("default-graph-uri", DATA1), *dataset[1:]]
    other = httpx.post(
        f"{server}/sparql", params=swapped, content=ASK_FULL, headers={"content-type": DIRECT}
    )
    assert boolean(other) is False


def test_query_multiple_dataset(server: str):
    """W3C query_multiple_dataset: the protocol's dataset wins over the query's FROM.

    The manifest's URL encodes the '&' between its two named-graph-uri parameters (%26), an
    editing slip: the test as implemented and approved sends two parameters (w3c/rdf-tests#78).
    """
    named = [("named-graph-uri", DATA1), ("named-graph-uri", DATA2)]
    response = httpx.post(
        f"{server}/sparql", params=named, content=ASK_FROM, headers={"content-type": DIRECT}
    )
    assert boolean(response) is True
    # Without the protocol's dataset the query's own applies: FROM alone names no graphs.
    alone = httpx.post(f"{server}/sparql", content=ASK_FROM, headers={"content-type": DIRECT})
    assert boolean(alone) is False


def test_query_get(server: str):
    """W3C query_get: a query in the URL of a GET."""
    response = httpx.get(f"{server}/sparql", params={"query": "ASK {}", "default-graph-uri": DATA0})
    assert boolean(response) is True


@pytest.mark.parametrize("accept", [None, *TABULAR])
def test_query_content_type_select(server: str, accept: str | None):
    """W3C query_content_type_select: a SELECT answers in XML, JSON, CSV or TSV; with no
    preference the server picks one, and each of them is given when asked for."""
    response = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA0},
        content="SELECT (1 AS ?value) {}",
        headers={"content-type": DIRECT, **({"accept": accept} if accept else {})},
    )
    assert media_type(response) in ([accept] if accept else TABULAR)
    assert values(response, "value") == ["1"]


@pytest.mark.parametrize("accept", [None, *BOOLEAN])
def test_query_content_type_ask(server: str, accept: str | None):
    """W3C query_content_type_ask: an ASK answers in SPARQL XML or JSON."""
    response = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA0},
        content="ASK {}",
        headers={"content-type": DIRECT, **({"accept": accept} if accept else {})},
    )
    assert media_type(response) in ([accept] if accept else BOOLEAN)
    assert boolean(response) is True


def test_query_content_type_describe(server: str):
    """W3C query_content_type_describe: a DESCRIBE answers in an RDF format, here also for a
    resource the store knows."""
    response = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA0},
        content="DESCRIBE <http://example.org/>",
        headers={"content-type": DIRECT},
    )
    assert len(graph(response)) == 0
    known = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA2},
        content=f"DESCRIBE <{DOC2}>",
        headers={"content-type": DIRECT},
    )
    assert (rdflib.URIRef(DOC2), rdflib.RDF.type, rdflib.SKOS.ConceptScheme) in graph(known)


def test_query_content_type_construct(server: str):
    """W3C query_content_type_construct: a CONSTRUCT answers in an RDF format. Its IRIs <s> and
    <p> are relative: the service resolves them against its own base IRI (SPARQL 1.1 Protocol
    §2.1: "a service-defined BASE URI, which MAY be the service endpoint")."""
    response = httpx.post(
        f"{server}/sparql",
        params={"default-graph-uri": DATA0},
        content="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"content-type": DIRECT},
    )
    [(subject, predicate, obj)] = list(graph(response))
    assert str(subject).endswith("/s") and str(predicate).endswith("/p")
    assert obj == rdflib.Literal(1)


def test_query_post_direct(server: str):
    """W3C query_post_direct: a query as the body of an application/sparql-query POST."""
    response = httpx.post(f"{server}/sparql", content="ASK {}", headers={"content-type": DIRECT})
    assert boolean(response) is True


def test_bad_query_method(server: str):
    """W3C bad_query_method: the query operation with PUT is refused with a 4xx."""
    response = httpx.put(
        f"{server}/sparql",
        params={"query": "ASK {}", "default-graph-uri": DATA0},
        headers={"content-type": FORM},
    )
    problem(response)


def test_bad_multiple_queries(server: str):
    """W3C bad_multiple_queries: two query parameters are refused with a 4xx."""
    response = httpx.get(f"{server}/sparql", params=[("query", "ASK {}"), ("query", "SELECT * {}")])
    assert "more than one query" in problem(response)["detail"]


def test_bad_query_wrong_media_type(server: str):
    """W3C bad_query_wrong_media_type: a POST as text/plain is refused with a 4xx."""
    response = httpx.post(
        f"{server}/sparql", content="ASK {}", headers={"content-type": "text/plain"}
    )
    assert "text/plain" in problem(response)["detail"]


def test_bad_query_missing_form_type(server: str):
    """W3C bad_query_missing_form_type: a URL-encoded body without its content type is
    refused with a 4xx."""
    response = httpx.post(f"{server}/sparql", content="query=ASK%20%7B%7D")
    assert FORM in problem(response)["detail"]


def test_bad_query_missing_direct_type(server: str):
    """W3C bad_query_missing_direct_type: a query body without application/sparql-query is
    refused with a 4xx."""
    response = httpx.post(f"{server}/sparql", content="ASK {}")
    assert DIRECT in problem(response)["detail"]


def test_bad_query_non_utf8(server: str):
    """W3C bad_query_non_utf8: a direct POST in UTF-16 (with its BOM) is refused with a 4xx."""
    response = httpx.post(
        f"{server}/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"content-type": f"{DIRECT}; charset=UTF-16"},
    )
    assert "UTF-8" in problem(response)["detail"]


def test_bad_query_syntax(server: str):
    """W3C bad_query_syntax: a query that does not parse is refused with a 4xx that says
    where it goes wrong."""
    response = httpx.get(f"{server}/sparql?query=ASK%20%7B")
    assert "1:6" in problem(response)["detail"]


# --- The dataset beyond the suite's cases ------------------------------------------------------


def test_default_graph_uri_alone_leaves_no_named_graphs(server: str):
    """Completes W3C query_dataset_default_graphs_get, whose query never looks at named graphs:
    the protocol's dataset is the graphs it names and nothing else (SPARQL 1.1 Protocol §2.1.4;
    default-graph-uri and named-graph-uri stand for FROM and FROM NAMED, and a FROM without
    FROM NAMED has no named graphs, SPARQL 1.1 Query §13.2)."""
    graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) { GRAPH ?g { ?s ?p ?o } }"
    assert count(server, graphs, default_graph_uri=DATA1) == 0


def test_from_in_the_query_sets_the_dataset_without_protocol_parameters(
    server: str, triples_per_graph: dict[str, int]
):
    """Completes W3C query_multiple_dataset, which checks that the protocol's dataset wins over
    FROM: without protocol parameters the query's FROM must apply (SPARQL 1.1 Protocol §2.1.4,
    SPARQL 1.1 Query §13.2); only a query that names no dataset gets the union of all graphs."""
    query = f"SELECT (COUNT(*) AS ?n) FROM <{DATA2}> {{ ?s ?p ?o }}"
    assert count(server, query) == triples_per_graph[DATA2]


# --- An analyst with SPARQLWrapper --------------------------------------------------------------


def wrapper(server: str, query: str, return_format: str) -> SPARQLWrapper:
    """A client set up as an analyst would, with SPARQLWrapper's own defaults (GET, its Accept)."""
    client = SPARQLWrapper(f"{server}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    return client


MUNICIPALITIES = named_query("municipalities-by-county")
ASK_UPPSALA = (
    "ASK { <https://w3id.org/hsvo/id/org/uppsala-kommun> a hsvo:Municipality ; "
    'hsvo:municipalityCode "0380" }'
)
CONSTRUCT_UPPSALA = """CONSTRUCT { ?m skos:prefLabel ?name } WHERE {
  ?m hsvo:county <https://w3id.org/hsvo/id/county/uppsala-lan> ; skos:prefLabel ?name
}"""
UPPSALA = rdflib.URIRef("https://w3id.org/hsvo/id/org/uppsala-kommun")


def test_sparqlwrapper_select_json(server: str):
    """W3C query_content_type_select, as SPARQLWrapper asks for JSON."""
    result = wrapper(server, MUNICIPALITIES, JSON).queryAndConvert()
    rows = {
        (row["code"]["value"], row["municipality"]["value"], row["county"]["value"])
        for row in result["results"]["bindings"]
    }
    assert ("0380", "Uppsala kommun", "Uppsala län") in rows


def test_sparqlwrapper_select_xml(server: str):
    """W3C query_content_type_select, as SPARQLWrapper asks for SPARQL XML."""
    document = wrapper(server, MUNICIPALITIES, XML).queryAndConvert()
    codes = [
        b.getElementsByTagName("literal")[0].firstChild.data
        for b in document.getElementsByTagName("binding")
        if b.getAttribute("name") == "code"
    ]
    assert "0380" in codes and codes == sorted(codes)


def test_sparqlwrapper_select_csv(server: str):
    """W3C query_content_type_select, as SPARQLWrapper asks for CSV."""
    text = wrapper(server, MUNICIPALITIES, CSV).queryAndConvert().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {"county": "Uppsala län", "code": "0380", "municipality": "Uppsala kommun"} in rows


def test_sparqlwrapper_ask(server: str):
    """W3C query_content_type_ask, as SPARQLWrapper asks."""
    assert wrapper(server, ASK_UPPSALA, JSON).queryAndConvert()["boolean"] is True


def test_sparqlwrapper_construct_turtle(server: str):
    """W3C query_content_type_construct, as SPARQLWrapper asks for Turtle."""
    turtle = wrapper(server, CONSTRUCT_UPPSALA, TURTLE).queryAndConvert()
    parsed = rdflib.Graph().parse(data=turtle, format="turtle")
    assert (UPPSALA, rdflib.SKOS.prefLabel, rdflib.Literal("Uppsala kommun", lang="sv")) in parsed


# SPARQLWrapper 2.0 parses JSON-LD into rdflib's ConjunctiveGraph, which rdflib 7 deprecates.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_sparqlwrapper_construct_jsonld(server: str):
    """W3C query_content_type_construct, as SPARQLWrapper asks for JSON-LD."""
    parsed = wrapper(server, CONSTRUCT_UPPSALA, JSONLD).queryAndConvert()
    assert (UPPSALA, rdflib.SKOS.prefLabel, rdflib.Literal("Uppsala kommun", lang="sv")) in parsed


def test_sparqlwrapper_malformed_query(server: str):
    """W3C bad_query_syntax, as SPARQLWrapper reports it: the HTTP 400 with the parser's
    message, which says where the query goes wrong."""
    with pytest.raises(QueryBadFormed) as raised:
        wrapper(server, "SELECT ?x WHERE { ?x ", JSON).query()
    cause = raised.value.__context__
    assert isinstance(cause, HTTPError) and cause.code == 400
    assert "error at 1:22" in str(raised.value)


# --- Negotiation, CORS and refusals -------------------------------------------------------------


def test_unacceptable_format_is_406(server: str):
    """Not in the W3C suite (HTTP content negotiation): a result the client cannot take is 406,
    naming the formats there are."""
    response = httpx.get(
        f"{server}/sparql", params={"query": "ASK {}"}, headers={"accept": "image/png"}
    )
    assert response.status_code == 406
    assert SPARQL_JSON in problem(response)["detail"]


def test_cross_origin_request_is_allowed(server: str):
    """Not in the W3C suite (CORS): a query page on another origin can read the results."""
    response = httpx.get(
        f"{server}/sparql",
        params={"query": "ASK {}"},
        headers={"origin": "https://analyst.example"},
    )
    assert boolean(response) is True
    assert response.headers["access-control-allow-origin"] in ("*", "https://analyst.example")


def test_cors_preflight_allows_a_direct_post(server: str):
    """Not in the W3C suite (CORS): the browser's preflight before a direct POST is answered."""
    response = httpx.options(
        f"{server}/sparql",
        headers={
            "origin": "https://analyst.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "https://analyst.example")
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }", "INSERT"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ],
)
def test_federation_and_updates_are_refused(server: str, query: str, named: str):
    """Not in the W3C suite's query cases (its update cases need a writable store): SERVICE
    and updates sent as queries are refused with 400 and a message naming the operation."""
    response = httpx.post(f"{server}/sparql", content=query, headers={"content-type": DIRECT})
    assert response.status_code == 400
    assert named in problem(response)["detail"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [("update=CLEAR+ALL", FORM), ("CLEAR ALL", UPDATE)],
    ids=["update_post_form", "update_post_direct"],
)
def test_updates_are_refused_and_change_nothing(server: str, content: str, content_type: str):
    """W3C update_post_form and update_post_direct, inverted: the endpoint is read-only
    (DESIGN.md §7), so the same requests are refused with 400 and the data stays as it was."""
    before = count(server)
    response = httpx.post(
        f"{server}/sparql", content=content, headers={"content-type": content_type}
    )
    assert response.status_code == 400
    assert "read-only" in problem(response)["detail"]
    assert count(server) == before


WITH_UPDATE = """PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}"""


@pytest.mark.parametrize(
    ("method", "params", "content", "content_type"),
    [
        ("GET", {"update": "CLEAR ALL"}, None, None),
        ("POST", {}, "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM),
        ("POST", {}, "CLEAR NAMED", "text/plain"),
        ("POST", {}, "update=CLEAR%20NAMED", None),
        ("POST", {}, "CLEAR NAMED".encode("utf-16"), f"{UPDATE}; charset=UTF-16"),
        ("POST", {}, "update=CLEAR%20XYZ", FORM),
        ("POST", {"using-named-graph-uri": "http://example/people"}, WITH_UPDATE, UPDATE),
    ],
    ids=[
        "bad_update_get",
        "bad_multiple_updates",
        "bad_update_wrong_media_type",
        "bad_update_missing_form_type",
        "bad_update_non_utf8",
        "bad_update_syntax",
        "bad_update_dataset_conflict",
    ],
)
def test_bad_update_requests_are_refused(
    server: str, method: str, params: dict, content: str | bytes | None, content_type: str | None
):
    """W3C bad_update_get, bad_multiple_updates, bad_update_wrong_media_type,
    bad_update_missing_form_type, bad_update_non_utf8, bad_update_syntax and
    bad_update_dataset_conflict: each malformed update request gets a 4xx (here every update is
    refused anyway, the endpoint being read-only)."""
    headers = {"content-type": content_type} if content_type else {}
    response = httpx.request(
        method, f"{server}/sparql", params=params, content=content, headers=headers
    )
    problem(response)
