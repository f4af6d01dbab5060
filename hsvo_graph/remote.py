"""A SPARQL 1.1 server as the store: `HSVO_BACKEND=sparql`.

`hsvo build` validates as always, then loads each file's named graph into the server with the
Graph Store Protocol under a staging name, and switches the whole build live with one SPARQL
Update request (MOVE staging TO live, for every graph, and DROP for graphs whose file is gone):
one request is one transaction on Oxigraph, Fuseki (TDB2) and Virtuoso, so readers see the
old build or the new one. The build's report goes into its own graph (META_GRAPH) in the same
request. The API, the resolver and the view then read through the SPARQL Protocol: RemoteStore
answers the few calls of pyoxigraph's Store API this project makes (query, quads_for_pattern,
dump), so the rest of the code does not know which store it has.

Queries are sent with the build's graphs as the Protocol's dataset (default-graph-uri and
named-graph-uri), which every SPARQL 1.1 server honours, instead of a server's own "union
default graph" setting; so the metadata and staging graphs never show in answers.

Blank nodes travel as skolem IRIs (RDF 1.1 §3.5, under GENID) and come back as the same blank
nodes: a query cannot name a blank node, and the pages and the projection must look one up.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import httpx
import pyoxigraph as ox

from hsvo_graph.namespaces import GRAPH

META_GRAPH = str(GRAPH) + "meta/build"
GENID = "https://w3id.org/hsvo/.well-known/genid/"
STAGING = "?hsvo-staging="
BUILD_INFO = "https://w3id.org/hsvo/ontology#buildInfo"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"


class RemoteError(Exception):
    """The SPARQL server refused or failed a request; the message has its answer."""


class StoreUnavailable(ConnectionError):
    """The SPARQL server did not answer a read, or failed it: not the client's fault, and
    worth retrying. The message names the server, for the log; clients get `public`."""

    public = "the SPARQL server that holds the graph did not answer; retry shortly"


@dataclass(frozen=True)
class Endpoints:
    """Where the server takes queries, updates and Graph Store Protocol requests."""

    query: str
    update: str
    gsp: str

    @classmethod
    def from_env(cls) -> Endpoints:
        missing = [v for v in ("HSVO_SPARQL_URL", "HSVO_GSP_URL") if not os.environ.get(v)]
        if missing:
            raise RemoteError(f"HSVO_BACKEND=sparql needs {' and '.join(missing)}")
        query = os.environ["HSVO_SPARQL_URL"]
        update = os.environ.get("HSVO_UPDATE_URL") or query
        return cls(query=query, update=update, gsp=os.environ["HSVO_GSP_URL"])


def backend() -> str:
    """ "embedded" (the default: a local Oxigraph store) or "sparql"."""
    value = os.environ.get("HSVO_BACKEND", "embedded")
    if value not in ("embedded", "sparql"):
        raise RemoteError(f"HSVO_BACKEND must be embedded or sparql, not {value!r}")
    return value


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise RemoteError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:500]}"
        )
    return response


# --------------------------------------------------------------------------------------------
# Loading a build
# --------------------------------------------------------------------------------------------


def load_build(
    endpoints: Endpoints,
    graphs: dict[str, list[ox.Triple]],
    info: dict,
    timeout: float = 600,
) -> None:
    """Upload every graph under a staging name, then switch them and the report live at once."""
    staging = STAGING + info["build_id"]
    previous = read_info(endpoints, timeout)
    with httpx.Client(timeout=timeout) as client:
        for name, triples in [*graphs.items(), (META_GRAPH, [_info_triple(info)])]:
            body = ox.serialize(map(skolemized, triples), format=ox.RdfFormat.N_TRIPLES)
            _check(
                client.put(
                    endpoints.gsp,
                    params={"graph": name + staging},
                    content=body,
                    headers={"Content-Type": N_TRIPLES},
                )
            )
        gone = set(previous["graphs"]) - set(graphs) if previous else set()
        switch = [f"DROP SILENT GRAPH <{g}>" for g in sorted(gone)]
        switch += [f"MOVE SILENT GRAPH <{g}{staging}> TO GRAPH <{g}>" for g in graphs]
        switch.append(f"MOVE SILENT GRAPH <{META_GRAPH}{staging}> TO GRAPH <{META_GRAPH}>")
        _check(
            client.post(
                endpoints.update,
                content=" ;\n".join(switch),
                headers={"Content-Type": "application/sparql-update"},
            )
        )


def skolem(term):
    return ox.NamedNode(GENID + term.value) if isinstance(term, ox.BlankNode) else term


def skolemized(triple: ox.Triple) -> ox.Triple:
    return ox.Triple(skolem(triple.subject), triple.predicate, skolem(triple.object))


_POSITION = re.compile(r"at (\d+):(\d+)")
_SKOLEM_IN_NTRIPLES = re.compile(rb"<" + re.escape(GENID.encode()) + rb"([^>]+)>")


def _unskolemize_results(body: bytes) -> bytes:
    """SPARQL JSON results with our skolem IRIs turned back into blank nodes."""
    if GENID.encode() not in body:
        return body
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for value in row.values():
            if value["type"] == "uri" and value["value"].startswith(GENID):
                value["type"], value["value"] = "bnode", value["value"][len(GENID) :]
    return json.dumps(results).encode()


def _info_triple(info: dict) -> ox.Triple:
    return ox.Triple(
        ox.NamedNode(META_GRAPH), ox.NamedNode(BUILD_INFO), ox.Literal(json.dumps(info))
    )


def read_info(endpoints: Endpoints, timeout: float = 60) -> dict | None:
    """The live build's report, or None when the server holds no build."""
    query = f"SELECT ?info WHERE {{ GRAPH <{META_GRAPH}> {{ ?b <{BUILD_INFO}> ?info }} }}"
    response = _check(
        httpx.post(
            endpoints.query,
            data={"query": query},
            headers={"Accept": RESULTS_JSON},
            timeout=timeout,
        )
    )
    rows = response.json()["results"]["bindings"]
    return json.loads(rows[0]["info"]["value"]) if rows else None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


