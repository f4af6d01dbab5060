"""/api/*: JSON answers for other systems, from the projection built once at start."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api import models
from api.problems import ProblemError, documented
from hsvo_graph import governance
from hsvo_graph.projection import label, sources, targets, text, value
from hsvo_graph.responsibility import (
    InvalidDate,
    UnknownMunicipality,
    UnknownTask,
    normalize,
    parse_date,
)

router = APIRouter(prefix="/api", tags=["api"])
ID = "https://w3id.org/hsvo/id/"
ERRORS = {
    400: documented("Invalid input, for example a date that is not YYYY-MM-DD"),
    404: documented("Unknown name; the problem lists suggestions"),
}
# A date, or empty for today (the graph page's form sends it empty).
DATE_SCHEMA = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}]}
Lang = Annotated[str, Query(pattern="^(sv|en)$", description="Language of labels and text")]


def _graph(request: Request):
    return request.app.state.graph


def _ref(graph, node: str, lang: str = "sv") -> models.Ref:
    return models.Ref(iri=node, label=label(graph, node, lang))


def _date(raw: str | None) -> dt.date:
    try:
        return parse_date(raw)
    except InvalidDate as error:
        raise ProblemError(400, "Invalid date", str(error)) from None


def _node(graph, query: str, kinds: set[str] | None, what: str) -> str:
    try:
        return governance.find_node(graph, query, kinds)
    except governance.UnknownNode as error:
        raise ProblemError(
            404, f"Unknown {what}", str(error), suggestions=error.suggestions
        ) from None


def _sources(graph, node: str) -> list[models.SourceRef]:
    docs = targets(graph, node, "dct:source")
    return [
        models.SourceRef(
            resource=node,
            documents=[str(value(graph, d, "dct:identifier", d)) for d in docs],
            titles=[text(graph, d, "dct:title") or "" for d in docs],
            sections=[str(s) for s in graph.nodes[node]["values"].get("hsvo:sourceSection", [])],
        )
    ]


# -- responsibility ------------------------------------------------------------------------


@router.get(
    "/responsibility",
    response_model=models.ResponsibilityAnswer,
    responses=ERRORS,
    summary="Who is responsible for a task in a municipality on a date, and why",
)
async def responsibility(
    request: Request,
    task: Annotated[
        str,
        Query(
            description="Task in Swedish or English, or an abbreviation", examples=["hemsjukvård"]
        ),
    ],
    municipality: Annotated[
        str, Query(description="Name, kommunkod or IRI", examples=["Östhammar"])
    ],
    date: Annotated[
        str | None,
        Query(
            description="YYYY-MM-DD; default today",
            examples=["2024-05-01"],
            json_schema_extra=DATE_SCHEMA,
        ),
    ] = None,
    lang: Lang = "sv",
) -> Response:
    try:
        answer = request.app.state.resolver.resolve(task, municipality, date, lang=lang)
    except UnknownTask as error:
        raise ProblemError(404, "Unknown task", str(error), suggestions=error.suggestions) from None
    except UnknownMunicipality as error:
        raise ProblemError(
            404, "Unknown municipality", str(error), suggestions=error.suggestions
        ) from None
    except InvalidDate as error:
        raise ProblemError(400, "Invalid date", str(error)) from None
    # Validated once into the documented model, serialised straight to JSON: FastAPI would
    # otherwise validate the returned model a second time.
    body = models.ResponsibilityAnswer.model_validate(answer.to_dict()).model_dump_json()
    return Response(body, media_type="application/json")


# -- bodies --------------------------------------------------------------------------------


def _body_summary(graph, node: str, lang: str) -> models.BodySummary:
    kind = next(iter(targets(graph, node, "hsvo:bodyKind")), None)
    level = next(iter(targets(graph, node, "hsvo:level")), None)
    county = governance.county_of(graph, node)
    return models.BodySummary(
        id=node.removeprefix(ID + "body/"),
        iri=node,
        label=label(graph, node, lang),
        labels=graph.nodes[node]["labels"],
        kind=label(graph, kind, "en") if kind else None,
        level=label(graph, level, "en") if level else None,
        county=label(graph, county, lang) if county else None,
        areas=sorted(governance.areas_of(graph, node)),
        meetings_per_year=value(graph, node, "hsvo:meetingsPerYear"),
        decision_making=value(graph, node, "hsvo:decisionMaking"),
    )


def _bodies(graph) -> list[str]:
    return sorted(n for n, a in graph.nodes(data=True) if a["kind"] == "CollaborationBody")


@lru_cache(maxsize=8)
def _all_body_summaries(graph, lang: str) -> tuple[models.BodySummary, ...]:
    """Every body's summary, made once per projection and language: the projection does not
    change while a server runs, and making them took ~3 ms per request (load test)."""
    return tuple(_body_summary(graph, b, lang) for b in _bodies(graph))


@router.get("/bodies", response_model=list[models.BodySummary], summary="Collaboration bodies")
def bodies(
    request: Request,
    county: Annotated[
        str | None, Query(description="County name, e.g. Uppsala län or uppsala")
    ] = None,
    kind: Annotated[
        str | None, Query(description="political, official, working group, secretariat")
    ] = None,
    lang: Lang = "sv",
) -> list[models.BodySummary]:
    found = list(_all_body_summaries(_graph(request), lang))
    if county:
        wanted = normalize(county)
        found = [
            b
            for b in found
            if any(wanted == normalize(a) for a in b.areas)
            or (b.county and wanted in normalize(b.county))
        ]
    if kind:
        found = [b for b in found if b.kind and normalize(kind) in normalize(b.kind)]
    return found


@router.get(
    "/bodies/{body_id}",
    response_model=models.BodyDetail,
    responses={404: ERRORS[404]},
    summary="One body: members, roles, reporting lines, sources",
)
def body(request: Request, body_id: str, lang: Lang = "sv") -> models.BodyDetail:
    graph = _graph(request)
    node = ID + "body/" + body_id
    if node not in graph or graph.nodes[node]["kind"] != "CollaborationBody":
        node = _node(graph, body_id, {"CollaborationBody"}, "body")
    seats = []
    for membership in sources(graph, node, "org:organization"):
        for member in targets(graph, membership, "org:member"):
            seats.append(
                models.Seat(
                    member=_ref(graph, member, lang),
                    roles=[label(graph, r, lang) for r in targets(graph, membership, "org:role")],
                    voting=value(graph, membership, "hsvo:votingRight"),
                    appointed_by=[
                        _ref(graph, a, lang) for a in targets(graph, membership, "hsvo:appointedBy")
                    ],
                )
            )
    refs = lambda nodes: [_ref(graph, n, lang) for n in sorted(set(nodes))]  # noqa: E731
    incoming = [
        s
        for p in ("hsvo:reportsTo", "hsvo:preparesMattersFor", "hsvo:escalatesTo")
        for s in sources(graph, node, p)
    ]
    return models.BodyDetail(
        **_body_summary(graph, node, lang).model_dump(),
        alt_labels=[t for t, _ in graph.nodes[node]["alt_labels"]],
        description=text(graph, node, "dct:description", lang),
        chair_rule=text(graph, node, "hsvo:chairRule", lang),
        members=sorted(seats, key=lambda s: s.member.label),
        reports_to=refs(targets(graph, node, "hsvo:reportsTo")),
        prepares_matters_for=refs(targets(graph, node, "hsvo:preparesMattersFor")),
        escalates_to=refs(targets(graph, node, "hsvo:escalatesTo")),
        receives_from=refs(incoming),
        established_by=refs(sources(graph, node, "hsvo:establishes")),
        sources=_sources(graph, node),
    )


# -- agreements ----------------------------------------------------------------------------

AGREEMENT_KINDS = {
    "Agreement",
    "FrameworkAgreement",
    "TransferAgreement",
    "MandatedAgreement",
    "Plan",
}


@router.get(
    "/agreements",
    response_model=list[models.AgreementStatus],
    responses={400: ERRORS[400]},
    summary="Agreements with their status on a date: in force, notice deadline, end after renewal",
)
def agreements(
    request: Request,
    date: Annotated[
        str | None,
        Query(
            description="YYYY-MM-DD; default today",
            examples=["2026-01-01"],
            json_schema_extra=DATE_SCHEMA,
        ),
    ] = None,
    lang: Lang = "sv",
) -> list[models.AgreementStatus]:
    graph, when = _graph(request), _date(date)
    answers = []
    for node in sorted(n for n, a in graph.nodes(data=True) if a["kind"] in AGREEMENT_KINDS):
        status = governance.agreement_status(graph, node, when).to_dict()
        status.pop("agreement")
        status["label"] = label(graph, node, lang)
        answers.append(
            models.AgreementStatus(
                iri=node,
                kind=graph.nodes[node]["kind"],
                parties=[_ref(graph, p, lang) for p in sorted(targets(graph, node, "hsvo:party"))],
                **status,
            )
        )
    return answers


# -- activities ----------------------------------------------------------------------------


def _activity(graph, node: str, lang: str) -> models.Activity:
    return models.Activity(
        iri=node,
        label=label(graph, node, lang),
        year=value(graph, node, "hsvo:year"),
        plan=[_ref(graph, p, lang) for p in targets(graph, node, "hsvo:inPlan")],
        responsible=[_ref(graph, b, lang) for b in targets(graph, node, "hsvo:responsibleBody")],
        affected=[_ref(graph, b, lang) for b in targets(graph, node, "hsvo:affectedBody")],
        follow_up_status=text(graph, node, "hsvo:followUpStatus", lang),
        follow_up_text=text(graph, node, "hsvo:followUpText", lang),
    )


@router.get(
    "/activities",
    response_model=models.CommitteeActivities,
    responses={404: ERRORS[404]},
    summary="Plan activities a committee is responsible for (Ansvar) or affected by (Berörs)",
)
def activities(
    request: Request,
    committee: Annotated[
        str | None,
        Query(description="Committee or body: name, abbreviation or IRI", examples=["ÄLN"]),
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, examples=[2024])] = None,
    lang: Lang = "sv",
) -> models.CommitteeActivities:
    graph = _graph(request)
    if committee:
        node = _node(graph, committee, None, "committee")
        found = governance.activities_of(graph, node, year)
        responsible, affected = found.responsible, found.affected
    else:
        node = None
        every = sorted(n for n, a in graph.nodes(data=True) if a["kind"] == "Activity")
        responsible = [a for a in every if year is None or value(graph, a, "hsvo:year") == year]
        affected = []
    return models.CommitteeActivities(
        committee=_ref(graph, node, lang) if node else None,
        year=year,
        responsible=[_activity(graph, a, lang) for a in responsible],
        affected=[_activity(graph, a, lang) for a in affected],
    )


# -- paths, search, validation ---------------------------------------------------------------


@router.get(
    "/path",
    response_model=models.PathAnswer,
    responses={404: ERRORS[404]},
    summary="Escalation and reporting path from a body or party to another, or to the top",
)
def path(
    request: Request,
    start: Annotated[
        str,
        Query(
            alias="from", description="Body or organisation", examples=["lokal ledningsgrupp Borås"]
        ),
    ],
    end: Annotated[
        str | None, Query(alias="to", description="Where to stop; default the top")
    ] = None,
    lang: Lang = "sv",
) -> models.PathAnswer:
    graph = _graph(request)
    first = _node(graph, start, None, "body or organisation")
    last = _node(graph, end, None, "body or organisation") if end else None
    steps = governance.escalation_path(graph, first, last)
    if not steps:
        raise ProblemError(
            404, "No path", f"no escalation or reporting path from {start!r} to {end!r}"
        )
    relations = [
        next(k for _, t, k in graph.out_edges(a, keys=True) if t == b and k in governance.UPWARD)
        for a, b in zip(steps, steps[1:], strict=False)
    ]
    return models.PathAnswer(
        start=_ref(graph, first, lang),
        end=_ref(graph, last, lang) if last else None,
        path=[_ref(graph, n, lang) for n in steps],
        relations=relations,
    )


@router.get("/search", response_model=list[models.SearchHit], summary="Find resources by name")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["samråd"])],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    lang: Lang = "sv",
) -> list[models.SearchHit]:
    graph, wanted = _graph(request), normalize(q)
    hits = []
    for node, attrs in graph.nodes(data=True):
        names = [*attrs["labels"].values(), *(t for t, _ in attrs["alt_labels"])]
        match = next((n for n in names if wanted and wanted in normalize(n)), None)
        if match:
            exact = normalize(match) == wanted
            hits.append(
                (
                    not exact,
                    len(match),
                    models.SearchHit(
                        iri=node, label=label(graph, node, lang), kind=attrs["kind"], matched=match
                    ),
                )
            )
    return [hit for *_, hit in sorted(hits, key=lambda h: (h[0], h[1], h[2].label))][:limit]


@router.get(
    "/validation", response_model=models.ValidationReport, summary="The last build's SHACL report"
)
def validation(request: Request) -> models.ValidationReport:
    info = request.app.state.live.info
    return models.ValidationReport(
        build_id=info["build_id"], build_time=info["time"], **info["validation"]
    )
