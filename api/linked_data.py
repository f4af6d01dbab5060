"""Linked data: every resource of the store at the path of its IRI, the vocabulary, and dumps.

w3id.org sends https://w3id.org/hsvo/id/{kind}/{slug} here as /id/{kind}/{slug}, so that path
must answer a person with a page and a program with RDF. The Accept header decides, or a suffix
(.ttl, .nt, .jsonld) for a link that cannot set headers. The store is read with
quads_for_pattern only: a page is a few hundred index lookups, and a dump streams the store
without holding it in memory.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from api.pages import TEMPLATES
from api.problems import PROBLEM, ProblemError
from api.sparql import negotiate
from hsvo_graph.namespaces import ELI, GRAPH, HSVO, ID, PREFIXES, shorten

router = APIRouter()

HTML = "text/html"
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
SUFFIXES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json"}
FORMAT_NAMES = {".ttl": "Turtle", ".nt": "N-Triples", ".jsonld": "JSON-LD"}
# Turtle first: a client that accepts anything (curl, a crawler) gets data; a browser names
# text/html with a higher q-value than its */* and gets the page.
OFFERED = [*RDF_FORMATS, HTML]
# The instance namespaces (id:, graph:, sfs:) are left out: their local names hold "/" or "#",
# which Turtle must escape (id:org\/region-uppsala), so full IRIs read better.
DOCUMENT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p not in ("id", "graph", "sfs")}

# For /docs: what the negotiated routes can answer.
NEGOTIATED = {
    200: {
        "description": "An HTML page, or RDF in the format asked for",
        "content": {media: {} for media in [HTML, *RDF_FORMATS]},
    },
    404: {"description": "The store holds nothing about it", "content": {PROBLEM: {}}},
    406: {"description": "None of the formats accepted can be given", "content": {PROBLEM: {}}},
}

ONTOLOGY_GRAPH = ox.NamedNode(str(GRAPH["ontology/hsvo"]))
ONTOLOGY_IRI = str(HSVO).rstrip("#")


def _node(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


TYPE = _node(RDF.type)
PREF_LABEL, ALT_LABEL, DEFINITION = (
    _node(SKOS.prefLabel),
    _node(SKOS.altLabel),
    _node(SKOS.definition),
)
LABEL, COMMENT = _node(RDFS.label), _node(RDFS.comment)
TITLE, SOURCE = _node(DCTERMS.title), _node(DCTERMS.source)
SOURCE_SECTION = _node(HSVO.sourceSection)
DOMAIN, RANGE = _node(RDFS.domain), _node(RDFS.range)
PARENTS = (_node(RDFS.subClassOf), _node(RDFS.subPropertyOf))
# Laws (rinfo IRIs) are named by their ELI title, a section of one by its local id.
NAME_PROPERTIES = (PREF_LABEL, LABEL, TITLE, _node(ELI.title), _node(ELI.id_local))
FUNCTIONAL = _node(OWL.FunctionalProperty)
TERM_GROUPS = (
    (_node(OWL.Class), "Classes"),
    (_node(OWL.ObjectProperty), "Object properties"),
    (_node(OWL.DatatypeProperty), "Datatype properties"),
)


# ---------------------------------------------------------------------------------------------
# What the pages show
# ---------------------------------------------------------------------------------------------


@dataclass
class Value:
    """One value as a page shows it: a link, a literal with its language or datatype as a small
    note, or a blank node, which has no page of its own and so shows its rows in place."""

    text: str
    href: str | None = None
    note: str | None = None
    lang: str | None = None
    rows: list[Row] = field(default_factory=list)


@dataclass
class Row:
    prop: Value
    values: list[Value]


@dataclass
class ResourcePage:
    iri: str
    title: str
    labels: list[Value]
    alt_labels: list[Value]
    types: list[Value]
    rows: list[Row]
    incoming: list[Row]
    sources: list[Value]
    sections: list[str]
    files: list[str]
    formats: list[Value]


@dataclass
class Term:
    anchor: str
    iri: str
    curie: str
    labels: list[Value]
    definitions: list[Value]
    comments: list[Value]
    domain: list[Value]
    range: list[Value]
    parents: list[Value]
    functional: bool


@dataclass
class OntologyPage:
    iri: str
    title: str
    about: list[Row]
    groups: list[tuple[str, list[Term]]] = field(default_factory=list)
    formats: list[Value] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Reading the store
# ---------------------------------------------------------------------------------------------


def _objects(
    store: ox.Store, subject, predicate: ox.NamedNode, graph: ox.NamedNode | None = None
) -> list:
    """Distinct values, though several graphs (files) may state the same triple."""
    return list(
        dict.fromkeys(q.object for q in store.quads_for_pattern(subject, predicate, None, graph))
    )


def _pick(literals: Iterable, langs: tuple[str, ...]) -> ox.Literal | None:
    """The literal in the first of langs that has one, else any literal at all."""
    literals = [v for v in literals if isinstance(v, ox.Literal)]
    for lang in langs:
        for literal in literals:
            if literal.language == lang:
                return literal
    return min(literals, key=lambda v: v.value, default=None)


def _name(store: ox.Store, node, langs: tuple[str, ...] = ("sv", "en")) -> str | None:
    """A resource's name from the first of NAME_PROPERTIES it has, in the first language found."""
    for predicate in NAME_PROPERTIES:
        literal = _pick(_objects(store, node, predicate), langs)
        if literal is not None:
            return literal.value
    return None