class RemoteStore:
    """The part of pyoxigraph's Store API this project uses, over the SPARQL Protocol, limited
    to one build's graphs."""

    def __init__(self, endpoint: str, graphs: Iterable[str], timeout: float = 300):
        self.endpoint, self.graphs, self.timeout = endpoint, list(graphs), timeout
        self._client = httpx.Client(timeout=timeout)

    def _send(self, query: str, dataset: dict, accept: str) -> httpx.Response:
        try:
            response = self._client.post(
                self.endpoint,
                data={"query": query, **dataset},
                headers={"Accept": accept},
            )
        except httpx.TransportError as error:  # refused, reset, timed out, name not found
            raise StoreUnavailable(f"{self.endpoint}: {error!r}") from None
        if response.status_code == 400:
            raise SyntaxError(response.text[:2000])
        if response.status_code >= 400:  # 401, 404, 5xx: the server or its setup, not the query
            raise StoreUnavailable(
                f"{self.endpoint} answered {response.status_code}: {response.text[:500]}"
            )
        return response

    def _dataset(self, union: bool, default_graph, named_graphs) -> dict:
        """The Protocol's dataset parameters, which take precedence over a query's FROM."""
        if default_graph is not None or named_graphs is not None:
            return {
                "default-graph-uri": [g.value for g in default_graph or ()],
                "named-graph-uri": [g.value for g in named_graphs or ()],
            }
        if union:  # as the embedded store's use_default_graph_as_union, over the build only
            return {"default-graph-uri": self.graphs, "named-graph-uri": self.graphs}
        return {}  # the query names its own dataset (FROM, FROM NAMED)

    def query(
        self,
        query: str,
        *,
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
        use_default_graph_as_union: bool = False,
        default_graph=None,
        named_graphs=None,
    ):
        """SELECT and ASK answers as pyoxigraph's result objects, CONSTRUCT and DESCRIBE as a
        list of triples; the query is sent with our prologue before its own."""
        prologue = f"BASE <{base_iri}>\n" if base_iri else ""
        prologue += "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or {}).items())
        dataset = self._dataset(use_default_graph_as_union, default_graph, named_graphs)
        try:
            response = self._send(prologue + query, dataset, f"{RESULTS_JSON}, {N_TRIPLES};q=0.9")
        except SyntaxError as error:  # positions in the client's text, not ours
            lines = prologue.count("\n")
            raise SyntaxError(
                _POSITION.sub(lambda m: f"at {int(m[1]) - lines}:{m[2]}", str(error), count=1)
            ) from None
        media = response.headers.get("content-type", "").split(";")[0].strip()
        if media == N_TRIPLES:
            body = _SKOLEM_IN_NTRIPLES.sub(rb"_:\1", response.content)
            return [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        body = _unskolemize_results(response.content)
        return ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)

    def quads_for_pattern(self, subject, predicate, obj, graph_name=None) -> Iterator[ox.Quad]:
        """Quads matching the pattern in the build's graphs (graph_name None: in any)."""
        names = {"s": subject, "p": predicate, "o": obj, "g": graph_name}
        terms = {v: t for v, t in names.items() if t is not None}
        select = " ".join(f"?{v}" for v in names if v not in terms)
        pattern = " ".join(_term_text(terms[v]) if v in terms else f"?{v}" for v in "spo")
        graph = _term_text(graph_name) if graph_name is not None else "?g"
        query = f"SELECT {select or '*'} WHERE {{ GRAPH {graph} {{ {pattern} }} }}"
        results = self.query(query, named_graphs=[ox.NamedNode(g) for g in self.graphs])
        for row in results:
            value = {v: terms.get(v) or row[v] for v in names}
            yield ox.Quad(value["s"], value["p"], value["o"], value["g"])

    def dump(self, output=None, format: ox.RdfFormat | None = None, *, prefixes=None):
        """Every quad of the build in a format that keeps graphs (N-Quads, TriG, JSON-LD),
        written to output, or returned as bytes when there is none (as Store.dump does)."""
        quads = self.quads_for_pattern(None, None, None, None)
        return ox.serialize(quads, output, format=format, prefixes=prefixes)

    def __len__(self) -> int:
        query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        rows = list(self.query(query, named_graphs=[ox.NamedNode(g) for g in self.graphs]))
        return int(rows[0]["n"].value)


def _term_text(term) -> str:
    """A term as it is written in a query to the server (blank nodes by their skolem IRI)."""
    return str(skolem(term))
