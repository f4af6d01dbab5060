"""Governance questions on the projection: where a problem escalates to, which bodies an
organisation sits in, what a committee is responsible for or affected by, and whether an
agreement is in force on a date (with notice deadline and automatic renewal)."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import Counter
from dataclasses import asdict, dataclass

import networkx as nx

from hsvo_graph.projection import label, sources, targets, value
from hsvo_graph.responsibility import normalize

UPWARD = ("hsvo:escalatesTo", "hsvo:reportsTo", "hsvo:preparesMattersFor")


class UnknownNode(LookupError):
    """No resource has that name; carries the nearest names."""

    def __init__(self, query: str, suggestions: list[str]):
        self.query, self.suggestions = query, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"nothing called {query!r}{hint}")


def find_node(graph: nx.MultiDiGraph, query: str, kinds: set[str] | None = None) -> str:
    """A node by IRI, label, altLabel or abbreviation, in any case and without diacritics."""
    if query in graph and (kinds is None or graph.nodes[query]["kind"] in kinds):
        return query
    wanted, matches, names = normalize(query), [], {}
    for node, attrs in graph.nodes(data=True):
        if kinds is not None and attrs["kind"] not in kinds:
            continue
        for name in [*attrs["labels"].values(), *(t for t, _ in attrs["alt_labels"])]:
            names.setdefault(normalize(name), node)
            if normalize(name) == wanted and node not in matches:
                matches.append(node)
    if len(matches) == 1:
        return matches[0]
    close = matches or [names[k] for k in difflib.get_close_matches(wanted, list(names), n=5)]
    raise UnknownNode(query, [label(graph, n) for n in dict.fromkeys(close)])


GRAPHS = "https://w3id.org/hsvo/graph/"


SHARED_FOLDERS = ("law", "vocab", "sweden")  # national data: in no area of its own


def _file_areas(graph: nx.MultiDiGraph, node: str) -> set[str]:
    found = set()
    for name in graph.nodes[node]["graphs"] if node in graph else ():
        root, *parts = name.removeprefix(GRAPHS).split("/")
        if root != "ontology" and len(parts) > 1 and parts[0] not in SHARED_FOLDERS:
            found.add(parts[0])
    return found


def areas_of(graph: nx.MultiDiGraph, node: str) -> set[str]:
    """The data areas (<data root>/<area>/ directories: uppsala, stockholm, sodra-alvsborg …)
    whose files describe the node, whatever the data directory is called; files at the top
    of a data root, the shared folders (law, vocab, sweden) and the ontology belong to no area.
    A kommun or region described only in the national register belongs to the areas of the
    resources there that name it (agreements it is party to, bodies it sits in)."""
    found = _file_areas(graph, node)
    if not found and node in graph and graph.nodes[node]["kind"] in ("Municipality", "Region"):
        for source, _ in graph.in_edges(node):
            found |= _file_areas(graph, source)
    return found


def county_of(graph: nx.MultiDiGraph, node: str) -> str | None:
    """The county a body belongs to: through its scope, else through the parties of the
    agreements that set it up (the county most of them lie in)."""
    for area in targets(graph, node, "hsvo:scope"):
        if graph.nodes[area]["kind"] == "County":
            return area
        if counties := targets(graph, area, "hsvo:county"):
            return counties[0]
    votes = Counter(
        county
        for agreement in sources(graph, node, "hsvo:establishes")
        for party in targets(graph, agreement, "hsvo:party")
        for county in targets(graph, party, "hsvo:county")
    )
    return votes.most_common(1)[0][0] if votes else None


def _upward(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """The escalation and reporting lines alone, as a plain directed graph."""
    lines = nx.DiGraph()
    for s, t, key in graph.edges(keys=True):
        if key in UPWARD:
            lines.add_edge(s, t, relation=key)
    return lines


def escalation_path(graph: nx.MultiDiGraph, start: str, end: str | None = None) -> list[str]:
    """The way a matter goes up from start, along escalatesTo, reportsTo and
    preparesMattersFor, to end or, when no end is given, to the top (a body with no line
    upwards). Where lines branch, the path through the most levels is taken, because a matter
    passes every level on its way (local → Närvårdskontoret → styrgrupp → DPS, not a shortcut)."""
    lines = _upward(graph)
    if start not in lines:
        return [start] if end is None else []
    reachable = lines.subgraph(nx.descendants(lines, start) | {start})
    if not nx.is_directed_acyclic_graph(reachable):
        try:
            return nx.shortest_path(lines, start, end) if end else [start]
        except nx.NetworkXNoPath:
            return []
    depth, previous = {start: 0}, {}
    for node in nx.topological_sort(reachable):
        for successor in reachable.successors(node):
            if node in depth and depth[node] + 1 > depth.get(successor, -1):
                depth[successor], previous[successor] = depth[node] + 1, node
    if end is None:
        tops = [n for n in reachable if reachable.out_degree(n) == 0]
        end = max(sorted(tops), key=lambda n: depth.get(n, -1))
    elif end not in depth:
        return []
    steps = [end]
    while steps[-1] != start:
        steps.append(previous[steps[-1]])
    return steps[::-1]


@dataclass
class Seat:
    body: str
    body_label: str
    member: str
    member_label: str
    roles: list[str]
    voting: bool | None


def bodies_of(graph: nx.MultiDiGraph, organisation: str) -> list[Seat]:
    """The bodies an organisation (or one of its units) sits in, with its roles there."""
    members = {organisation, *sources(graph, organisation, "org:unitOf")}
    seats = []
    for member in sorted(members):
        for membership in sources(graph, member, "org:member"):
            for body in targets(graph, membership, "org:organization"):
                seats.append(
                    Seat(
                        body=body,
                        body_label=label(graph, body),
                        member=member,
                        member_label=label(graph, member),
                        roles=[label(graph, r) for r in targets(graph, membership, "org:role")],
                        voting=value(graph, membership, "hsvo:votingRight"),
                    )
                )
    return sorted(seats, key=lambda s: (s.body_label, s.member_label))


@dataclass
class CommitteeActivities:
    responsible: list[str]
    affected: list[str]


def activities_of(
    graph: nx.MultiDiGraph, body: str, year: int | None = None
) -> CommitteeActivities:
    """Activities a committee or body is responsible for (Ansvar) or affected by (Berörs)."""

    def pick(predicate: str) -> list[str]:
        found = sources(graph, body, predicate)
        if year is not None:
            found = [a for a in found if value(graph, a, "hsvo:year") == year]
        return sorted(found, key=lambda a: (value(graph, a, "hsvo:year") or 0, a))

    return CommitteeActivities(
        responsible=pick("hsvo:responsibleBody"), affected=pick("hsvo:affectedBody")
    )


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def add_duration(day: dt.date, duration: str, sign: int = 1) -> dt.date:
    """day ± an xsd:duration of years, months and days ("P2Y", "P12M"), month ends kept."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"unsupported duration {duration!r}")
    years, months, days = (int(g or 0) for g in match.groups())
    total = day.year * 12 + day.month - 1 + sign * (years * 12 + months)
    year, month = divmod(total, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day)) + sign * dt.timedelta(days=days)


