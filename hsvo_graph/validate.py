"""SHACL validation with pyshacl, turned into a report a curator can act on.

pyshacl validates a plain rdflib Graph (never the Oxigraph store: measured slower and wrong,
see shared/notes/shacl-at-scale.md). The ontology is given as ont_graph, so sh:class and
sh:targetClass see rdfs:subClassOf without a separate inference pass.
"""

from __future__ import annotations

import json
import multiprocessing
import zlib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal as Choice

import pyshacl.shape
from pyshacl import validate as pyshacl_validate
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.shapes_graph import ShapesGraph
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor

from hsvo_graph.namespaces import SH, shorten

SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result, with the file its focus node was described in."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    shape: str
    component: str
    messages: dict[str, str]
    files: tuple[str, ...] = ()

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang) or next(iter(self.messages.values()), "")


@dataclass
class ValidationReport:
    results: list[ValidationResult] = field(default_factory=list)
    results_graph: Graph | None = None

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def summary(self) -> dict:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
        }

    def to_dict(self) -> dict:
        return {**self.summary(), "results": [asdict(r) for r in self.results]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_turtle(self) -> str:
        graph = self.results_graph if self.results_graph is not None else Graph()
        return graph.serialize(format="turtle")

    def to_text(self, lang: str = "en") -> str:
        """Readable report: one block per result, violations first."""
        if not self.results:
            return "Validation: conforms, no violations and no warnings.\n"
        ordered = sorted(self.results, key=lambda r: (r.severity != "Violation", r.files, r.focus))
        blocks = [_text_block(r, lang) for r in ordered]
        s = self.summary()
        blocks.append(f"Validation: {s['violations']} violation(s), {s['warnings']} warning(s).\n")
        return "\n".join(blocks)


def _text_block(result: ValidationResult, lang: str) -> str:
    lines = [f"{result.severity.upper()}  {', '.join(result.files) or '(no file)'}"]
    lines.append(f"  focus:   {result.focus}")
    if result.path:
        lines.append(f"  path:    {result.path}")
    if result.value is not None:
        lines.append(f"  value:   {result.value}")
    lines.append(f"  shape:   {result.shape}")
    lines.append(f"  message: {result.message(lang)}")
    return "\n".join(lines) + "\n"


def load_graph(paths: Iterable[Path]) -> Graph:
    """All Turtle files under the paths, merged into one rdflib Graph (for shapes and ontology)."""
    graph = Graph()
    for path in paths:
        path = Path(path)
        for file in [path] if path.is_file() else sorted(path.rglob("*.ttl")):
            graph.parse(file, format="turtle")
    return graph


def _shape_messages(shapes: Graph, node) -> dict[str, str]:
    """The sh:message texts of a shape or constraint by language."""
    return {
        m.language: str(m)
        for m in shapes.objects(node, SH.message)
        if isinstance(m, Literal) and m.language
    }


Mode = Choice["fast", "reference"]


class _ParameterList(list):
    """pyshacl's list of constraint parameters, with `in` answered by a set.

    pyshacl 0.40.1 (shape.py, Shape.validate) tests `p in parameters` against this ~40-item
    list for every predicate of a shape, on every evaluation of the shape (once per focus node
    for nested property shapes): at 100k triples a quarter of the validation time (profiled),
    in rdflib's Python-level URIRef.__eq__. A set gives the same answers (URIRef hashes agree
    with its equality). In advanced mode pyshacl copies the list and appends sh:expression, so
    copy and append keep the set in step.
    """

    def __init__(self, items=()):
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item) -> bool:
        return item in self._members

    def copy(self) -> _ParameterList:
        return _ParameterList(self)

    def append(self, item) -> None:
        super().append(item)
        self._members.add(item)


