"""`hsvo view` and /graph: the governance structure as one self-contained interactive page.

Governance staff and newcomers want the pictures the seeds draw: who sits where, who reports to
whom, who pays, who is responsible for what. This module picks the part of the projection a
person asked for (a county's data area, a node's neighbourhood, some kinds), turns the n-ary
resources (memberships, funding shares, responsibilities, transfers, adoptions) into labelled
lines, lays the nodes out in rows computed here (political bodies on top, then official bodies,
working groups, local bodies, organisations, agreements, tasks and laws) and writes the page
with pyvis and our own template, which inlines the vendored vis-network: the page loads nothing
from anywhere, so it works from disk and with the network cut off (DESIGN.md §7).

The same arguments give the same bytes, whether the page is served at /graph or written by
`hsvo view`: everything is sorted, nothing depends on time or on the request.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from itertools import pairwise, product
from pathlib import Path
from urllib.parse import quote

import networkx as nx
from pyvis.network import Network

from hsvo_graph.governance import UnknownNode, areas_of, find_node
from hsvo_graph.namespaces import ID, shorten
from hsvo_graph.projection import label, text, value

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
VIS_NETWORK = HERE / "static" / "vendor" / "vis-network" / "vis-network.min.js"
MAX_NODES = 400  # more than a person can read, few enough for any browser to draw at once
MAX_DEPTH = 6


# ---------------------------------------------------------------------------------------------
# What is drawn and how it looks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A kind of node as the page names it (`kinds=`), with its shape and colours."""

    name: str
    label: str
    singular: str
    shape: str
    background: str
    border: str
    priority: int  # which nodes stay when the view is capped: lower first


CATEGORIES = {
    c.name: c
    for c in (
        Category("body", "Collaboration bodies", "body", "box", "#eceff3", "#5b6673", 0),
        Category(
            "organisation", "Organisations", "organisation", "ellipse", "#f6efd9", "#8a6d1f", 1
        ),
        Category(
            "agreement", "Agreements and plans", "agreement", "diamond", "#d6ecd2", "#2e7d32", 2
        ),
        Category("task", "Tasks", "task", "dot", "#ffe2bf", "#d2691e", 3),
        Category("law", "Laws", "law", "square", "#e3e3e3", "#555555", 4),
        Category("post", "Posts", "post", "star", "#efe3f7", "#7b4fa0", 5),
        Category(
            "activity", "Plan activities", "plan activity", "triangle", "#fff6b3", "#9a8400", 6
        ),
    )
}
# Tasks and laws are one tick away: every kommun answers for the same tasks, so in a county
# they add a dense web of "responsible for" lines; a task's neighbourhood shows them well.
DEFAULT_KINDS = ("body", "organisation", "agreement")
CATEGORY_OF_KIND = {
    "CollaborationBody": "body",
    "Region": "organisation",
    "Municipality": "organisation",
    "MunicipalAssociation": "organisation",
    "Committee": "organisation",
    "Unit": "organisation",
    "LegalRole": "organisation",
    "org:Organization": "organisation",
    "org:FormalOrganization": "organisation",
    "org:OrganizationalUnit": "organisation",
    "org:OrganizationalCollaboration": "organisation",
    "Agreement": "agreement",
    "FrameworkAgreement": "agreement",
    "TransferAgreement": "agreement",
    "MandatedAgreement": "agreement",
    "Plan": "agreement",
    "Task": "task",
    "eli:LegalResource": "law",
    "eli:LegalResourceSubdivision": "law",
    "org:Post": "post",
    "Activity": "activity",
}
PRINCIPALS = {"Region", "Municipality", "MunicipalAssociation"}


@dataclass(frozen=True)
class BodyKind:
    """The seeds' figures colour the political organisation pink and the officials' blue
    (000, "Organisation och styrning av närvårdssamverkan"); working groups and secretariats
    belong to the officials' side and stay in its blues."""

    label: str
    background: str
    border: str
    rank: int  # row within a level: political above official (and secretariat) above groups
    dashed: bool = False


BODY_KINDS = {
    f"{ID}bodykind/political": BodyKind("political body", "#f9c9dc", "#c2185b", 0),
    f"{ID}bodykind/official": BodyKind("official body", "#bfd9f6", "#1f5fa8", 1),
    f"{ID}bodykind/secretariat": BodyKind("secretariat", "#d3e3ef", "#3d6e8f", 1),
    f"{ID}bodykind/working-group": BodyKind("working group", "#e6f1fc", "#5b8fc7", 2, True),
}
UNKNOWN_BODY = BodyKind("body of unknown kind", "#eceff3", "#5b6673", 1)
LEVELS = {f"{ID}level/regional": 0, f"{ID}level/subregional": 1, f"{ID}level/local": 2}


@dataclass(frozen=True)
class Relation:
    """A kind of line: its words on the page and its look. `upward` lines point from a node
    that belongs below to one that belongs above (a working group reports to a steering group),
    so the layout may push the source a row down."""

    label: str
    colour: str
    dashes: bool = False
    upward: bool = False
    drawn: bool = True  # False: told in the details panel only (it would cross the drawing)
    inverse: str = ""  # the words read from the target's side, for the details panel


