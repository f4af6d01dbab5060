"""SHACL validation with pyshacl, turned into a report a curator can act on.

pyshacl validates a plain rdflib Graph (never the Oxigraph store: measured slower and wrong,
see shared/notes/shacl-at-scale.md). The ontology is given as ont_graph, so sh:class and
sh:targetClass see rdfs:subClassOf without a separate inference pass.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF

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


def validate(
    data: Graph,
    shapes: Graph,
    ontology: Graph | None = None,
    files_by_subject: Mapping[str, set[str]] | None = None,
) -> ValidationReport:
    """Run pyshacl and collect every result (violations and warnings alike)."""
    _, results_graph, _ = pyshacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
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
