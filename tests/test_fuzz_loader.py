"""Broken Turtle never becomes a build: the curated files of data/, mutated at random
(truncated, a byte flipped, lines deleted, invalid UTF-8 put in), either fail with the file,
line and column a curator needs, or parse to exactly what an independent parser (rdflib)
reads in them. The build and `hsvo build` stop on the broken file with that message, no
traceback, and leave the live store as it was.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal
from rdflib.compare import to_isomorphic

from hsvo_graph import loader
from hsvo_graph.build import BuildFailed, build

from .conftest import ROOT, run_hsvo

DATA = ROOT / "data"
FILES = sorted(DATA.rglob("*.ttl"))
TRIED: Counter = Counter()  # damaged files tried, by test
ORIGINAL = {path: path.read_bytes() for path in FILES}
INVALID_UTF8 = [b"\xff", b"\x80", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf"]


def fuzz(examples: int) -> settings:
    """Hypothesis settings for a fuzz run: no deadline (a build or a request may take a
    while), no example database (nothing written into the checkout)."""
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


@pytest.fixture(scope="module", autouse=True)
def tally(request) -> Iterator[None]:
    """Print how many damaged files the module tried."""
    yield
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter = plugins.get_plugin("terminalreporter")
        reporter.write_line(f"\nTurtle loader fuzz: {sum(TRIED.values())} damaged files tried")
        for name, count in sorted(TRIED.items()):
            reporter.write_line(f"  {name}: {count}")


@dataclass(frozen=True)
class Mutant:
    """A data file with one kind of damage; `line` is where it was made (1-based)."""

    path: Path
    kind: str
    line: int
    content: bytes = field(repr=False)


def _line_at(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


@st.composite
def mutants(draw, kinds=("truncate", "flip", "delete-lines", "invalid-utf8")) -> Mutant:
    path = draw(st.sampled_from(FILES))
    original = ORIGINAL[path]
    kind = draw(st.sampled_from(kinds))
    offset = draw(st.integers(0, len(original) - 1))
    if kind == "truncate":
        content = original[:offset]
    elif kind == "flip":
        byte = draw(st.integers(0, 255).filter(lambda b: b != original[offset]))
        content = original[:offset] + bytes([byte]) + original[offset + 1 :]
    elif kind == "invalid-utf8":
        content = original[:offset] + draw(st.sampled_from(INVALID_UTF8)) + original[offset:]
    else:
        lines = original.splitlines(keepends=True)
        first = _line_at(original, offset) - 1
        count = draw(st.integers(1, 3))
        content = b"".join(lines[:first] + lines[first + count :])
    return Mutant(path, kind, _line_at(original, offset), content)


def canonical(triples: Iterable[tuple]) -> Graph:
    """The triples as a graph to compare, language tags in lower case (they are
    case-insensitive; Oxigraph lowers them, rdflib keeps them as written)."""
    graph = Graph()
    for s, p, o in triples:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        graph.add((s, p, o))
    return to_isomorphic(graph)


def rdflib_reading(content: bytes) -> Graph | None:
    """What rdflib's own Turtle parser reads in the bytes, or None if it rejects them."""
    try:
        return canonical(Graph().parse(data=content, format="turtle", publicID="urn:x-base:"))
    except Exception:  # rdflib raises many kinds for bad input; rejecting is all that counts
        return None


def assert_names_file_and_line(text: str, path: Path, lines: int) -> int:
    """The message starts `file:line:column:`, with a line inside the file; returns the line."""
    found = re.search(rf"{re.escape(str(path))}:(\d+):(\d+): \S", text)
    assert found, f"no {path}:line:column in: {text}"
    line = int(found[1])
    assert 1 <= line <= lines + 1, text
    return line


