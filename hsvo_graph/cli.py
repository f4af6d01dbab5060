"""The `hsvo` command line: build, validate, serve, query and export the graph."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyoxigraph as ox
import typer

from hsvo_graph import config, loader
from hsvo_graph.build import BuildFailed
from hsvo_graph.build import build as run_build
from hsvo_graph.namespaces import PREFIXES
from hsvo_graph.query import run as run_query
from hsvo_graph.query import serialize
from hsvo_graph.remote import RemoteError
from hsvo_graph.store import StoreNotFound, open_read_only
from hsvo_graph.validate import load_graph
from hsvo_graph.validate import validate as run_validate

app = typer.Typer(
    help="hsvo-graph: who does what in Swedish health and social care collaboration.",
    no_args_is_help=True,
    add_completion=False,
)

DataOpt = Annotated[
    list[Path] | None,
    typer.Option("--data", help="Data directory or file; repeat for several. Default: data/."),
]
StoreOpt = Annotated[
    Path, typer.Option("--store", help="Store path (a symlink to the live build).")
]
OntologyOpt = Annotated[Path, typer.Option("--ontology", help="Ontology directory or file.")]
ShapesOpt = Annotated[Path, typer.Option("--shapes", help="SHACL shapes directory or file.")]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    turtle = "turtle"


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    xml = "xml"


class Lang(StrEnum):
    sv = "sv"
    en = "en"


class ExportFormat(StrEnum):
    ttl = "ttl"
    nq = "nq"
    trig = "trig"
    jsonld = "jsonld"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _open(store: Path):
    try:
        return open_read_only(store)
    except (StoreNotFound, RemoteError, OSError) as error:
        raise _fail(str(error)) from None


@app.command()
def build(
    data: DataOpt = None,
    store: StoreOpt = config.DEFAULT_STORE,
    ontology: OntologyOpt = config.DEFAULT_ONTOLOGY,
    shapes: ShapesOpt = config.DEFAULT_SHAPES,
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Parse and validate everything, even if only some files changed."
        ),
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Validation processes (default: 2 with 2 CPUs or more)."),
    ] = None,
) -> None:
    """Parse, validate and write a new store, then swap it in atomically.

    A syntax error names file and line; SHACL violations print a report and stop the build.
    Warnings are printed and kept in build.json. The previous store keeps serving on failure.
    When only some files changed since the live build (same shapes, ontology and version),
    only they are parsed and only what they can affect is validated again.
    """
    try:
        result = run_build(
            data or [config.DEFAULT_DATA],
            ontology,
            shapes,
            store,
            log=lambda m: typer.echo(m, err=True),
            full=full,
            workers=workers,
        )
    except BuildFailed as error:
        if error.report is not None:
            typer.echo(error.report.to_text(), err=True)
        raise _fail(f"{error}; the previous store (if any) is unchanged") from None
    if result.report.warnings:
        typer.echo(result.report.to_text(), err=True)
    info = result.info
    typer.echo(
        f"built {info['triples']} triples in {len(info['graphs'])} graphs "
        f"in {info['timings_s']['total']} s ({info['mode']}); "
        f"{len(result.report.warnings)} warning(s)"
    )


@app.command()
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories. Default: data/.")
    ] = None,
    ontology: OntologyOpt = config.DEFAULT_ONTOLOGY,
    shapes: ShapesOpt = config.DEFAULT_SHAPES,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", help="Report format.")
    ] = ReportFormat.text,
) -> None:
    """Validate data against the SHACL shapes without building. Exit 1 on violations."""
    try:
        sources = loader.load(paths or [config.DEFAULT_DATA])
    except (loader.SourceSyntaxError, FileNotFoundError) as error:
        raise _fail(str(error)) from None
    report = run_validate(
        sources.rdflib_triples(),
        shapes=load_graph([shapes]),
        ontology=load_graph([ontology]),
        files_by_subject=sources.files_by_subject(),
    )
    output = {"text": report.to_text, "json": report.to_json, "turtle": report.to_turtle}[
        fmt.value
    ]()
    typer.echo(output)
    if not report.conforms:
        raise typer.Exit(1)


@app.command()
def query(
    file: Annotated[str, typer.Argument(help="File with a SPARQL query, or - for standard input.")],
    store: StoreOpt = config.DEFAULT_STORE,
    fmt: Annotated[
        TableFormat, typer.Option("--format", help="Result format.")
    ] = TableFormat.table,
) -> None:
    """Run a SPARQL query over the built store (all graphs as the default graph)."""
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    live = _open(store)
    try:
        result = run_query(live.store, text)
    except SyntaxError as error:
        raise _fail(f"query syntax error: {error}") from None
    sys.stdout.buffer.write(serialize(result, fmt.value))


@app.command()
def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help="ttl: union of all graphs; nq, trig, jsonld: with graphs."),
    ] = ExportFormat.nq,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write; default standard output.")
    ] = None,
    store: StoreOpt = config.DEFAULT_STORE,
) -> None:
    """Dump the whole graph."""
    live = _open(store)
    if fmt is ExportFormat.ttl:
        triples = {q.triple for q in live.store.quads_for_pattern(None, None, None, None)}
        data = ox.serialize(sorted(triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    elif fmt is ExportFormat.nq:
        data = live.store.dump(format=ox.RdfFormat.N_QUADS)
    else:
        rdf_format = ox.RdfFormat.TRIG if fmt is ExportFormat.trig else ox.RdfFormat.JSON_LD
        data = live.store.dump(format=rdf_format, prefixes=PREFIXES)
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


def _resolver(store: Path):
    from hsvo_graph import projection
    from hsvo_graph.responsibility import Resolver

    return Resolver(projection.from_store(_open(store).store))


@app.command()
def who(
    task: Annotated[str, typer.Argument(help="Task, by Swedish or English name or abbreviation.")],
    municipality: Annotated[
        str, typer.Option("--municipality", "-m", help="Name, kommunkod or IRI.")
    ],
    date: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the answer.")] = Lang.sv,
    as_json: Annotated[bool, typer.Option("--json", help="The full answer as JSON.")] = False,
    store: StoreOpt = config.DEFAULT_STORE,
) -> None:
    """Who is responsible for TASK in a municipality on a date, and why. Exit 2 on unknown input."""
    from hsvo_graph.responsibility import InvalidDate, UnknownMunicipality, UnknownTask

    resolver = _resolver(store)
    try:
        answer = resolver.resolve(task, municipality, date, lang=lang.value)
    except (UnknownTask, UnknownMunicipality, InvalidDate) as error:
        raise _fail(str(error), code=2) from None
    if as_json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo(render_answer(answer, lang.value))


@app.command()
def path(
    start: Annotated[
        str,
        typer.Argument(metavar="FROM", help="Body or organisation (name, abbreviation or IRI)."),
    ],
    end: Annotated[
        str | None, typer.Argument(metavar="TO", help="Where to stop; default the top.")
    ] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the labels.")] = Lang.sv,
    store: StoreOpt = config.DEFAULT_STORE,
) -> None:
    """The escalation and reporting path from a body or party up to TO or to the top."""
    from hsvo_graph import projection
    from hsvo_graph.governance import UnknownNode, escalation_path, find_node

    graph = projection.from_store(_open(store).store)
    try:
        nodes = [find_node(graph, start)] + ([find_node(graph, end)] if end else [])
    except UnknownNode as error:
        raise _fail(str(error), code=2) from None
    steps = escalation_path(graph, *nodes)
    if not steps:
        raise _fail(f"no escalation or reporting path from {start!r} to {end!r}", code=1)
    for i, node in enumerate(steps):
        typer.echo(f"{'  ' * i}{'└─ ' if i else ''}{projection.label(graph, node, lang.value)}")
        for line in _source_lines(graph, node, indent="  " * (i + 1)):
            typer.echo(line)


def _source_lines(graph, node: str, indent: str) -> list[str]:
    from hsvo_graph.projection import targets, value

    sections = ", ".join(str(s) for s in graph.nodes[node]["values"].get("hsvo:sourceSection", []))
    docs = ", ".join(
        str(value(graph, d, "dct:identifier", d)) for d in targets(graph, node, "dct:source")
    )
    return [f"{indent}   source: {docs} § {sections}"] if docs else []


def render_answer(answer, lang: str) -> str:
    """The resolver's answer as text a person reads at a terminal."""
    sv = lang == "sv"
    lines = [
        f"{answer.task.label} – {answer.municipality.label}"
        f" ({answer.municipality_code or '?'}) – {answer.date}"
    ]
    if answer.regional_principal or answer.county:
        where = [r.label for r in (answer.county, answer.regional_principal) if r]
        lines.append(("  Den dagen: " if sv else "  On that day: ") + ", ".join(where))
    lines += [f"  {note}" for note in answer.notes[lang]]
    if answer.status == "unknown":
        lines.append(("  Okänt: " if sv else "  Unknown: ") + answer.missing[lang])
        return "\n".join(lines) + "\n"
    for party in answer.parties:
        today = f" ({party.party.label_today})" if party.party.label_today else ""
        lines.append(f"\n* {party.party.label}{today}")
        parts = "; ".join(p.task.label for p in party.parts)
        lines.append(("  Del: " if sv else "  Part: ") + parts)
        if party.excluded:
            others = "; ".join(p.task.label for p in party.excluded)
            lines.append(("  Utom: " if sv else "  Except: ") + others)
        lines.append(f"  {party.explanation[lang]}")
        lines.append(
            ("  Lagstöd: " if sv else "  Legal basis: ")
            + "; ".join(b.label for b in party.legal_basis)
        )
        lines += [("  Obs: " if sv else "  Note: ") + note for note in party.notes[lang]]
        if party.agreements:
            lines.append(
                ("  Överenskommelser: " if sv else "  Agreements: ")
                + "; ".join(a.label for a in party.agreements)
            )
        lines.append(("  Väg: " if sv else "  Path: ") + " → ".join(p.label for p in party.path))
        for source in party.sources:
            lines.append(
                ("  Källa: " if sv else "  Source: ")
                + f"{', '.join(source.documents)} § {'; '.join(source.sections)}"
            )
    return "\n".join(lines) + "\n"