RELATIONS = {
    "reports_to": Relation("reports to", "#1d2733", upward=True, inverse="reported to by"),
    "prepares_for": Relation("prepares for", "#1f5fa8", upward=True, inverse="prepared for by"),
    "escalates_to": Relation("escalates to", "#b3261e", True, True, inverse="escalated to by"),
    "member_of": Relation("member of", "#6a7f96", upward=True, inverse="members"),
    "part_of": Relation("part of", "#8a94a0", True, True, inverse="parts"),
    "unit_of": Relation("unit of", "#a08a4f", True, inverse="units"),
    "linked_to": Relation("linked to", "#c2185b", True, inverse="linked from"),
    "funds": Relation("funds", "#2e7d32", inverse="funded by"),
    "party_to": Relation("party to", "#9fbf9f", inverse="parties"),
    "establishes": Relation("establishes", "#2e7d32", True, drawn=False, inverse="established by"),
    "adopted": Relation("adopted", "#7aa37a", True, drawn=False, inverse="adopted by"),
    "mandated_by": Relation("mandated by", "#555555", True, inverse="mandates"),
    "responsible_for": Relation("responsible for", "#d2691e", inverse="responsible"),
    "legal_basis": Relation("legal basis", "#777777", True, inverse="legal basis of"),
    "repeals": Relation("repeals", "#777777", True, inverse="repealed by"),
    "post_in": Relation("post in", "#7b4fa0", upward=True, inverse="posts"),
    "employed_by": Relation("employed by", "#7b4fa0", True, inverse="employs"),
    "affects": Relation("affects", "#9a8400", True, inverse="affected by"),
}

# Object properties drawn as they are: predicate -> (relation, drawn against the triple)
DIRECT = {
    "hsvo:reportsTo": ("reports_to", False),
    "hsvo:preparesMattersFor": ("prepares_for", False),
    "hsvo:escalatesTo": ("escalates_to", False),
    "org:subOrganizationOf": ("part_of", False),
    "org:hasSubOrganization": ("part_of", True),
    "org:unitOf": ("unit_of", False),
    "org:linkedTo": ("linked_to", False),
    "org:hasMember": ("member_of", True),
    "hsvo:party": ("party_to", True),
    "hsvo:establishes": ("establishes", False),
    "hsvo:mandatedBy": ("mandated_by", False),
    "skos:broader": ("part_of", False),
    "eli:is_part_of": ("part_of", False),
    "dct:isPartOf": ("part_of", False),
    "eli:repeals": ("repeals", False),
    "org:postIn": ("post_in", False),
    "hsvo:employer": ("employed_by", False),
    "hsvo:responsibleBody": ("responsible_for", True),
    "hsvo:affectedBody": ("affects", False),
}
NARY = {"org:Membership", "FundingShare", "Responsibility", "ResponsibilityTransfer", "Adoption"}


class ViewError(LookupError):
    """An argument names nothing the graph holds; carries the names it does hold."""

    def __init__(self, message: str, suggestions: Iterable[str] = ()):
        self.suggestions = list(suggestions)
        hint = f" (one of: {', '.join(self.suggestions)})" if self.suggestions else ""
        super().__init__(message + hint)


# ---------------------------------------------------------------------------------------------
# Lines: the graph as a person reads it
# ---------------------------------------------------------------------------------------------


def _out(graph: nx.MultiDiGraph, node: str, predicate: str) -> list[str]:
    """Objects of the node's triples with that predicate ("hsvo:task"), straight from the
    adjacency (projection.targets walks edge views, too slow for hubs of a national graph)."""
    return [t for t, keys in graph.succ[node].items() if predicate in keys]


def _in(graph: nx.MultiDiGraph, node: str, predicate: str) -> list[str]:
    """Subjects of the triples with that predicate that point at the node."""
    return [s for s, keys in graph.pred[node].items() if predicate in keys]


@dataclass(frozen=True)
class Line:
    source: str
    target: str
    relation: str
    detail: str = ""  # a role, a share, "by transfer": merged into the label


def _percent(share) -> str:
    if not isinstance(share, Decimal | int | float):
        return str(share)
    return f"{Decimal(str(share)) * 100:.2f}".rstrip("0").rstrip(".") + " %"


def _objects(graph: nx.MultiDiGraph, node: str) -> dict[str, list[str]]:
    """The node's objects by predicate, in one pass over its adjacency."""
    found: dict[str, list[str]] = defaultdict(list)
    for target, keys in graph.succ[node].items():
        for predicate in keys:
            found[predicate].append(target)
    return found


def _nary_lines(graph: nx.MultiDiGraph, node: str) -> list[Line]:
    """The lines an n-ary resource stands for: member → body "member of (role)", payer →
    funded "funds 50 %", party → task "responsible for", task → law "legal basis"."""
    kind, out, lines = graph.nodes[node]["kind"], _objects(graph, node), []
    if kind == "org:Membership":
        roles = [label(graph, r, "en") for r in sorted(out["org:role"])]
        if value(graph, node, "hsvo:votingRight") is False:
            roles.append("no vote")
        for member, body in product(out["org:member"], out["org:organization"]):
            lines += [Line(member, body, "member_of", role) for role in roles or [""]]
    elif kind == "FundingShare":
        share = value(graph, node, "hsvo:share")
        words = _percent(share) if share is not None else ""
        for payer, funded in product(out["hsvo:payer"], out["hsvo:funds"]):
            lines.append(Line(payer, funded, "funds", words))
    elif kind in ("Responsibility", "ResponsibilityTransfer"):
        is_rule = kind == "Responsibility"
        tasks = out["hsvo:task" if is_rule else "hsvo:transfersTask"]
        parties = out["hsvo:responsibleParty" if is_rule else "hsvo:toParty"]
        for task, party in product(tasks, parties):
            lines.append(Line(party, task, "responsible_for", "" if is_rule else "by transfer"))
        for task, basis in product(tasks, out["hsvo:legalBasis"]):
            lines.append(Line(task, basis, "legal_basis"))
    elif kind == "Adoption":
        for adopter, agreement in product(out["hsvo:adoptedBy"], _in(graph, node, "hsvo:adoption")):
            lines.append(Line(adopter, agreement, "adopted"))
    return lines


def _direct_line(source: str, predicate: str, target: str) -> Line | None:
    if predicate not in DIRECT:
        return None
    relation, against = DIRECT[predicate]
    return Line(target, source, relation) if against else Line(source, target, relation)