@dataclass
class AgreementStatus:
    agreement: str
    label: str
    date: str
    status: str  # "in force", "not yet in force", "ended", "unknown"
    start: str | None
    original_end: str | None
    current_end: str | None
    renewals: int
    notice_deadline: str | None
    notice_period: str | None
    renewal_period: str | None
    note: str

    def to_dict(self) -> dict:
        return asdict(self)


def agreement_status(graph: nx.MultiDiGraph, agreement: str, date: dt.date) -> AgreementStatus:
    """In force on the date? With automatic renewal the term rolls on by the renewal period
    as long as no party has given notice; the graph records no notice, so the answer assumes
    none was given and says so."""
    period = next(iter(targets(graph, agreement, "dct:temporal")), None)
    start = value(graph, period, "dcat:startDate") if period else None
    end = value(graph, period, "dcat:endDate") if period else None
    notice = value(graph, agreement, "hsvo:noticePeriod")
    renewal = value(graph, agreement, "hsvo:renewalPeriod")
    current_end, renewals, note = end, 0, ""
    if start is None and end is None:
        status, note = "unknown", "The graph holds no period for this agreement."
    elif start is not None and date < start:
        status = "not yet in force"
    else:
        if isinstance(end, dt.date) and renewal:
            while date > current_end:
                current_end = add_duration(current_end, str(renewal))
                renewals += 1
            if renewals:
                note = (
                    f"Renewed automatically {renewals} time(s) by {renewal}, assuming no party "
                    "gave notice (the graph records no notice)."
                )
        status = "in force" if end is None or date <= current_end else "ended"
    deadline = (
        add_duration(current_end, str(notice), -1)
        if notice and isinstance(current_end, dt.date) and status == "in force"
        else None
    )
    iso = lambda d: d.isoformat() if isinstance(d, dt.date) else None  # noqa: E731
    return AgreementStatus(
        agreement=agreement,
        label=label(graph, agreement),
        date=date.isoformat(),
        status=status,
        start=iso(start),
        original_end=iso(end),
        current_end=iso(current_end),
        renewals=renewals,
        notice_deadline=iso(deadline),
        notice_period=str(notice) if notice else None,
        renewal_period=str(renewal) if renewal else None,
        note=note,
    )