@contextmanager
def _fast_pyshacl() -> Iterator[None]:
    """Three things pyshacl repeats per focus node, done once, while pyshacl runs.

    1. rdflib's SPARQLProcessor.query parses and translates a query string on every call, and
       pyshacl 0.40.1 hands it the same text (an sh:sparql constraint, ...) for every focus
       node with different initBindings. The wrapper translates each (text, base, namespaces)
       once and evaluates the prepared Query, as rdflib.plugins.sparql.prepareQuery does.
    2. pyshacl.shape's cached constraint-parameter list (module attribute CONSTRAINT_PARAMS,
       which pyshacl fills itself on first use) becomes a _ParameterList.
    3. Shape.validate reads all of a shape's (predicate, object) pairs from the shapes graph on
       every evaluation, through ShapesGraph.predicate_objects; the wrapper remembers them per
       ShapesGraph and shape node (pyshacl never changes a shapes graph while validating).

    Evaluation, and so every result, is unchanged; all three are undone on exit.
    """
    original = SPARQLProcessor.query
    cache: dict[tuple, object] = {}

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
            if key not in cache:
                cache[key] = translateQuery(parseQuery(strOrQuery), base, initNs)
            strOrQuery = cache[key]  # noqa: N806
        return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

    original_po = ShapesGraph.predicate_objects

    def predicate_objects(self, s):
        memo = self.__dict__.setdefault("_hsvo_predicate_objects", {})
        if s not in memo:
            memo[s] = tuple(original_po(self, s))
        return iter(memo[s])

    had_params = hasattr(pyshacl.shape, "CONSTRAINT_PARAMS")
    saved_params = getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None)
    SPARQLProcessor.query = query
    ShapesGraph.predicate_objects = predicate_objects
    pyshacl.shape.CONSTRAINT_PARAMS = (
        _ParameterList(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )
    try:
        yield
    finally:
        SPARQLProcessor.query = original
        ShapesGraph.predicate_objects = original_po
        if had_params:
            pyshacl.shape.CONSTRAINT_PARAMS = saved_params
        else:
            del pyshacl.shape.CONSTRAINT_PARAMS


def _pyshacl(data: Graph, shapes: Graph, ontology: Graph | None, inplace: bool = False) -> Graph:
    """pyshacl's results graph, run the one way this project runs it (no inference)."""
    _, results_graph, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=inplace,
    )
    return results_graph


def _owner(node, parts: int) -> int:
    """Which part validates a node as a focus node: stable across processes (no hash seed)."""
    return zlib.crc32(str(node).encode()) % parts


def _incoming_predicates(shapes: Graph) -> set:
    """Predicates whose triples a shape reads from the object's side: inverse paths
    (q-CollaborationBody-establishedBy) and sh:targetObjectsOf (the period shapes)."""
    return set(shapes.objects(None, SH.inversePath)) | set(shapes.objects(None, SH.targetObjectsOf))


def _neighbourhood(data: Graph, incoming: set, part: int, parts: int) -> Graph:
    """The part's own nodes with their outgoing triples and the incoming triples of the
    `incoming` predicates, plus the outgoing triples of every node those reach.

    That is every triple our shapes read about an own focus node: its values and inverse-path
    values, what those values are (sh:class, sh:or), and the triple that makes a period a
    target. Other incoming triples stay out: a class or a law that every resource points to
    would otherwise pull the whole graph into its owner's part. Shapes that look further would
    need a wider part; tests/test_validation_equivalence.py holds the split to plain pyshacl.
    """
    own = Graph()
    neighbours: set = set()
    for triple in data:
        s, p, o = triple
        if _owner(s, parts) == part:
            own.add(triple)
            neighbours.add(o)
        elif p in incoming and _owner(o, parts) == part:
            own.add(triple)
            neighbours.add(s)
    for node in neighbours:
        if not isinstance(node, Literal):
            for p, o in data.predicate_objects(node):
                own.add((node, p, o))
    return own


_SHARED: tuple[Graph, Graph, Graph | None, int] | None = None


def _validate_part(part: int) -> list[tuple]:
    """Validate one part fully (no focus_nodes option: it skips sh:node on values), keep the
    results about its own focus nodes, and hand back their triples (pickled terms keep the
    blank-node ids of the data, which N-Triples would not)."""
    assert _SHARED is not None, "set by _split_validate before the workers fork"
    data, shapes, ontology, parts = _SHARED
    graph = _neighbourhood(data, _incoming_predicates(shapes), part, parts)
    with _fast_pyshacl():
        results = _pyshacl(graph, shapes, ontology, inplace=True)
    kept = Graph()
    for node in results.subjects(RDF.type, SH.ValidationResult):
        if _owner(results.value(node, SH.focusNode), parts) == part:
            _copy_description(results, node, kept)
    return list(kept)