class Lines:
    """Every line that touches a node, whether a triple or an n-ary resource stands for it;
    each node's worked out once per page, since the selection, the layout and the details panel
    all ask, and a hub (a region with thousands of responsibilities) is slow to ask."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        self._memo: dict[str, list[Line]] = {}
        self._nary: dict[str, list[Line]] = {}

    def around(self, node: str) -> list[Line]:
        if node not in self._memo:
            self._memo[node] = self._work_out(node)
        return self._memo[node]

    def _work_out(self, node: str) -> list[Line]:
        graph, found, nary = self.graph, [], set()
        for ends, forward in ((graph.succ[node], True), (graph.pred[node], False)):
            for other, keys in ends.items():
                for predicate in keys:
                    pair = (node, other) if forward else (other, node)
                    if line := _direct_line(pair[0], predicate, pair[1]):
                        found.append(line)
                if graph.nodes[other]["kind"] in NARY:
                    nary.add(other)
        for other in sorted(nary):
            if other not in self._nary:
                self._nary[other] = _nary_lines(graph, other)
            found += [x for x in self._nary[other] if node in (x.source, x.target)]
        return found

    def drawn(self, node: str) -> list[Line]:
        return [x for x in self.around(node) if RELATIONS[x.relation].drawn]


# ---------------------------------------------------------------------------------------------
# Choosing the nodes
# ---------------------------------------------------------------------------------------------


@dataclass
class Selection:
    """The nodes to draw (category by node) and what the page must say about the choice."""

    categories: dict[str, str]
    lines: list[Line]
    total: int  # nodes the view holds before the cap
    capped: bool
    at_least: bool = False  # the neighbourhood search stopped at the cap: total is a floor
    focus: str | None = None


def drawable(graph: nx.MultiDiGraph, kinds: Iterable[str]) -> dict[str, str]:
    """Category by node for every node of the wanted kinds."""
    wanted = set(kinds)
    found = {}
    for node, attrs in graph.nodes(data=True):
        category = CATEGORY_OF_KIND.get(attrs["kind"])
        if category in wanted:
            found[node] = category
    return found


def data_areas(graph: nx.MultiDiGraph) -> list[str]:
    """The data areas (data/<area>/ directories) the graph's files come from: asking one node
    per file is enough, since a file belongs to one area."""
    found: set[str] = set()
    seen: set[str] = set()
    for node, attrs in graph.nodes(data=True):
        if not attrs["graphs"] <= seen:
            seen |= attrs["graphs"]
            found |= areas_of(graph, node)
    return sorted(found)


def _rank(graph: nx.MultiDiGraph, node: str, category: str) -> tuple:
    """Which nodes stay when the view is capped: bodies before organisations before agreements
    ..., regional and political before local and working groups, then the best connected."""
    body = _body_kind(graph, node) if category == "body" else UNKNOWN_BODY
    level = _level(graph, node) if category == "body" else 0
    return (CATEGORIES[category].priority, level, body.rank, -graph.degree(node), node)


def resolve_focus(graph: nx.MultiDiGraph, query: str, candidates: dict[str, str]) -> str:
    """A node by IRI, by the tail of its /id/ address ("body/sodra-alvsborg-dps") or by name."""
    node = f"{ID}{query.strip().removeprefix('/id/')}"
    if node not in graph:
        try:
            node = find_node(graph, query.strip(), set(CATEGORY_OF_KIND))
        except UnknownNode as error:
            raise ViewError(f"nothing drawable is called {query!r}", error.suggestions) from None
    if node not in candidates:
        raise ViewError(f"{label(graph, node)!r} is not in this view (county or kinds)")
    return node


def neighbourhood(
    lines: Lines, start: str, depth: int, candidates: dict[str, str], cap: int
) -> tuple[list[str], bool]:
    """Nodes within depth lines of start, nearest first; the search stops after the ring in
    which the cap is reached (the page then says "at least"), so a wide graph stays quick."""
    order, seen, ring = [start], {start}, [start]
    for _ in range(depth):
        following = []
        for node in ring:
            for line in lines.drawn(node):
                for other in (line.source, line.target):
                    if other not in seen and other in candidates:
                        seen.add(other)
                        following.append(other)
        ring = sorted(following, key=lambda n: _rank(lines.graph, n, candidates[n]))
        order += ring
        if len(order) > cap:
            return order, True
    return order, False


def select(
    lines: Lines,
    county: str | None,
    focus: str | None,
    depth: int,
    kinds: Iterable[str],
    max_nodes: int,
) -> Selection:
    """The nodes a person asked for: a data area (its nodes and the shared laws and tasks they
    point to), a neighbourhood, or everything; at most max_nodes of them, the most telling."""
    graph = lines.graph
    candidates = drawable(graph, kinds)
    if county:
        areas = data_areas(graph)
        if county not in areas:
            raise ViewError(f"no county (data area) called {county!r}", areas)
        inside = {n: c for n, c in candidates.items() if county in areas_of(graph, n)}
        for node in list(inside):
            for line in lines.drawn(node):
                for other in (line.source, line.target):
                    if other in candidates and other not in inside and not areas_of(graph, other):
                        inside[other] = candidates[other]
        candidates = inside
    at_least, start = False, None
    if focus:
        start = resolve_focus(graph, focus, candidates)
        chosen, at_least = neighbourhood(lines, start, depth, candidates, max_nodes)
    else:
        chosen = sorted(candidates, key=lambda n: _rank(graph, n, candidates[n]))
    kept = {n: candidates[n] for n in chosen[:max_nodes]}
    return Selection(
        categories=kept,
        lines=_lines_among(lines, kept),
        total=len(chosen),
        capped=len(chosen) > max_nodes,
        at_least=at_least,
        focus=start,
    )


def _lines_among(lines: Lines, nodes: dict[str, str]) -> list[Line]:
    found = set()
    for node in nodes:
        for line in lines.drawn(node):
            if line.source in nodes and line.target in nodes and line.source != line.target:
                found.add(line)
    return sorted(found, key=lambda x: (x.source, x.target, x.relation, x.detail))


# ---------------------------------------------------------------------------------------------
# Layout: rows computed here, order within rows by barycentres
# ---------------------------------------------------------------------------------------------

GAP = 70  # px between the lowest node of a row and the highest of the next: room for lines
SLOT = 225  # px between neighbours in a row
LABEL_CHARS = 64  # longer names are cut on the drawing; the tooltip and the panel give all
LABEL_BELOW = {"dot", "square", "diamond", "star", "triangle"}  # vis draws these labels below


def font_size(category: str) -> int:
    """Bodies, the subject of the view, in a larger type than the rest."""
    return 19 if category == "body" else 17


def _short(words: str) -> str:
    return words if len(words) <= LABEL_CHARS else words[: LABEL_CHARS - 1].rstrip() + "…"


def _width(words: str, size: int) -> int:
    """The widest a label may be: the usual width, or its longest word when that is wider,
    so that vis-network never breaks "Tjänstemannastyrgruppen" in the middle."""
    longest = max((len(w) for w in _short(words).split()), default=0)
    return max(200, round(longest * size * 0.62) + 8)


def _height(label_text: str, category: str) -> int:
    """About how tall vis-network draws the node (px), to keep rows and staggered lines apart:
    the wrapped label's lines, inside a box or an ellipse, or under a small shape."""
    size, shape = font_size(category), CATEGORIES[category].shape
    per_line = max(1, int(_width(label_text, size) / (size * 0.56)))
    lines = -(-len(_short(label_text)) // per_line)
    if shape in LABEL_BELOW:  # a free label wraps wider than a box's: count it generously
        return round(2 * 14 + (lines + (lines > 1)) * size * 1.2)
    return round((lines * size * 1.2 + 12) * (1.5 if shape == "ellipse" else 1))


ROW_GROUPS = ("body", "post", "organisation", "agreement", "activity", "task", "law")
Band = tuple[int, int]  # (group of rows, row within the group), top to bottom


def _body_kind(graph: nx.MultiDiGraph, node: str) -> BodyKind:
    for kind in _out(graph, node, "hsvo:bodyKind"):
        if kind in BODY_KINDS:
            return BODY_KINDS[kind]
    return UNKNOWN_BODY


def _level(graph: nx.MultiDiGraph, node: str) -> int:
    """A body's level (regional 0, sub-regional 1, local 2): its own, else that of the bodies
    it reports to, else sub-regional."""
    for level in _out(graph, node, "hsvo:level"):
        if level in LEVELS:
            return LEVELS[level]
    for predicate in ("hsvo:reportsTo", "hsvo:preparesMattersFor", "hsvo:escalatesTo"):
        for upper in _out(graph, node, predicate):
            for level in _out(graph, upper, "hsvo:level"):
                if level in LEVELS:
                    return LEVELS[level]
    return 1


def _band(graph: nx.MultiDiGraph, node: str, category: str) -> Band:
    """The node's first row: bodies by level and kind (regional political on top, local
    working groups lowest); below them posts, organisations (principals under their committees
    and units), agreements, activities, tasks, and laws above their sections."""
    kind = graph.nodes[node]["kind"]
    if category == "body":
        row = _level(graph, node) * 3 + _body_kind(graph, node).rank
    elif category == "organisation":
        row = int(kind in PRINCIPALS)
    elif category == "law":
        row = int(kind == "eli:LegalResourceSubdivision")
    else:
        row = 0
    return ROW_GROUPS.index(category), row


def bands(graph: nx.MultiDiGraph, selection: Selection) -> dict[str, Band]:
    """Each node's row: its first row, moved below any node of its kind that it reports to,
    prepares for, escalates to or is part of (a presidium under its council, a narrower task
    under its broader, kommuner under the association they escalate to)."""
    cats = selection.categories
    band = {n: _band(graph, n, c) for n, c in cats.items()}
    upward = [
        x
        for x in selection.lines
        if RELATIONS[x.relation].upward and cats[x.source] == cats[x.target]
    ]
    for _ in range(len(cats)):  # each pass settles at least one node, unless lines form a ring
        moved = False
        for x in upward:
            (group, row), (_, above) = band[x.source], band[x.target]
            if row <= above:
                band[x.source] = (group, above + 1)
                moved = True
        if not moved:
            break
    return band


def _hints(graph: nx.MultiDiGraph, nodes: dict[str, str]) -> Iterator[tuple[str, str]]:
    """Pairs that should stand near each other though no line joins them: a local body and
    the municipality it serves."""
    for node, category in nodes.items():
        if category == "body":
            for place in _out(graph, node, "hsvo:scope"):
                if place in nodes:
                    yield node, place


def layout(graph: nx.MultiDiGraph, selection: Selection) -> dict[str, tuple[int, int]]:
    """x, y of every node: rows top-down by band, each row as wide as lets the whole drawing
    best fill a landscape screen (SCREEN), so that it opens as large, and as legible, as it
    can; the narrower choices stagger wide rows over more lines."""
    band = bands(graph, selection)
    rows = [sorted(n for n in band if band[n] == b) for b in sorted(set(band.values()))]
    heights = {n: _height(name(graph, n), c) for n, c in selection.categories.items()}
    widths = {n: _width(name(graph, n), font_size(c)) for n, c in selection.categories.items()}
    neighbours: dict[str, set[str]] = defaultdict(set)
    pairs = [(x.source, x.target) for x in selection.lines]
    for a, b in [*pairs, *_hints(graph, selection.categories)]:
        if band[a] != band[b]:
            neighbours[a].add(b)
            neighbours[b].add(a)
    for row in rows:
        row.sort(key=lambda n: (label(graph, n).casefold(), n))
    tried = [_rows_placed(rows, neighbours, heights, widths, widest) for widest in ROW_WIDTHS]
    return max(tried, key=_fit)


SCREEN = (1450, 1000)  # px of drawing area the layout aims to fill (a laptop, less the sidebar)
ROW_WIDTHS = (12, 10, 8, 6, 5)  # nodes a row may hold before it is staggered, to choose from


def _fit(positions: dict[str, tuple[int, int]]) -> float:
    """The zoom at which the drawing fills SCREEN: larger is more legible."""
    xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
    width, height = max(xs) - min(xs) + SLOT, max(ys) - min(ys) + GAP
    return min(SCREEN[0] / width, SCREEN[1] / height)


def _rows_placed(
    rows: list[list[str]],
    neighbours: dict[str, set[str]],
    heights: dict[str, int],
    widths: dict[str, int],
    widest: int,
) -> dict[str, tuple[int, int]]:
    """Within a row the order and the place follow the mean x of the node's neighbours in other
    rows (a few sweeps down and up), so lines stay short and mostly vertical; nodes with no line
    to another row go to the row's right end; a row of more than `widest` nodes is staggered
    over several lines, neighbours alternating between them."""
    rows = [list(row) for row in rows]
    x: dict[str, float] = {}
    for row in rows:
        x.update({n: (i - (len(row) - 1) / 2) * SLOT for i, n in enumerate(row)})
    for sweep in range(8):
        for row in rows if sweep % 2 == 0 else rows[::-1]:
            wanted = {
                n: sum(x[m] for m in neighbours[n]) / len(neighbours[n])
                for n in row
                if neighbours[n]
            }
            row.sort(key=lambda n: (n not in wanted, wanted.get(n, 0.0), x[n], n))
            lines = _lines(row, widest)
            gaps = [max(SLOT, (widths[a] + widths[b]) / 2 + 25) / lines for a, b in pairwise(row)]
            _place(row, wanted, x, gaps)
    positions, top = {}, 0.0
    for row in rows:
        lines = _lines(row, widest)
        tall = max(heights[n] for n in row)
        for i, node in enumerate(row):
            positions[node] = (round(x[node]), round(top + tall / 2 + (i % lines) * (tall + 10)))
        top += lines * (tall + 10) - 10 + GAP
    return positions


def _lines(row: list[str], widest: int) -> int:
    return -(-len(row) // widest)


def _place(
    row: list[str], wanted: dict[str, float], x: dict[str, float], gaps: list[float]
) -> None:
    """Put the row's nodes, in order, at least their gaps apart and as near their wanted x as
    that allows, the row centred on where its connected nodes want to be (else on 0)."""
    placed: list[float] = []
    for node, gap in zip(row, [0.0, *gaps], strict=True):
        at = wanted.get(node, placed[-1] + gap if placed else 0.0)
        placed.append(max(at, placed[-1] + gap) if placed else at)
    pulls = [wanted[n] - at for n, at in zip(row, placed, strict=True) if n in wanted]
    shift = sum(pulls) / len(pulls) if pulls else -sum(placed) / len(placed)
    for node, at in zip(row, placed, strict=True):
        x[node] = at + shift


# ---------------------------------------------------------------------------------------------
# What a click shows: labels, kind, key facts, sources, links
# ---------------------------------------------------------------------------------------------


def name(graph: nx.MultiDiGraph, node: str, lang: str = "sv") -> str:
    """A node's name for people: its label, a law's short title and SFS number, else its IRI."""
    attrs = graph.nodes[node]
    if attrs["labels"]:
        return label(graph, node, lang)
    local = value(graph, node, "eli:id_local")
    short = value(graph, node, "eli:title_short")
    if local:
        return f"{short} ({local})" if short else str(local)
    title = text(graph, node, "dct:title", lang) or value(graph, node, "dct:title")
    return str(title) if title else node


def href(node: str) -> str | None:
    """The node's page on our server, for the resources under our /id/ namespace."""
    if node.startswith(str(ID)):
        return "/id/" + quote(node[len(str(ID)) :], safe="/")
    return None


def _texts(graph: nx.MultiDiGraph, node: str, predicate: str) -> list[str]:
    """Every value of a literal property, Swedish first, then English, then the rest."""
    texts = graph.nodes[node]["texts"].get(predicate, {})
    values = [str(v) for v in graph.nodes[node]["values"].get(predicate, [])]
    first = [texts[lang] for lang in ("sv", "en") if lang in texts]
    return list(dict.fromkeys([*first, *sorted(values)]))


LIST_ITEMS = 20  # a panel list longer than this ends with "… and N more" (the page stays small)


Item = tuple[str, str | None]  # what a list in the panel says, and the node it names


def _item(graph: nx.MultiDiGraph, node: str, note: str = "") -> Item:
    return name(graph, node) + (f": {note}" if note else ""), node


def _both(graph: nx.MultiDiGraph, node: str) -> str:
    sv, en = label(graph, node, "sv"), label(graph, node, "en")
    return sv if sv == en else f"{en} ({sv})"


def _members(graph: nx.MultiDiGraph, body: str) -> list[Item]:
    """Each member once, with all its roles ("member (ledamot), substitute (ersättare)")."""
    roles: dict[str, list[str]] = defaultdict(list)
    for membership in sorted(_in(graph, body, "org:organization")):
        out = _objects(graph, membership)
        these = [_both(graph, r) for r in sorted(out["org:role"])]
        if value(graph, membership, "hsvo:votingRight") is False:
            these.append("no vote")
        appointed = [name(graph, a) for a in out["hsvo:appointedBy"]]
        if appointed:
            these.append("appointed by " + ", ".join(appointed))
        for member in out["org:member"]:
            roles[member] += [r for r in these if r not in roles[member]]
    rows = [_item(graph, member, ", ".join(found)) for member, found in roles.items()]
    return sorted(rows, key=lambda r: r[0].casefold())


def _funded_by(graph: nx.MultiDiGraph, node: str) -> list[Item]:
    """Who pays what share of the node's costs, and on what basis."""
    rows = []
    for share in sorted(_in(graph, node, "hsvo:funds")):
        basis = text(graph, share, "hsvo:allocationBasis", "en")
        note = f"pays {_percent(value(graph, share, 'hsvo:share', '?'))}"
        for payer in _out(graph, share, "hsvo:payer"):
            rows.append(_item(graph, payer, note + (f", {basis}" if basis else "")))
    return rows


def _pays_for(graph: nx.MultiDiGraph, node: str) -> list[Item]:
    """What the node pays a share of."""
    rows = []
    for share in sorted(_in(graph, node, "hsvo:payer")):
        note = f"{_percent(value(graph, share, 'hsvo:share', '?'))} of its costs"
        rows += [_item(graph, funded, note) for funded in _out(graph, share, "hsvo:funds")]
    return rows


def _responsibilities(graph: nx.MultiDiGraph, task: str) -> list[Item]:
    """Who answers for the task where, on what legal basis, and who took it over by which
    agreement."""
    rows = []
    every = {"hsvo:Municipality": "every municipality", "hsvo:Region": "every region"}
    for rule in sorted(_in(graph, task, "hsvo:task")):
        places = [name(graph, p) for p in _out(graph, rule, "hsvo:scope")]
        bases = ", ".join(name(graph, b) for b in _out(graph, rule, "hsvo:legalBasis"))
        for kind in _out(graph, rule, "hsvo:principalKind"):
            who = every.get(shorten(kind), shorten(kind))
            where = ", ".join(places)
            rows.append((f"{who} (by law, {where}): {bases}", rule))
        for party in _out(graph, rule, "hsvo:responsibleParty"):
            where = ", ".join(p for p in places if p != name(graph, party))
            note = ", ".join(x for x in (f"in {where}" if where else "", bases) if x)
            rows.append(_item(graph, party, note))
    for move in sorted(_in(graph, task, "hsvo:transfersTask")):
        agreements = ", ".join(name(graph, a) for a in _out(graph, move, "hsvo:byAgreement"))
        for party in _out(graph, move, "hsvo:toParty"):
            rows.append(_item(graph, party, f"by transfer ({agreements})"))
    return sorted(rows, key=lambda r: r[0].casefold())


def _period(graph: nx.MultiDiGraph, node: str) -> str | None:
    for period in _out(graph, node, "dct:temporal"):
        start = value(graph, period, "dcat:startDate")
        end = value(graph, period, "dcat:endDate")
        if start or end:
            return f"{start or '…'} – {end or 'until further notice'}"
    return None


def _adoptions(graph: nx.MultiDiGraph, agreement: str) -> list[Item]:
    rows = []
    for adoption in sorted(_out(graph, agreement, "hsvo:adoption")):
        number = value(graph, adoption, "hsvo:registrationNumber")
        when = _period(graph, adoption)
        note = ", ".join(str(x) for x in (when, f"Dnr {number}" if number else None) if x)
        for adopter in _out(graph, adoption, "hsvo:adoptedBy"):
            rows.append(_item(graph, adopter, note))
    return rows


def _facts(graph: nx.MultiDiGraph, node: str, category: str) -> list[list[str]]:
    """The key facts a person looks for first, by kind of node."""
    facts: list[list[str]] = []

    def add(title: str, fact) -> None:
        if fact not in (None, "", []):
            facts.append([title, str(fact)])

    if category == "body":
        add("Kind", _body_kind(graph, node).label)
        for level in _out(graph, node, "hsvo:level"):
            add("Level", _both(graph, level))
        add("Meetings per year", value(graph, node, "hsvo:meetingsPerYear"))
        decides = value(graph, node, "hsvo:decisionMaking")
        add("Decision-making", {True: "yes", False: "no"}.get(decides))
        for rule in _texts(graph, node, "hsvo:chairRule"):
            add("Chair rule", rule)
    elif category == "organisation":
        add("Kommunkod", value(graph, node, "hsvo:municipalityCode"))
        add("County code", value(graph, node, "hsvo:countyCode"))
        for county in _out(graph, node, "hsvo:county"):
            add("County", name(graph, county))
    elif category == "agreement":
        add("Period", _period(graph, node))
        add("Notice period", value(graph, node, "hsvo:noticePeriod"))
        add("Renewal period", value(graph, node, "hsvo:renewalPeriod"))
    elif category == "law":
        add("SFS", value(graph, node, "eli:id_local"))
        for title in _texts(graph, node, "eli:title"):
            add("Title", title)
        add("In force from", value(graph, node, "eli:first_date_entry_in_force"))
        add("In force until", value(graph, node, "eli:date_no_longer_in_force"))
    elif category == "activity":
        add("Year", value(graph, node, "hsvo:year"))
    return facts


def _lists(lines: Lines, node: str, category: str) -> list[dict]:
    """Longer facts as lists: members and roles, posts, funding shares, lines, adoptions."""
    graph = lines.graph
    lists = []

    def add(title: str, items: list[Item]) -> None:
        if len(items) > LIST_ITEMS:
            more = (f"… and {len(items) - LIST_ITEMS:,} more", None)
            items = [*items[:LIST_ITEMS], more]
        if items:
            lists.append({"title": title, "items": items})

    if category == "body":
        add("Members and roles", _members(graph, node))
        posts = sorted(_in(graph, node, "org:postIn"))
        add(
            "Posts",
            [
                _item(graph, p, ", ".join(_both(graph, r) for r in _out(graph, p, "org:role")))
                for p in posts
            ],
        )
    add("Funding", _funded_by(graph, node))
    add("Pays for", _pays_for(graph, node))
    if category == "task":
        add("Responsible (by law and agreement)", _responsibilities(graph, node))
    if category == "agreement":
        add("Adopted by", _adoptions(graph, node))
    told = {
        "body": {"member_of", "post_in"},  # members and posts, above
        "task": {"responsible_for"},  # responsibilities, above
        "agreement": {"adopted"},  # adoptions with their dates and numbers, above
    }.get(category, set())
    out, into = defaultdict(list), defaultdict(list)
    for line in lines.around(node):
        if line.relation == "funds" or (line.relation in told and line.target == node):
            continue
        if line.source == node:
            out[line.relation].append(_item(graph, line.target, line.detail))
        else:
            into[line.relation].append(_item(graph, line.source, line.detail))
    for relation in sorted(out):
        add(_capital(RELATIONS[relation].label), _unique(out[relation]))
    for relation in sorted(into):
        add(_capital(RELATIONS[relation].inverse), _unique(into[relation]))
    return lists


def _capital(words: str) -> str:
    return words[:1].upper() + words[1:]


def _unique(items: list[Item]) -> list[Item]:
    return sorted(set(items), key=lambda i: (i[0].casefold(), i))


def _sources(graph: nx.MultiDiGraph, node: str) -> list[dict]:
    rows = []
    for document in sorted(_out(graph, node, "dct:source")):
        rows.append(
            {
                "title": name(graph, document),
                "file": str(value(graph, document, "dct:identifier") or ""),
                "href": href(document),
            }
        )
    return rows


def details(lines: Lines, node: str, category: str) -> dict:
    """Everything the details panel shows for a node, ready for the page's script."""
    graph = lines.graph
    attrs = graph.nodes[node]
    return {
        "name": name(graph, node),
        "labels": dict(sorted(attrs["labels"].items())),
        "alt": sorted({t for t, _ in attrs["alt_labels"]}),
        "kind": attrs["kind"].split(":")[-1],
        "category": category,
        "iri": node,
        "href": href(node),
        "facts": _facts(graph, node, category),
        "lists": _lists(lines, node, category),
        "description": _texts(graph, node, "dct:description"),
        "sources": _sources(graph, node),
        "sections": sorted(str(s) for s in attrs["values"].get("hsvo:sourceSection", [])),
        "task": label(graph, node, "sv") if category == "task" else None,
    }


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


@cache
def vis_network_js() -> str:
    """The vendored vis-network, to inline; without its source-map comment, which would make a
    browser's developer tools ask for a file the page does not have."""
    source = VIS_NETWORK.read_text(encoding="utf-8")
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", source)


def _look(graph: nx.MultiDiGraph, node: str, category: str) -> dict:
    """Shape and colours: bodies by their kind (political pink, official blue …), the other
    categories by their own."""
    cat = CATEGORIES[category]
    background, border, dashed = cat.background, cat.border, False
    if category == "body":
        kind = _body_kind(graph, node)
        background, border, dashed = kind.background, kind.border, kind.dashed
    size = font_size(category)
    look = {
        "shape": cat.shape,
        "color": {
            "background": background,
            "border": border,
            "highlight": {"background": "#fff8d6", "border": border},
            "hover": {"background": background, "border": "#1d2733"},
        },
        "borderWidth": 2 if category in ("body", "organisation") else 1,
        "font": {"size": size, "color": "#1d2733"},
        "widthConstraint": {"maximum": _width(name(graph, node), size)},
    }
    if dashed:
        look["shapeProperties"] = {"borderDashes": [6, 4]}
    if cat.shape in LABEL_BELOW:
        look["size"] = 14
    return look


def _kind_words(graph: nx.MultiDiGraph, node: str, category: str) -> str:
    if category == "body":
        return _body_kind(graph, node).label
    return CATEGORIES[category].singular


def _edge_label(relation: str, details: list[str]) -> str:
    words = RELATIONS[relation].label
    shown = [d for d in details if d]
    if not shown:
        return words
    if relation == "funds":
        return f"{words} {', '.join(shown)}"
    return f"{words} ({', '.join(shown)})"


Arrow = tuple[str, str, str]  # source, target, relation


def _arrows(selection: Selection) -> dict[Arrow, str]:
    """One arrow per relation between two nodes, its words with the details of every line it
    stands for (the roles of several memberships: "member of (member, substitute)")."""
    details: dict[Arrow, list[str]] = defaultdict(list)
    for line in selection.lines:
        found = details[(line.source, line.target, line.relation)]
        if line.detail not in found:
            found.append(line.detail)
    return {arrow: _edge_label(arrow[2], found) for arrow, found in sorted(details.items())}


BUNDLE = 3  # this many arrows with the same words into or out of one node carry them once


def _labelled(arrows: dict[Arrow, str], positions: dict[str, tuple[int, int]]) -> set[Arrow]:
    """The arrows that show their words. Eight kommuner "member of" one council, or a guideline
    with 26 parties, would stack the same words over each other: such a bundle shows them on
    its middle arrow only (every arrow keeps them in its tooltip)."""
    bundles: dict[tuple, list[Arrow]] = defaultdict(list)
    for arrow, words in arrows.items():
        bundles[("into", arrow[1], words)].append(arrow)
        bundles[("out of", arrow[0], words)].append(arrow)
    shown, bundled = set(), set()
    for (end, _, _), members in bundles.items():
        if len(members) < BUNDLE:
            continue
        bundled.update(members)
        far = 0 if end == "into" else 1  # the end that differs along the bundle
        members.sort(key=lambda a: (positions[a[far]][0], a))
        shown.add(members[len(members) // 2])
    return shown | (set(arrows) - bundled)


def network(graph: nx.MultiDiGraph, selection: Selection) -> Network:
    """The pyvis network: nodes at the computed positions, labelled arrows between them."""
    positions = layout(graph, selection)
    net = Network(directed=True, height="100%", width="100%")
    for node in sorted(selection.categories):
        category = selection.categories[node]
        x, y = positions[node]
        look = _look(graph, node, category)
        if node == selection.focus:
            look["borderWidth"] = 5
        net.add_node(
            node,
            label=_short(name(graph, node)),
            title=f"{name(graph, node)}\n{_kind_words(graph, node, category)}",
            x=x,
            y=y,
            category=category,
            **look,
        )
    arrows = _arrows(selection)
    labelled = _labelled(arrows, positions)
    for arrow, words in arrows.items():
        source, target, relation = arrow
        look = RELATIONS[relation]
        style = {"dashes": True} if look.dashes else {}
        if positions[source][1] == positions[target][1]:  # along a row: bend, do not overlap
            style["smooth"] = {"type": "curvedCW", "roundness": 0.25}
            # vis-network 10.1.5 puts the words of a right-to-left curve, aligned along it,
            # beside one of its nodes; level words sit where they belong
            style["font"] = {"align": "horizontal"}
        net.add_edge(
            source,
            target,
            label=words if arrow in labelled else "",
            relation=relation,
            words=words,  # the page's script builds each tooltip from these
            color={"color": look.colour},
            **style,
        )
    net.options = OPTIONS
    net.set_template_dir(str(TEMPLATES), "graph.html")
    return net


OPTIONS = {
    "autoResize": True,
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
    "interaction": {
        "hover": True,
        "navigationButtons": True,
        "keyboard": {"enabled": True, "bindToWindow": False},
        "tooltipDelay": 250,
        "multiselect": False,
    },
    "nodes": {"font": {"face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"}},
    "edges": {
        "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
        "font": {
            "size": 13,
            "color": "#3c4650",
            "strokeWidth": 4,
            "strokeColor": "#ffffff",
            "align": "middle",
            "face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        },
        "width": 1.3,
        "selectionWidth": 2,
        "color": {"highlight": "#1d2733", "hover": "#1d2733", "inherit": False},
        "smooth": {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.45},
    },
}


@dataclass
class PageArgs:
    """What the page was asked for, echoed in its form."""

    county: str | None
    focus: str | None
    depth: int
    kinds: list[str]
    max_nodes: int
    areas: list[str] = field(default_factory=list)


def _municipalities(graph: nx.MultiDiGraph, county: str | None) -> list[str]:
    """Names for the "who is responsible" form: the municipalities of the view's area."""
    found = {
        name(graph, node)
        for node, attrs in graph.nodes(data=True)
        if attrs["kind"] == "Municipality" and (not county or county in areas_of(graph, node))
    }
    return sorted(found, key=str.casefold)


def _search_names(graph: nx.MultiDiGraph, selection: Selection) -> dict[str, list[str]]:
    """Every name a node of the page goes by (labels, abbreviations), for the search box."""
    names = {}
    for node in sorted(selection.categories):
        attrs = graph.nodes[node]
        known = [name(graph, node), *attrs["labels"].values(), *(t for t, _ in attrs["alt_labels"])]
        names[node] = list(dict.fromkeys(known))
    return names


def _status(graph: nx.MultiDiGraph, selection: Selection, args: PageArgs) -> str:
    shown = len(selection.categories)
    where = f"county {args.county}" if args.county else "the whole graph"
    if selection.focus:
        where = f"{args.depth} step(s) around {name(graph, selection.focus)}" + (
            f" in county {args.county}" if args.county else ""
        )
    return f"{shown} nodes and {len(selection.lines)} lines of {where}."


def _cap_note(selection: Selection, args: PageArgs) -> str | None:
    if not selection.capped:
        return None
    total = f"at least {selection.total:,}" if selection.at_least else f"{selection.total:,}"
    return (
        f"Capped: the view holds {total} nodes; only the first {args.max_nodes:,} are drawn "
        "(bodies first, then organisations, agreements, tasks and laws; nearest first around "
        "a focus). Choose a county, a focus node with a smaller depth or fewer kinds to see "
        "the rest."
    )


def render(
    graph: nx.MultiDiGraph,
    county: str | None = None,
    focus: str | None = None,
    depth: int = 2,
    kinds: list[str] | None = None,
    max_nodes: int = MAX_NODES,
) -> str:
    """The page for a county (data area), a focus node's neighbourhood within depth lines, and
    the kinds asked for (DEFAULT_KINDS when none are given); at most max_nodes nodes."""
    wanted = list(dict.fromkeys(kinds)) if kinds else list(DEFAULT_KINDS)
    unknown = [k for k in wanted if k not in CATEGORIES]
    if unknown:
        raise ViewError(f"no kind called {', '.join(map(repr, unknown))}", CATEGORIES)
    if not 1 <= depth <= MAX_DEPTH:
        raise ViewError(f"depth must be 1 to {MAX_DEPTH}, not {depth}")
    if max_nodes < 1:
        raise ViewError("max_nodes must be at least 1")
    lines = Lines(graph)
    selection = select(lines, county or None, focus or None, depth, wanted, max_nodes)
    args = PageArgs(county or None, focus or None, depth, wanted, max_nodes, data_areas(graph))
    net = network(graph, selection)
    nodes, edges, *_ = net.get_network_data()
    template = net.templateEnv.get_template(net.path)
    return template.render(
        vis_js=vis_network_js(),
        data={
            "nodes": nodes,
            "edges": edges,
            "options": net.options,
            "details": {n: details(lines, n, c) for n, c in sorted(selection.categories.items())},
            "names": _search_names(graph, selection),
            "municipalities": _municipalities(graph, args.county),
            "focus": selection.focus,
            "ids": str(ID),
            "kinds": args.kinds,
        },
        args=args,
        categories=list(CATEGORIES.values()),
        body_kinds=list(BODY_KINDS.values()),
        relations={
            k: r for k, r in RELATIONS.items() if k in {x.relation for x in selection.lines}
        },
        status=_status(graph, selection, args),
        cap_note=_cap_note(selection, args),
        title=_title(graph, selection, args),
        max_depth=MAX_DEPTH,
        default_max_nodes=MAX_NODES,
    )


def _title(graph: nx.MultiDiGraph, selection: Selection, args: PageArgs) -> str:
    parts = ["Graph"]
    if args.county:
        parts.append(args.county)
    if selection.focus:
        parts.append(f"around {name(graph, selection.focus)}")
    return " · ".join(parts) + " · hsvo-graph"