def _mentioned(store: ox.Store, node: ox.NamedNode) -> bool:
    either_way = chain(
        store.quads_for_pattern(node, None, None, None),
        store.quads_for_pattern(None, None, node, None),
    )
    return next(either_way, None) is not None


def description(store: ox.Store, subject: ox.NamedNode) -> list[ox.Triple]:
    """The subject's triples from every graph, with those of the blank nodes it points to (its
    period, for example), which cannot be asked for on their own; resource first, types first."""
    triples: set[ox.Triple] = set()
    todo, seen = [subject], {subject}
    while todo:
        for quad in store.quads_for_pattern(todo.pop(), None, None, None):
            triples.add(quad.triple)
            if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                seen.add(quad.object)
                todo.append(quad.object)
    return sorted(
        triples,
        key=lambda t: (
            t.subject != subject,
            str(t.subject),
            t.predicate != TYPE,
            str(t.predicate),
            str(t.object),
        ),
    )


def union_triples(store: ox.Store) -> Iterator[ox.Triple]:
    """Every triple of every graph once: a triple stated in several files is given only with the
    first graph that holds it, found by one index lookup, so no set of all triples is kept."""
    for quad in store.quads_for_pattern(None, None, None, None):
        holders = store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
        if next(holders).graph_name == quad.graph_name:
            yield quad.triple


# ---------------------------------------------------------------------------------------------
# Building the pages
# ---------------------------------------------------------------------------------------------


def _href(iri: str) -> str:
    """Our resources and terms link to their pages on this server; other IRIs stay as they are."""
    if iri.startswith(str(ID)):
        return "/id/" + quote(iri[len(ID) :], safe="/")
    if iri.startswith(str(HSVO)):
        return "/ontology#" + quote(iri[len(HSVO) :])
    if iri == ONTOLOGY_IRI:
        return "/ontology"
    return iri


def _iri_text(iri: str) -> str:
    if iri.startswith(str(ID)):
        return iri[len(ID) :]
    short = shorten(iri)
    return iri if short.startswith("<") else short


def _value(store: ox.Store, term, seen: frozenset = frozenset()) -> Value:
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        note = term.language or (None if datatype == str(XSD.string) else shorten(datatype))
        return Value(text=term.value, note=note, lang=term.language)
    if isinstance(term, ox.BlankNode):
        return Value(text="", rows=[] if term in seen else _rows(store, term, seen | {term}))
    return Value(text=_name(store, term) or _iri_text(term.value), href=_href(term.value))