def _copy_description(source: Graph, node, target: Graph) -> None:
    """A result node with its blank-node tree (a result path such as [ sh:inversePath p ])."""
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_description(source, o, target)


def _split_validate(data: Graph, shapes: Graph, ontology: Graph | None, parts: int) -> Graph:
    """Validate parts of the graph in forked worker processes and merge their results.

    Forked workers share the parent's parsed graphs instead of pickling a million triples.
    """
    global _SHARED
    _SHARED = (data, shapes, ontology, parts)
    try:
        with multiprocessing.get_context("fork").Pool(parts) as pool:
            kept = pool.map(_validate_part, range(parts))
    finally:
        _SHARED = None
    merged = Graph()
    report = BNode()
    merged.add((report, RDF.type, SH.ValidationReport))
    for triples in kept:
        for triple in triples:
            merged.add(triple)
    results = list(merged.subjects(RDF.type, SH.ValidationResult))
    for node in results:
        merged.add((report, SH.result, node))
    conforms = not any(merged.value(n, SH.resultSeverity) == SH.Violation for n in results)
    merged.add((report, SH.conforms, Literal(conforms)))
    return merged


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    files_by_subject: Mapping[str, set[str]] | None = None,
    mode: Mode = "fast",
    workers: int = 1,
) -> ValidationReport:
    """Validate and collect every result (violations and warnings alike).

    "reference" is plain pyshacl; "fast" gives the same results (tests/test_validation_
    equivalence.py asserts it) sooner at scale, by making pyshacl's repeated lookups once
    (_fast_pyshacl). With workers > 1 the focus nodes are also split by subject over that many
    processes; one process is the default because the split measured slower on the 2-core
    build machine (parts overlap by their neighbourhoods, and its two cores give about 1.3x).
    """
    if mode == "reference":
        results_graph = _pyshacl(data, shapes, ontology)
    elif workers > 1:
        results_graph = _split_validate(data, shapes, ontology, workers)
    else:
        with _fast_pyshacl():
            results_graph = _pyshacl(data, shapes, ontology)
    files_by_subject = files_by_subject or {}
    results = [
        _result(results_graph, shapes, node, files_by_subject)
        for node in results_graph.subjects(RDF.type, SH.ValidationResult)
    ]
    results.sort(key=lambda r: (r.severity, r.shape, r.focus, r.path or "", r.value or ""))
    return ValidationReport(results=results, results_graph=results_graph)


def _term_text(term) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return term.n3()
    return str(term)


def _path_text(graph: Graph, path) -> str | None:
    if path is None:
        return None
    if isinstance(path, BNode):
        inverse = graph.value(path, SH.inversePath)
        if inverse is not None:
            return f"^{shorten(str(inverse))}"
        return "(complex path)"
    return shorten(str(path))


def _result(
    graph: Graph, shapes: Graph, node, files_by_subject: Mapping[str, set[str]]
) -> ValidationResult:
    focus = graph.value(node, SH.focusNode)
    constraint = graph.value(node, SH.sourceConstraint)
    source_shape = graph.value(node, SH.sourceShape)
    # A named SPARQL constraint identifies the rule better than the node shape that holds it.
    shape = (
        constraint if constraint is not None and not isinstance(constraint, BNode) else source_shape
    )
    messages = {
        m.language: str(m)
        for m in graph.objects(node, SH.resultMessage)
        if isinstance(m, Literal) and m.language
    }
    if not messages:
        # pyshacl drops the language tags of messages from SPARQL constraints; the shapes
        # graph still has them (our messages have no {?var} placeholders to fill in).
        untagged = [str(m) for m in graph.objects(node, SH.resultMessage)]
        messages = _shape_messages(shapes, shape) or ({"und": untagged[0]} if untagged else {})
    focus_text = _term_text(focus) or ""
    return ValidationResult(
        severity=SEVERITIES.get(graph.value(node, SH.resultSeverity), "Violation"),
        focus=focus_text,
        path=_path_text(graph, graph.value(node, SH.resultPath)),
        value=_term_text(graph.value(node, SH.value)),
        shape=shorten(str(shape)) if not isinstance(shape, BNode) else "(anonymous shape)",
        component=shorten(str(graph.value(node, SH.sourceConstraintComponent))),
        messages=messages,
        files=tuple(sorted(files_by_subject.get(focus_text, ()))),
    )