@app.command()
def view(
    county: Annotated[
        str | None, typer.Option(help="uppsala, stockholm or sodra-alvsborg; default all.")
    ] = None,
    focus: Annotated[
        str | None, typer.Option(help="Show this node's neighbourhood (name or IRI).")
    ] = None,
    depth: Annotated[int, typer.Option(min=1, max=6, help="Steps around the focus node.")] = 2,
    kinds: Annotated[str | None, typer.Option(help="Comma-separated kinds to show.")] = None,
    max_nodes: Annotated[int, typer.Option(min=1, help="Draw at most this many nodes.")] = 400,
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
        "graph.html"
    ),
    store: StoreOpt = config.DEFAULT_STORE,
) -> None:
    """Write the interactive graph view as one self-contained HTML file (works offline)."""
    from hsvo_graph import projection
    from hsvo_graph.view import ViewError, render

    graph = projection.from_store(_open(store).store)
    try:
        page = render(graph, county, focus, depth, kinds.split(",") if kinds else None, max_nodes)
    except ViewError as error:
        raise _fail(str(error), code=2) from None
    output.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {output}")


@app.command()
def synth(
    regions: Annotated[int, typer.Option(min=1, help="Number of regions.")] = 21,
    municipalities: Annotated[int, typer.Option(min=1, help="Number of kommuner in all.")] = 290,
    years: Annotated[int, typer.Option(min=1, help="Years of plans and activities.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same graph.")] = 1,
    output: Annotated[Path, typer.Option("-o", "--output", help="Directory to write to.")] = Path(
        "synthetic"
    ),
) -> None:
    """Generate a synthetic national graph (never into data/), valid under shapes/."""
    from hsvo_graph.synth import generate

    if (
        output.resolve() == config.DEFAULT_DATA.resolve()
        or config.DEFAULT_DATA.resolve() in output.resolve().parents
    ):
        raise _fail("synthetic data never goes into data/")
    try:
        summary = generate(regions, municipalities, years, seed, output)
    except ValueError as error:
        raise _fail(str(error)) from None
    typer.echo(json.dumps(summary, ensure_ascii=False))


