"""Parse source files into one named graph each, so every triple remembers the file it came from.

Parsing is done by Oxigraph (fast, with exact error positions); the same triples are also turned
into an rdflib Graph, because pyshacl must validate a plain rdflib Graph
(see shared/notes/shacl-at-scale.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from hsvo_graph.namespaces import GRAPH

FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}
_XSD_STRING = str(XSD.string)


class SourceSyntaxError(Exception):
    """A data file does not parse; carries the file and line so a curator can fix it."""

    def __init__(self, path: Path, line: int | None, column: int | None, message: str):
        self.path, self.line, self.column, self.message = path, line, column, message
        where = f"{path}:{line}:{column}" if line else str(path)
        super().__init__(f"{where}: {message}")


@dataclass
class SourceFile:
    """One parsed file: where it lives, the graph it goes into and its triples."""

    path: Path
    graph: str
    triples: list[ox.Triple]


@dataclass
class LoadedSources:
    """Everything parsed for one build."""

    files: list[SourceFile] = field(default_factory=list)

    def quads(self) -> Iterator[ox.Quad]:
        for source in self.files:
            graph = ox.NamedNode(source.graph)
            for t in source.triples:
                yield ox.Quad(t.subject, t.predicate, t.object, graph)

    def triple_counts(self) -> dict[str, int]:
        return {s.graph: len(s.triples) for s in self.files}

    def files_by_subject(self) -> dict[str, set[str]]:
        """Subject (IRI or blank node id) -> files it is described in; used to place a result."""
        where: dict[str, set[str]] = defaultdict(set)
        for source in self.files:
            for t in source.triples:
                where[_key(t.subject)].add(str(source.path))
        return where

    def rdflib_graph(self, kinds: Iterable[str] = ("data",)) -> Graph:
        """The union of the chosen kinds of file ("data", "ontology") as one rdflib Graph."""
        wanted = set(kinds)
        graph = Graph()
        for source in self.files:
            if _kind(source) not in wanted:
                continue
            for t in source.triples:
                graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph


def _kind(source: SourceFile) -> str:
    return "ontology" if source.graph.startswith(str(GRAPH) + "ontology/") else "data"


def _key(term: ox.NamedNode | ox.BlankNode) -> str:
    return term.value if isinstance(term, ox.NamedNode) else f"_:{term.value}"


def to_rdflib(term):
    """Oxigraph term -> rdflib term. xsd:string literals become plain literals, as rdflib's own
    parser makes them, so that sh:datatype and sh:in compare the way pyshacl expects."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def graph_name(path: Path, root: Path) -> str:
    """graph/<root-dir-name>/<path-without-suffix>, e.g. https://w3id.org/hsvo/graph/data/law/sfs."""
    relative = path.resolve().relative_to(root.resolve().parent).with_suffix("")
    return str(GRAPH) + relative.as_posix()


def source_files(roots: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, root) for every RDF file under the roots (a root may itself be a file)."""
    found = []
    for root in roots:
        root = Path(root)
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or directory")
        candidates = [root] if root.is_file() else sorted(root.rglob("*"))
        base = root.parent if root.is_file() else root
        found += [(p, base) for p in candidates if p.is_file() and p.suffix in FORMATS]
    return found


def parse_file(path: Path, root: Path) -> SourceFile:
    """Parse one file; a syntax error becomes SourceSyntaxError with file and line."""
    try:
        parsed = ox.parse(path=str(path), format=FORMATS[path.suffix])
        triples = list(dict.fromkeys(q.triple for q in parsed))  # a file may repeat a triple
    except SyntaxError as error:
        raise SourceSyntaxError(path, error.lineno, error.offset, error.msg) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceSyntaxError(path, None, None, str(error)) from None
    return SourceFile(path=path, graph=graph_name(path, root), triples=triples)


def load(roots: Iterable[Path]) -> LoadedSources:
    """Parse every RDF file under the roots into its own named graph."""
    loaded = LoadedSources()
    seen: dict[str, Path] = {}
    for path, root in source_files(roots):
        source = parse_file(path, root)
        if source.graph in seen:
            raise SourceSyntaxError(path, None, None, f"same graph name as {seen[source.graph]}")
        seen[source.graph] = path
        loaded.files.append(source)
    return loaded