def _property(store: ox.Store, predicate: ox.NamedNode) -> Value:
    """A property by its English label from the ontology, its prefixed name as the note."""
    curie = _iri_text(predicate.value)
    return Value(
        text=_name(store, predicate, ("en", "sv")) or curie, href=_href(predicate.value), note=curie
    )


def _sorted_values(values: Iterable[Value]) -> list[Value]:
    return sorted(values, key=lambda v: (v.text.casefold(), v.lang or ""))


def _rows(store: ox.Store, subject, seen: frozenset = frozenset()) -> list[Row]:
    """Every property of subject with its values, rdf:type first, then by property name."""
    grouped: dict[ox.NamedNode, set] = {}
    for quad in store.quads_for_pattern(subject, None, None, None):
        grouped.setdefault(quad.predicate, set()).add(quad.object)
    rows = [
        Row(_property(store, p), _sorted_values(_value(store, o, seen) for o in objects))
        for p, objects in grouped.items()
    ]
    return sorted(rows, key=lambda r: (r.prop.href != _href(TYPE.value), r.prop.text.casefold()))


def _incoming(store: ox.Store, node: ox.NamedNode) -> list[Row]:
    """Who points at node, grouped by the property they use."""
    grouped: dict[ox.NamedNode, set] = {}
    for quad in store.quads_for_pattern(None, None, node, None):
        grouped.setdefault(quad.predicate, set()).add(quad.subject)
    rows = [
        Row(
            _property(store, p),
            _sorted_values(_value(store, s, frozenset({node})) for s in subjects),
        )
        for p, subjects in grouped.items()
    ]
    return sorted(rows, key=lambda r: r.prop.text.casefold())


def _literals(store: ox.Store, node, predicate: ox.NamedNode, graph=None) -> list[Value]:
    return [
        _value(store, v)
        for v in _objects(store, node, predicate, graph)
        if isinstance(v, ox.Literal)
    ]


def _formats(path: str) -> list[Value]:
    return [
        Value(text=name, href=path + suffix, note=SUFFIXES[suffix])
        for suffix, name in FORMAT_NAMES.items()
    ]


def resource_page(store: ox.Store, node: ox.NamedNode, path: str) -> ResourcePage:
    labels = sorted(
        _literals(store, node, PREF_LABEL), key=lambda v: (v.lang != "sv", v.lang or "")
    )
    graphs = {q.graph_name for q in store.quads_for_pattern(node, None, None, None)}
    files = [g.value for g in graphs if isinstance(g, ox.NamedNode)]
    return ResourcePage(
        iri=node.value,
        title=_name(store, node) or _iri_text(node.value),
        labels=labels,
        alt_labels=_sorted_values(_literals(store, node, ALT_LABEL)),
        types=[
            Value(
                text=_name(store, t) or _iri_text(t.value),
                href=_href(t.value),
                note=_name(store, t, ("en",)),
            )
            for t in _objects(store, node, TYPE)
            if isinstance(t, ox.NamedNode)
        ],
        rows=_rows(store, node),
        incoming=_incoming(store, node),
        sources=_sorted_values(_value(store, d) for d in _objects(store, node, SOURCE)),
        sections=sorted(v.text for v in _literals(store, node, SOURCE_SECTION)),
        files=sorted(
            f.removeprefix(str(GRAPH)) + ".ttl" for f in files if f.startswith(str(GRAPH))
        ),
        formats=_formats(path),
    )


def _term_link(store: ox.Store, node: ox.NamedNode) -> Value:
    """A class or property named by its prefixed name, as a vocabulary page names terms."""
    return Value(
        text=_iri_text(node.value), href=_href(node.value), note=_name(store, node, ("en",))
    )


