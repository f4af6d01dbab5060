"""Rebuild after a few data files changed, without validating the whole graph again.

The new store starts as a checkpoint of the live one (hard links, milliseconds), and only the
triples that differ are removed and added. Validation then covers the nodes whose results
could have changed: a focus node is validated on its neighbourhood (validate.neighbourhood),
so a changed triple (s, p, o) can only change the results of s, of the nodes pointing at s,
of o when p is read from the object's side, and of the nodes such a triple of s points at.
Those are validated again on their neighbourhood in the new store; every other result is
carried over from the live build. tests/test_incremental.py holds the outcome to a full build.

A full build is made instead whenever the shapes, the ontology, the software or the parsed
form of blank nodes may differ from the live build's, or the live build does not say what
its files were.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from hsvo_graph import loader
from hsvo_graph.validate import (
    ValidationReport,
    ValidationResult,
    incoming_predicates,
    neighbourhood,
    report_from,
    result_order,
    results_graph,
    validate_focus,
)


def fingerprint(shapes: Path, ontology: Path, software: str) -> str:
    """What must be unchanged for the live build's results to be reused."""
    digest = hashlib.sha256(f"{software} pyoxigraph {ox.__version__}".encode())
    for root in (shapes, ontology):
        root = Path(root)
        for file in [root] if root.is_file() else sorted(root.rglob("*.ttl")):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@dataclass
class Plan:
    """What differs from the live build: files to parse again and graphs to drop."""

    changed: list[tuple[Path, Path]]  # (file, root) of new or edited files
    removed: list[str]  # graph names of files that are gone


def plan(
    previous: dict | None, files: list[tuple[Path, Path]], digests: dict, print_: str
) -> Plan | None:
    """The changes since the live build, or None when only a full build is safe.
    `digests` is graph name -> {"sha256": ...} for the files now."""
    if not previous or previous.get("fingerprint") != print_ or "sources" not in previous:
        return None
    before = previous["sources"]  # graph name -> {"path", "sha256"}
    changed = [
        (path, root)
        for path, root in files
        if before.get(graph := loader.graph_name(path, root), {}).get("sha256")
        != digests[graph]["sha256"]
    ]
    removed = sorted(set(before) - set(digests))
    return Plan(changed=changed, removed=removed)


def _triples(store: ox.Store, graph: str) -> set[ox.Triple]:
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def apply(
    db: ox.Store, plan_: Plan, parsed: list[loader.SourceFile]
) -> tuple[set[ox.Triple], set[ox.Triple]]:
    """Turn the checkpoint of the live build into the new build's store: remove and add only
    the triples that differ per graph. Returns the triples removed and added."""
    removed: set[ox.Triple] = set()
    added: set[ox.Triple] = set()
    for graph in plan_.removed:
        removed |= _triples(db, graph)
        db.remove_graph(ox.NamedNode(graph))
    for source in parsed:
        name = ox.NamedNode(source.graph)
        old = _triples(db, source.graph)
        new = set(source.triples)
        gone, fresh = old - new, new - old
        for t in gone:
            db.remove(ox.Quad(t.subject, t.predicate, t.object, name))
        db.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in fresh)
        removed |= gone
        added |= fresh
    db.flush()
    return removed, added


def _in_any_graph(db: ox.Store, s=None, p=None, o=None) -> Iterable[ox.Triple]:
    return {q.triple for q in db.quads_for_pattern(s, p, o)}


def affected_nodes(db: ox.Store, changed: Iterable[ox.Triple], incoming: set) -> set:
    """Every node whose validation could read one of the changed triples (module docstring)."""
    incoming_ox = [ox.NamedNode(str(p)) for p in incoming]
    nodes: set = set()
    for t in changed:
        subject = t.subject
        nodes.add(subject)
        if t.predicate in incoming_ox and not isinstance(t.object, ox.Literal):
            nodes.add(t.object)
        nodes.update(q.subject for q in _in_any_graph(db, o=subject))
        for predicate in incoming_ox:
            nodes.update(q.object for q in _in_any_graph(db, s=subject, p=predicate))
    return {n for n in nodes if not isinstance(n, ox.Literal)}


def revalidate(
    db: ox.Store,
    changed: set[ox.Triple],
    previous_results: list[dict],
    shapes: Graph,
    ontology: Graph,
    files_of_graph: dict[str, str],
) -> ValidationReport:
    """The new build's report: the affected nodes validated again, the rest carried over."""
    incoming = incoming_predicates(shapes)
    incoming_ox = [ox.NamedNode(str(p)) for p in incoming]
    focus = affected_nodes(db, changed, incoming)

    def outgoing(node):
        return () if isinstance(node, ox.Literal) else _in_any_graph(db, s=node)

    def incoming_of(node):
        return {t for p in incoming_ox for t in _in_any_graph(db, p=p, o=node)}

    triples = neighbourhood(focus, outgoing, incoming_of)
    term = {}

    def rdflib_term(t):
        if t not in term:
            term[t] = loader.to_rdflib(t)
        return term[t]

    kept = validate_focus(
        [(rdflib_term(s), rdflib_term(p), rdflib_term(o)) for s, p, o in triples],
        {rdflib_term(n) for n in focus},
        shapes,
        ontology,
    )
    fresh = report_from(results_graph(kept), shapes, {})
    files_by_focus = {}
    for result in fresh.results:
        node = _ox_node(result.focus)
        graphs = {q.graph_name.value for q in db.quads_for_pattern(node, None, None)}
        files_by_focus[result.focus] = tuple(sorted(files_of_graph.get(g, g) for g in graphs))
    focus_texts = {_text(n) for n in focus}
    carried = [
        ValidationResult(**{**r, "files": tuple(r["files"])})
        for r in previous_results
        if r["focus"] not in focus_texts
    ]
    redone = [
        ValidationResult(**{**r.__dict__, "files": files_by_focus.get(r.focus, ())})
        for r in fresh.results
    ]
    return ValidationReport(results=sorted(carried + redone, key=result_order))


def _text(node) -> str:
    """A node as validate._term_text writes a focus node."""
    return f"_:{node.value}" if isinstance(node, ox.BlankNode) else node.value


def _ox_node(text: str):
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text)