@pytest.mark.slow
@fuzz(1000)
@example(Mutant(FILES[0], "truncate", 1, ORIGINAL[FILES[0]][:-3]))
@given(mutants())
def test_a_damaged_file_fails_with_file_and_line_or_parses_to_what_it_says(mutant: Mutant):
    note(repr(mutant))
    TRIED["parsed"] += 1
    try:
        parsed = loader.parse_file(mutant.path, DATA, mutant.content)
    except loader.SourceSyntaxError as error:
        assert error.path == mutant.path and error.message
        line = assert_names_file_and_line(str(error), mutant.path, mutant.content.count(b"\n"))
        if mutant.kind == "invalid-utf8":
            assert line == mutant.line, str(error)
        return
    assert mutant.kind != "invalid-utf8", "a file that is not UTF-8 was accepted"
    expected = rdflib_reading(mutant.content)
    assert expected is not None, "accepted a file rdflib rejects"
    assert canonical(loader.LoadedSources([parsed]).rdflib_triples()) == expected


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> tuple[Path, Path]:
    """A private copy of data/ built into a store once: (data copy, store)."""
    base = tmp_path_factory.mktemp("fuzz-loader")
    data = base / "data"
    shutil.copytree(DATA, data)
    store = base / "store"
    build([data], ROOT / "ontology", ROOT / "shapes", store)
    return data, store


def broken(mutant: Mutant) -> bool:
    """True when the mutation broke the file's syntax (the build then stops while parsing)."""
    try:
        loader.parse_file(mutant.path, DATA, mutant.content)
    except loader.SourceSyntaxError:
        return True
    return False


@fuzz(200)
@given(mutant=mutants(), full=st.booleans())
def test_build_stops_on_a_broken_file_and_keeps_the_live_store(live, mutant: Mutant, full: bool):
    assume(broken(mutant))
    note(repr(mutant))
    TRIED["built in-process"] += 1
    data, store = live
    target = data / mutant.path.relative_to(DATA)
    before = store.resolve()
    target.write_bytes(mutant.content)
    try:
        with pytest.raises(BuildFailed) as failure:
            build([data], ROOT / "ontology", ROOT / "shapes", store, full=full)
    finally:
        target.write_bytes(ORIGINAL[mutant.path])
    message = str(failure.value)
    assert message.startswith("syntax error: "), message
    assert_names_file_and_line(message, target, mutant.content.count(b"\n"))
    assert store.resolve() == before


@fuzz(6)
@given(mutants(kinds=("truncate", "invalid-utf8")))
def test_hsvo_build_names_file_and_line_without_a_traceback(tmp_path_factory, mutant: Mutant):
    assume(broken(mutant))
    data = tmp_path_factory.mktemp("cli") / "data"
    shutil.copytree(DATA, data)
    TRIED["built by `hsvo build`"] += 1
    target = data / mutant.path.relative_to(DATA)
    target.write_bytes(mutant.content)
    store = data.parent / "store"
    result = run_hsvo("build", "--data", str(data), "--store", str(store))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert_names_file_and_line(result.stderr, target, mutant.content.count(b"\n"))
    assert not store.exists()


DEEP = {  # valid Turtle, nested or chained through 2,000 blank nodes
    "a long list": "<urn:a> <urn:p> ( " + " ".join(map(str, range(2000))) + " ) .\n",
    "nested lists": "<urn:a> <urn:p> " + "( " * 2000 + "1" + " )" * 2000 + " .\n",
    "nested blank nodes": "<urn:a> <urn:p> " + "[ <urn:p> " * 2000 + "1" + " ]" * 2000 + " .\n",
}


@pytest.mark.parametrize("shape", DEEP)
def test_long_lists_and_deep_nesting_load_whole(shape: str):
    content = DEEP[shape].encode()
    read = {q.triple for q in ox.parse(content, format=ox.RdfFormat.TURTLE)}
    parsed = loader.parse_file(DATA / "deep.ttl", DATA, content)
    assert len(parsed.triples) == len(read)


def test_hsvo_build_takes_a_long_list(tmp_path: Path, data_copy: Path):
    (data_copy / "deep.ttl").write_text(DEEP["a long list"], encoding="utf-8")
    result = run_hsvo("build", "--data", str(data_copy), "--store", str(tmp_path / "store"))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-3000:]
