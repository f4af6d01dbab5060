"""A networkx view of the graph, built once at start, on which the resolver and the governance
questions walk (DESIGN.md §6).

Nodes are IRIs (blank nodes as "_:id") carrying their types, a short kind, labels by language and
literal values; every object-property triple is an edge keyed by its predicate ("hsvo:task").
n-ary resources (responsibilities, transfers, memberships, periods) stay nodes of their own.
The same projection can be built from the embedded Oxigraph store or from any SPARQL 1.1
endpoint, so the resolver does not care where the data lives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import httpx
import networkx as nx
import pyoxigraph as ox

from hsvo_graph.namespaces import GRAPH, HSVO, RDF, SKOS, shorten
from hsvo_graph.queries import named_query

ONTOLOGY_GRAPHS = str(GRAPH) + "ontology/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ALT_LABEL, TYPE = str(SKOS.altLabel), str(RDF.type)


class Term(NamedTuple):
    """An RDF term independent of the library that produced it."""

    kind: str  # "iri", "bnode" or "literal"
    value: str
    lang: str | None = None
    datatype: str | None = None

    @property
    def node(self) -> str:
        return self.value if self.kind == "iri" else f"_:{self.value}"


def _from_oxigraph(term) -> Term:
    if isinstance(term, ox.NamedNode):
        return Term("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    return Term(
        "literal", term.value, term.language, term.datatype.value if term.datatype else None
    )


Quad = tuple[Term, Term, Term, str]


def store_triples(store: ox.Store) -> Iterator[Quad]:
    """Data quads of an embedded store (every named graph but the ontology's)."""
    for quad in store.quads_for_pattern(None, None, None, None):
        graph = quad.graph_name
        name = graph.value if isinstance(graph, ox.NamedNode) else ""
        if name.startswith(ONTOLOGY_GRAPHS):
            continue
        s, p, o = (_from_oxigraph(t) for t in (quad.subject, quad.predicate, quad.object))
        yield s, p, o, name


def _from_json(binding: dict) -> Term:
    kind = {"uri": "iri", "bnode": "bnode"}.get(binding["type"], "literal")
    return Term(kind, binding["value"], binding.get("xml:lang"), binding.get("datatype"))


def sparql_triples(endpoint: str, timeout: float = 300) -> Iterator[Quad]:
    """Data quads read from a SPARQL 1.1 endpoint with the Protocol's JSON results."""
    query = named_query("projection-triples")
    response = httpx.post(
        endpoint,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=timeout,
    )
    response.raise_for_status()
    for row in response.json()["results"]["bindings"]:
        yield _from_json(row["s"]), _from_json(row["p"]), _from_json(row["o"]), row["g"]["value"]


def literal_value(term: Term):
    """A literal as the Python value a comparison needs (dates, numbers, booleans)."""
    datatype = (term.datatype or "").removeprefix(XSD)
    try:
        if datatype == "date":
            return dt.date.fromisoformat(term.value)
        if datatype == "boolean":
            return term.value in ("true", "1")
        if datatype in ("integer", "nonNegativeInteger", "int", "gYear"):
            return int(term.value)
        if datatype == "decimal":
            return Decimal(term.value)
    except (ValueError, InvalidOperation):
        pass
    return term.value


def kind_of(types: Iterable[str]) -> str:
    """The short kind of a node: its hsvo: class if it has one, else its first type."""
    types = sorted(types)
    for t in types:
        if t.startswith(str(HSVO)):
            return t[len(str(HSVO)) :]
    return shorten(types[0]) if types else "Resource"


def build(quads: Iterable[Quad]) -> nx.MultiDiGraph:
    """The projection: one node per subject or object resource, one edge per object triple;
    each node also remembers the named graphs (data files) that describe it."""
    graph = nx.MultiDiGraph()
    for s, p, o, graph_name in quads:
        node = s.node
        if node not in graph:
            graph.add_node(node, **_empty())
        attrs = graph.nodes[node]
        attrs["graphs"].add(graph_name)
        predicate = p.value
        if predicate == TYPE:
            attrs["types"].add(o.value)
        elif o.kind == "literal":
            key = shorten(predicate)
            if predicate == ALT_LABEL:
                attrs["alt_labels"].append((o.value, o.lang or ""))
            if o.lang:
                attrs["texts"].setdefault(key, {}).setdefault(o.lang, o.value)
            attrs["values"].setdefault(key, []).append(literal_value(o))
        else:
            target = o.node
            if target not in graph:
                graph.add_node(target, **_empty())
            graph.add_edge(node, target, key=shorten(predicate), predicate=predicate)
    for _, attrs in graph.nodes(data=True):
        attrs["kind"] = kind_of(attrs["types"])
        attrs["labels"] = attrs["texts"].get("skos:prefLabel", {})
    return graph


def _empty() -> dict:
    """Attributes of a new node: rdf:types, literal values by predicate, language-tagged texts
    by predicate and language, and skos:altLabel (text, language) pairs."""
    return {"types": set(), "values": {}, "texts": {}, "alt_labels": [], "graphs": set()}


def from_store(store: ox.Store) -> nx.MultiDiGraph:
    return build(store_triples(store))


def from_sparql(endpoint: str) -> nx.MultiDiGraph:
    return build(sparql_triples(endpoint))


def label(graph: nx.MultiDiGraph, node: str, lang: str = "sv") -> str:
    """The node's label in the language asked, else Swedish, else any, else its IRI."""
    labels = graph.nodes[node]["labels"] if node in graph else {}
    return labels.get(lang) or labels.get("sv") or next(iter(labels.values()), node)


def targets(graph: nx.MultiDiGraph, node: str, predicate: str) -> list[str]:
    """Objects of the node's edges with that predicate key (e.g. "hsvo:task")."""
    if node not in graph:
        return []
    return [t for _, t, key in graph.out_edges(node, keys=True) if key == predicate]


def sources(graph: nx.MultiDiGraph, node: str, predicate: str) -> list[str]:
    """Subjects of edges with that predicate key pointing at the node."""
    if node not in graph:
        return []
    return [s for s, _, key in graph.in_edges(node, keys=True) if key == predicate]


def text(graph: nx.MultiDiGraph, node: str, predicate: str, lang: str = "sv") -> str | None:
    """A language-tagged literal in the language asked, else Swedish, else any."""
    texts = graph.nodes[node]["texts"].get(predicate, {}) if node in graph else {}
    return texts.get(lang) or texts.get("sv") or next(iter(texts.values()), None)


def value(graph: nx.MultiDiGraph, node: str, predicate: str, default=None):
    values = graph.nodes[node]["values"].get(predicate) if node in graph else None
    return values[0] if values else default