def _term(store: ox.Store, node: ox.NamedNode, types: set) -> Term:
    def links(*predicates: ox.NamedNode) -> list[Value]:
        return [
            _term_link(store, o)
            for p in predicates
            for o in _objects(store, node, p, ONTOLOGY_GRAPH)
            if isinstance(o, ox.NamedNode)
        ]

    def literals(predicate: ox.NamedNode) -> list[Value]:
        values = _literals(store, node, predicate, ONTOLOGY_GRAPH)
        return sorted(values, key=lambda v: (v.lang != "sv", v.lang or ""))

    iri = node.value
    return Term(
        anchor=iri[len(HSVO) :] if iri.startswith(str(HSVO)) else _iri_text(iri),
        iri=iri,
        curie=_iri_text(iri),
        labels=literals(LABEL),
        definitions=literals(DEFINITION),
        comments=literals(COMMENT),
        domain=links(DOMAIN),
        range=links(RANGE),
        parents=links(*PARENTS),
        functional=FUNCTIONAL in types,
    )


def ontology_page(store: ox.Store, ontology: ox.NamedNode) -> OntologyPage:
    """The terms of the ontology graph grouped as classes, object and datatype properties."""
    types: dict[ox.NamedNode, set] = {}
    for quad in store.quads_for_pattern(None, TYPE, None, ONTOLOGY_GRAPH):
        if isinstance(quad.subject, ox.NamedNode) and quad.subject != ontology:
            types.setdefault(quad.subject, set()).add(quad.object)
    groups: dict[str, list[Term]] = {title: [] for _, title in TERM_GROUPS}
    for node, kinds in sorted(types.items(), key=lambda item: item[0].value.casefold()):
        title = next((t for kind, t in TERM_GROUPS if kind in kinds), "Other terms")
        groups.setdefault(title, []).append(_term(store, node, kinds))
    return OntologyPage(
        iri=ontology.value,
        title=_name(store, ontology, ("en", "sv")) or ontology.value,
        about=_rows(store, ontology),
        groups=[(title, terms) for title, terms in groups.items() if terms],
        formats=_formats("/ontology"),
    )


# ---------------------------------------------------------------------------------------------
# Responses
# ---------------------------------------------------------------------------------------------


def _store(request: Request) -> ox.Store:
    return request.app.state.live.store


def _split_suffix(name: str) -> tuple[str, str | None]:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, None


def _media(request: Request, suffix: str | None) -> str:
    """A suffix names the format outright; otherwise the Accept header chooses."""
    if suffix:
        return SUFFIXES[suffix]
    media = negotiate(request.headers.get("accept"), OFFERED)
    if media is None:
        raise ProblemError(406, "Not acceptable", f"available as: {', '.join(OFFERED)}")
    return media


def _rdf(triples: Iterable[ox.Triple], media: str) -> Response:
    body = ox.serialize(triples, format=RDF_FORMATS[media], prefixes=DOCUMENT_PREFIXES)
    return Response(body, media_type=media, headers={"Vary": "Accept"})


def _page(request: Request, template: str, page) -> Response:
    context = {"page": page, "build_id": request.app.state.live.build_id}
    return TEMPLATES.TemplateResponse(request, template, context, headers={"Vary": "Accept"})


def _resource_node(store: ox.Store, kind: str, name: str) -> ox.NamedNode:
    iri = f"{ID}{kind}/{name}"
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        node = None
    if node is None or not _mentioned(store, node):
        raise ProblemError(404, "Unknown resource", f"the store holds nothing about <{iri}>")
    return node


@router.get(
    "/id/{kind}/{slug}",
    summary="A resource: an HTML page, or Turtle, N-Triples or JSON-LD by Accept or by suffix",
    response_class=Response,
    responses=NEGOTIATED,
)
def resource(request: Request, kind: str, slug: str) -> Response:
    name, suffix = _split_suffix(slug)
    store = _store(request)
    node = _resource_node(store, kind, name)
    media = _media(request, suffix)
    if media == HTML:
        return _page(request, "resource.html", resource_page(store, node, f"/id/{kind}/{name}"))
    return _rdf(description(store, node), media)