@app.command()
def serve(
    store: StoreOpt = config.DEFAULT_STORE,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    processes: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes, each with its own query workers and projection "
            "(HSVO_WORKERS each); more than one lets HTTP handling use every CPU.",
        ),
    ] = 1,
    access_log: Annotated[
        bool, typer.Option(help="One line per request on stderr: id, method, path, status, ms.")
    ] = True,
) -> None:
    """Serve the API from a built store."""
    import os

    import uvicorn

    _open(store)  # fail early and clearly if there is no build
    os.environ[SERVE_STORE_ENV] = str(store)
    os.environ[ACCESS_LOG_ENV] = "1" if access_log else ""
    uvicorn.run(
        "hsvo_graph.cli:served_app",
        factory=True,
        host=host,
        port=port,
        workers=processes,
        access_log=False,  # api/front.py writes the access log, with request ids
        http="api.front:HttpToolsWithLimits",  # a cap on the request head as it arrives
    )


SERVE_STORE_ENV = "HSVO_SERVE_STORE"
ACCESS_LOG_ENV = "HSVO_SERVE_ACCESS_LOG"


def served_app():
    """The app `hsvo serve` runs, built in each server process from the store it was given."""
    import logging
    import os

    from api.app import create_app
    from api.front import Front

    access = logging.getLogger("hsvo.access")
    if os.environ.get(ACCESS_LOG_ENV) and not access.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        access.propagate = False
    return Front(create_app(os.environ[SERVE_STORE_ENV]))


if __name__ == "__main__":
    app()
