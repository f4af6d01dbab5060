"""Parse source files into one named graph each, so every triple remembers the file it came from.

Parsing is done by Oxigraph (fast, with exact error positions); the same triples are also turned
into an rdflib Graph, because pyshacl must validate a plain rdflib Graph
(see shared/notes/shacl-at-scale.md).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
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

    def rdflib_triples(
        self, kinds: Iterable[str] = ("data",), graph_of: dict | None = None
    ) -> list[tuple]:
        """The chosen kinds of file ("data", "ontology") as one list of rdflib triples; a
        triple in two files is there twice. Terms are converted once each and shared: most
        IRIs recur, and converting them again was a third of the time at 1M triples.
        `graph_of`, when given, gets each subject's (first) graph."""
        wanted = set(kinds)
        converted: dict = {}

        def term(t):
            found = converted.get(t)
            if found is None:
                found = converted[t] = to_rdflib(t)
            return found

        triples = []
        for source in self.files:
            if _kind(source) not in wanted:
                continue
            for t in source.triples:
                subject = term(t.subject)
                triples.append((subject, term(t.predicate), term(t.object)))
                if graph_of is not None and subject not in graph_of:
                    graph_of[subject] = source.graph
        return triples

    def rdflib_graph(self, kinds: Iterable[str] = ("data",)) -> Graph:
        """The union of the chosen kinds of file as one rdflib Graph."""
        graph = Graph()
        for triple in self.rdflib_triples(kinds):
            graph.add(triple)
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


def parse_file(path: Path, root: Path, content: bytes | None = None) -> SourceFile:
    """Parse one file (or the content read from it); a syntax error becomes SourceSyntaxError
    with file and line."""
    graph = graph_name(path, root)
    if content is None:
        content = path.read_bytes()
    _check_utf8(path, content)
    try:
        parsed = ox.parse(content, format=FORMATS[path.suffix])
        triples = list(dict.fromkeys(q.triple for q in parsed))  # a file may repeat a triple
    except SyntaxError as error:
        raise SourceSyntaxError(path, error.lineno, error.offset, error.msg) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise SourceSyntaxError(path, None, None, str(error)) from None
    return SourceFile(path=path, graph=graph, triples=stable_blank_nodes(triples, graph))


def _check_utf8(path: Path, content: bytes) -> None:
    """SourceSyntaxError at the first byte that is not UTF-8: the parser checks only what it
    reads as terms, so a broken byte in a comment would otherwise pass."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as error:
        start = content.rfind(b"\n", 0, error.start) + 1
        line = content.count(b"\n", 0, error.start) + 1
        column = len(content[start : error.start].decode("utf-8", "replace")) + 1
        raise SourceSyntaxError(path, line, column, f"invalid UTF-8: {error.reason}") from None


def stable_blank_nodes(triples: list[ox.Triple], graph: str) -> list[ox.Triple]:
    """The triples with every blank node named after what it holds and where it hangs.

    The parser names blank nodes at random, so each parse of an unchanged file would look
    like a different graph to `hsvo build`'s incremental mode, and its report would name
    nodes that no longer exist. Here a blank node's id is a hash of its content (its
    predicates and values, nested blank nodes included) and of its anchors (the subject and
    predicate that point to it, up to the nearest IRI), prefixed by the file's graph: the same
    file always gives the same ids, an edit renames only the blank nodes it touches, and two
    files never share one. Blank nodes identical in content and anchors (which no query can
    tell apart) are numbered in a stable order.
    (Oxigraph's Dataset.canonicalize numbers nodes by position, so one new node renames many.)
    """
    outgoing: dict = defaultdict(list)
    incoming: dict = defaultdict(list)
    plain, blank = [], []
    for t in triples:
        from_blank, to_blank = (
            isinstance(t.subject, ox.BlankNode),
            isinstance(t.object, ox.BlankNode),
        )
        if from_blank:
            outgoing[t.subject].append((t.predicate, t.object))
        if to_blank:
            incoming[t.object].append((t.subject, t.predicate))
        (blank if from_blank or to_blank else plain).append(t)
    if not blank:
        return triples
    nodes = set(outgoing) | set(incoming)
    content = _fold(nodes, outgoing, lambda p, d: f"{p} {d}", "[]")
    anchor = _fold(nodes, incoming, lambda s, p: f"{s} {p}", "{}")
    prefix = hashlib.sha1(graph.encode()).hexdigest()[:8]
    digests = {
        node: hashlib.sha1(f"{anchor[node]} {content[node]}".encode()).hexdigest()[:20]
        for node in nodes
    }
    seen: Counter = Counter()
    renamed = {}
    for node in sorted(nodes, key=lambda n: digests[n]):
        digest = digests[node]
        seen[digest] += 1
        suffix = f"-{seen[digest]}" if seen[digest] > 1 else ""
        renamed[node] = ox.BlankNode(f"b{prefix}{digest}{suffix}")

    def term(t):
        return renamed[t] if isinstance(t, ox.BlankNode) else t

    renamed_triples = (ox.Triple(term(t.subject), t.predicate, term(t.object)) for t in blank)
    return plain + list(dict.fromkeys(renamed_triples))


def _fold(nodes: set, edges: dict, show, brackets: str) -> dict:
    """Each blank node's digest of its edges (sorted), a neighbouring blank node standing in by
    its own digest, "(cycle)" when it is on the path being folded. An explicit stack instead of
    recursion: a list of a thousand items is a chain of a thousand blank nodes."""
    done: dict = {}

    def blank_neighbours(node) -> Iterator:
        return (n for e in edges[node] for n in e if isinstance(n, ox.BlankNode))

    for root in nodes:
        if root in done:
            continue
        stack, path = [(root, blank_neighbours(root))], {root}
        while stack:
            node, todo = stack[-1]
            step = next((n for n in todo if n not in done and n not in path), None)
            if step is not None:
                stack.append((step, blank_neighbours(step)))
                path.add(step)
                continue
            stack.pop()
            path.discard(node)
            parts = sorted(
                show(*(done.get(n, "(cycle)") if isinstance(n, ox.BlankNode) else n for n in e))
                for e in edges[node]
            )
            text = brackets[0] + "; ".join(parts) + brackets[1]
            done[node] = hashlib.sha1(text.encode()).hexdigest()
    return done


def load(roots: Iterable[Path]) -> LoadedSources:
    """Parse every RDF file under the roots into its own named graph."""
    return load_files(source_files(roots))


def load_files(
    files: Iterable[tuple[Path, Path]], contents: dict[Path, bytes] | None = None
) -> LoadedSources:
    """Parse the given (file, root) pairs, each into its own named graph; from `contents`
    where given (the bytes already read from a file), else from disk."""
    contents = contents or {}
    loaded = LoadedSources()
    seen: dict[str, Path] = {}
    for path, root in files:
        source = parse_file(path, root, contents.get(path))
        if source.graph in seen:
            raise SourceSyntaxError(path, None, None, f"same graph name as {seen[source.graph]}")
        seen[source.graph] = path
        loaded.files.append(source)
    return loaded