def _ontology(request: Request, suffix: str | None) -> Response:
    store = _store(request)
    ontology = next(
        (
            q.subject
            for q in store.quads_for_pattern(None, TYPE, _node(OWL.Ontology), ONTOLOGY_GRAPH)
        ),
        None,
    )
    if ontology is None:
        detail = f"the graph <{ONTOLOGY_GRAPH.value}> of this store holds no owl:Ontology"
        raise ProblemError(404, "No ontology", detail)
    media = _media(request, suffix)
    if media == HTML:
        return _page(request, "ontology.html", ontology_page(store, ontology))
    triples = {q.triple for q in store.quads_for_pattern(None, None, None, ONTOLOGY_GRAPH)}
    return _rdf(
        sorted(
            triples,
            key=lambda t: (t.subject != ontology, str(t.subject), str(t.predicate), str(t.object)),
        ),
        media,
    )


@router.get(
    "/ontology",
    summary="The vocabulary: an HTML page, or RDF by Accept",
    response_class=Response,
    responses=NEGOTIATED,
)
def ontology(request: Request) -> Response:
    return _ontology(request, None)


@router.get(
    "/ontology.{ext}",
    summary="The vocabulary as Turtle (ttl), N-Triples (nt) or JSON-LD (jsonld)",
    response_class=Response,
    responses={
        200: {"description": "The ontology", "content": {media: {} for media in RDF_FORMATS}},
        404: NEGOTIATED[404],
    },
)
def ontology_file(request: Request, ext: str) -> Response:
    if f".{ext}" not in SUFFIXES:
        raise ProblemError(
            404, "Unknown format", f"the ontology is available as: {', '.join(SUFFIXES)}"
        )
    return _ontology(request, f".{ext}")


# ---------------------------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------------------------

_END = object()


class _Pipe:
    """A file object for a serializer running in its own thread: each write goes to the response
    as it happens, and waits while the client reads slowly (the queue is short)."""

    def __init__(self) -> None:
        self.chunks: queue.Queue = queue.Queue(maxsize=8)
        self.abandoned = threading.Event()

    def send(self, item: object) -> None:
        while not self.abandoned.is_set():
            with contextlib.suppress(queue.Full):
                self.chunks.put(item, timeout=0.2)
                return
        raise BrokenPipeError("the client stopped reading")

    def write(self, data: bytes) -> int:
        self.send(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Every write is sent at once; nothing is held back."""


def _stream(serialize: Callable[[_Pipe], None]) -> Iterator[bytes]:
    """Run serialize(pipe) in a thread and yield what it writes. A failure half-way is raised
    here, so the server cuts the response off instead of ending it as if it were complete."""
    pipe = _Pipe()

    def produce() -> None:
        try:
            serialize(pipe)
            outcome: object = _END
        except Exception as error:
            outcome = error
        with contextlib.suppress(BrokenPipeError):
            pipe.send(outcome)

    threading.Thread(target=produce, name="hsvo-dump", daemon=True).start()
    try:
        while (item := pipe.chunks.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        pipe.abandoned.set()


def _download(
    request: Request, serialize: Callable[[_Pipe], None], media: str, ext: str
) -> StreamingResponse:
    filename = f"hsvo-graph-{request.app.state.live.build_id}.{ext}"
    return StreamingResponse(
        _stream(serialize),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/dump.nq",
    summary="Every named graph, as N-Quads (streamed)",
    response_class=StreamingResponse,
    responses={200: {"description": "A download", "content": {"application/n-quads": {}}}},
)
def dump_quads(request: Request) -> StreamingResponse:
    store = _store(request)
    return _download(
        request,
        lambda out: store.dump(out, format=ox.RdfFormat.N_QUADS),
        "application/n-quads",
        "nq",
    )


@router.get(
    "/dump.ttl",
    summary="The union of all graphs, as Turtle (streamed)",
    response_class=StreamingResponse,
    responses={200: {"description": "A download", "content": {"text/turtle": {}}}},
)
def dump_turtle(request: Request) -> StreamingResponse:
    store = _store(request)

    def serialize(out: _Pipe) -> None:
        ox.serialize(
            union_triples(store), out, format=ox.RdfFormat.TURTLE, prefixes=DOCUMENT_PREFIXES
        )

    return _download(request, serialize, "text/turtle", "ttl")
