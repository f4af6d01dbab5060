"""SHACL validation with pyshacl, turned into a report a curator can act on.

pyshacl validates a plain rdflib Graph (never the Oxigraph store: measured slower and wrong,
see shared/notes/shacl-at-scale.md). The ontology is given as ont_graph, so sh:class and
sh:targetClass see rdfs:subClassOf without a separate inference pass.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing
import os
import signal
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
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
    """pyshacl's results graph, run the one way this project runs it (no inference).

    inplace=True lets pyshacl mix the ontology into `data` itself instead of into a copy
    (measured: the copy is a quarter of the time at 100k triples); only for a throwaway graph.
    """
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


Triple = tuple  # (subject, predicate, object) in rdflib terms


def _graph(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    add = graph.add
    for triple in triples:
        add(triple)
    return graph


def _owner(node, parts: int) -> int:
    """Which part validates a node as a focus node: stable across processes (no hash seed)."""
    return zlib.crc32(str(node).encode()) % parts


def incoming_predicates(shapes: Graph) -> set:
    """Predicates whose triples a shape reads from the object's side: inverse paths
    (q-CollaborationBody-establishedBy) and sh:targetObjectsOf (the period shapes)."""
    return set(shapes.objects(None, SH.inversePath)) | set(shapes.objects(None, SH.targetObjectsOf))


Lookup = Callable[[object], Iterable[Triple]]


def neighbourhood(focus: Iterable, outgoing: Lookup, incoming: Lookup) -> set[Triple]:
    """Every triple our shapes read when they validate the focus nodes: each node's outgoing
    triples and its incoming triples of the `incoming_predicates`, plus the outgoing triples of
    every node those reach (what a value is, for sh:class and sh:or; a period's dates).

    Other incoming triples stay out: a class or a law that every resource points to would
    otherwise pull in the whole graph. Shapes that look further would need a wider
    neighbourhood; tests/test_validation_equivalence.py holds the split and the incremental
    build, which both rest on this, to plain pyshacl on the whole graph.
    """
    triples: set[Triple] = set()
    reached: set = set()
    for node in focus:
        for triple in outgoing(node):
            triples.add(triple)
            reached.add(triple[2])
        for triple in incoming(node):
            triples.add(triple)
            reached.add(triple[0])
    for node in reached:
        if not isinstance(node, Literal):
            triples.update(outgoing(node))
    return triples


def validate_focus(
    triples: Iterable[Triple], focus: set, shapes: Graph, ontology: Graph | None
) -> list[Triple]:
    """Validate a neighbourhood graph and keep the results about the focus nodes only (its
    other nodes are seen with part of their triples), as triples of result descriptions.

    The whole small graph is validated: pyshacl's focus_nodes option skips sh:node on values.
    """
    with _fast_pyshacl():
        results = _pyshacl(_graph(triples), shapes, ontology, inplace=True)
    kept = Graph()
    for node in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(node, SH.focusNode) in focus:
            _copy_description(results, node, kept)
    return list(kept)


class TripleIndex:
    """Triples by subject, and by object for the incoming predicates: the lookups
    `neighbourhood` needs, over a list of triples."""

    def __init__(self, triples: Iterable[Triple], incoming: set):
        self.by_subject: dict = defaultdict(list)
        self.by_object: dict = defaultdict(list)
        for triple in triples:
            self.by_subject[triple[0]].append(triple)
            if triple[1] in incoming:
                self.by_object[triple[2]].append(triple)

    def outgoing(self, node) -> list[Triple]:
        return self.by_subject.get(node, ())

    def incoming(self, node) -> list[Triple]:
        return self.by_object.get(node, ())


_SHARED: tuple[TripleIndex, dict, Graph, Graph | None, int] | None = None


def _parts_of_groups(groups: Mapping[object, str], parts: int) -> dict:
    """Node -> part, keeping each group (a file) whole, groups spread by size: a file's nodes
    mostly point at each other, so whole files overlap least in their neighbourhoods."""
    sizes: dict[str, int] = defaultdict(int)
    for group in groups.values():
        sizes[group] += 1
    load = [0] * parts
    part_of_group = {}
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        part_of_group[group] = load.index(min(load))
        load[part_of_group[group]] += sizes[group]
    return {node: part_of_group[group] for node, group in groups.items()}


def _validate_part(part: int) -> list[Triple]:
    """One part of a split validation: its own focus nodes, in their neighbourhood (pickled
    terms keep the blank-node ids of the data, which N-Triples would not)."""
    assert _SHARED is not None, "set by _split_validate before the workers fork"
    index, part_of, shapes, ontology, parts = _SHARED
    own = {
        n
        for n in [*index.by_subject, *index.by_object]
        if (part_of[n] if n in part_of else _owner(n, parts)) == part
    }
    triples = neighbourhood(own, index.outgoing, index.incoming)
    return validate_focus(triples, own, shapes, ontology)


def _copy_description(source: Graph, node, target: Graph) -> None:
    """A result node with its blank-node tree (a result path such as [ sh:inversePath p ])."""
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_description(source, o, target)


def results_graph(result_triples: Iterable[Triple]) -> Graph:
    """A sh:ValidationReport holding the given result descriptions."""
    merged = _graph(result_triples)
    report = BNode()
    merged.add((report, RDF.type, SH.ValidationReport))
    results = list(merged.subjects(RDF.type, SH.ValidationResult))
    for node in results:
        merged.add((report, SH.result, node))
    conforms = not any(merged.value(n, SH.resultSeverity) == SH.Violation for n in results)
    merged.add((report, SH.conforms, Literal(conforms)))
    return merged


def _die_with_parent(parent: int) -> None:
    """Linux: a build killed mid-way takes its validation processes with it. A parent killed
    between the fork and this call sends no signal, so a child that finds itself orphaned
    already exits at once (else it could wait forever on a lock the fork copied held)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _split_validate(
    triples: list[Triple],
    shapes: Graph,
    ontology: Graph | None,
    parts: int,
    meanwhile: Callable[[], None],
    groups: Mapping[object, str] | None = None,
) -> Graph:
    """Validate parts of the graph in forked worker processes and merge their results; this
    process runs `meanwhile` as they work.

    Each part builds its own rdflib graph, of its focus nodes' neighbourhood only, so filling
    rdflib's store (the slowest step before validation) runs in parallel too. Forked workers
    share the parent's index instead of pickling a million triples; they run pure Python, so
    forking is safe even in a process that has used an Oxigraph store.
    """
    global _SHARED
    part_of = _parts_of_groups(groups or {}, parts)
    _SHARED = (TripleIndex(triples, incoming_predicates(shapes)), part_of, shapes, ontology, parts)
    try:
        pool_args = (parts, _die_with_parent, (os.getpid(),))
        with multiprocessing.get_context("fork").Pool(*pool_args) as pool:
            pending = pool.map_async(_validate_part, range(parts))
            meanwhile()
            kept = pending.get()
    finally:
        _SHARED = None
    return results_graph(t for part in kept for t in part)


def validate(
    data: Graph | Iterable[Triple],
    shapes: Graph,
    ontology: Graph | None = None,
    files_by_subject: Mapping[str, set[str]] | None = None,
    mode: Mode = "fast",
    workers: int = 1,
    meanwhile: Callable[[], None] = lambda: None,
    groups: Mapping[object, str] | None = None,
) -> ValidationReport:
    """Validate and collect every result (violations and warnings alike).

    "reference" is plain pyshacl on the data as given; "fast" gives the same results
    (tests/test_validation_equivalence.py asserts it) sooner at scale: pyshacl's repeated
    lookups made once (_fast_pyshacl) and the ontology mixed into a graph of our own instead
    of a copy. With workers > 1 the focus nodes are also split by subject over that many
    processes (measured at 1M triples on 2 cores in the README's performance section), and
    `meanwhile` runs in this process while they work (else before validation). `groups`
    (node -> file, say) keeps each group's nodes in one part; other nodes go by hash.
    """
    if workers <= 1 or mode == "reference":
        meanwhile()
    if mode == "reference":
        graph = data if isinstance(data, Graph) else _graph(data)
        results = _pyshacl(graph, shapes, ontology)
    elif workers > 1:
        results = _split_validate(list(data), shapes, ontology, workers, meanwhile, groups)
    else:
        with _fast_pyshacl():
            results = _pyshacl(_graph(data), shapes, ontology, inplace=True)
    return report_from(results, shapes, files_by_subject or {})


def report_from(
    results: Graph, shapes: Graph, files_by_subject: Mapping[str, set[str]]
) -> ValidationReport:
    found = [
        _result(results, shapes, node, files_by_subject)
        for node in results.subjects(RDF.type, SH.ValidationResult)
    ]
    found.sort(key=result_order)
    return ValidationReport(results=found, results_graph=results)


def result_order(result: ValidationResult) -> tuple:
    return (result.severity, result.shape, result.focus, result.path or "", result.value or "")


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
