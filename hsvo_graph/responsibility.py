"""Who is responsible for task X in municipality Y on date D, and why (DESIGN.md §6).

The resolver walks the networkx projection: it finds the nearest task (the one asked, else its
nearest broader task) that has rules for the municipality's area, keeps the rules whose period
and legal basis hold on the date, applies transfers made by agreements in force (unless the task
is excepted), and explains each party with laws, agreements, the node path and the sources.
Several parties are returned as several parties; no rule is an "unknown" answer saying what is
missing, never a guess.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import networkx as nx

from hsvo_graph.projection import label, targets, text, value

TASK, PARTY, BASIS, SCOPE = "hsvo:task", "hsvo:responsibleParty", "hsvo:legalBasis", "hsvo:scope"
TEMPORAL, SPECIFIED_BY, ULTIMATE = "dct:temporal", "hsvo:specifiedBy", "hsvo:ultimateResponsibility"
T_TASK, T_FROM, T_TO = "hsvo:transfersTask", "hsvo:fromParty", "hsvo:toParty"
T_AGREEMENT, T_EXCEPT = "hsvo:byAgreement", "hsvo:except"
BROADER, COUNTY, PART_OF = "skos:broader", "hsvo:county", "eli:is_part_of"
IN_FORCE_FROM, IN_FORCE_UNTIL = "eli:first_date_entry_in_force", "eli:date_no_longer_in_force"


class ResolutionError(Exception):
    """Base of the resolver's errors; the API maps each kind to one HTTP status."""


class UnknownTask(ResolutionError):
    def __init__(self, query: str, suggestions: list[str]):
        self.query, self.suggestions = query, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown task {query!r}{hint}")


class UnknownMunicipality(ResolutionError):
    def __init__(self, query: str, suggestions: list[str]):
        self.query, self.suggestions = query, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown municipality {query!r}{hint}")


class InvalidDate(ResolutionError):
    def __init__(self, value: str):
        self.value = value
        super().__init__(f"invalid date {value!r}: expected YYYY-MM-DD")


def normalize(text: str) -> str:
    """Case-, accent- and punctuation-insensitive: "Hälso- och sjukvård" -> "halso och sjukvard"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", plain).strip()


def municipality_keys(name: str) -> set[str]:
    """Ways a municipality is asked for: "Östhammars kommun", "Östhammar", "osthammar"."""
    key = normalize(name)
    keys = {key}
    for suffix in (" kommun", " stad", " municipality"):
        if key.endswith(suffix):
            base = key[: -len(suffix)]
            keys |= {base, base[:-1]} if base.endswith("s") else {base}
    return keys


def parse_date(value: str | dt.date | None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise InvalidDate(str(value)) from None


@dataclass
class Ref:
    iri: str
    label: str


@dataclass
class LawRef(Ref):
    id_local: str | None = None
    in_force_from: str | None = None
    in_force_until: str | None = None


@dataclass
class SourceRef:
    resource: str
    documents: list[str]
    titles: list[str]
    sections: list[str]


@dataclass
class TransferRef(Ref):
    from_party: Ref | None = None
    to_party: Ref | None = None
    agreement: Ref | None = None
    start: str | None = None


@dataclass
class Party:
    party: Ref
    kind: str
    legal_basis: list[LawRef]
    agreements: list[Ref]
    transfers: list[TransferRef]
    explanation: dict[str, str]
    path: list[Ref]
    sources: list[SourceRef]
    responsibility: str
    ultimate_responsibility: bool | None = None


@dataclass
class Answer:
    task: Ref
    rule_task: Ref | None
    municipality: Ref
    municipality_code: str | None
    county: Ref | None
    date: str
    status: str
    parties: list[Party] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=lambda: {"sv": [], "en": []})
    missing: dict[str, str] | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _in_period(graph: nx.MultiDiGraph, node: str, date: dt.date) -> bool:
    for period in targets(graph, node, TEMPORAL):
        start, end = value(graph, period, "dcat:startDate"), value(graph, period, "dcat:endDate")
        if isinstance(start, dt.date) and date < start:
            return False
        if isinstance(end, dt.date) and date > end:
            return False
    return True


class Resolver:
    """Indexes built once from the projection; `resolve` is then cheap."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        # difflib over every name is most of what a 404 costs, and callers repeat a mistake.
        self._suggest = functools.lru_cache(maxsize=4096)(self._close_labels)
        self.task_keys: dict[str, set[str]] = defaultdict(set)
        self.municipality_keys: dict[str, set[str]] = defaultdict(set)
        # Rules, transfers and exceptions by (task, area they apply to): a question then reads
        # only the rules for its municipality and county, however many kommuner there are.
        self.rules: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.transfers: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.exceptions: dict[tuple[str, str], list[str]] = defaultdict(list)
        for node, attrs in graph.nodes(data=True):
            kind = attrs["kind"]
            names = [*attrs["labels"].values(), *(text for text, _ in attrs["alt_labels"])]
            if kind == "Task":
                for name in names:
                    self.task_keys[normalize(name)].add(node)
            elif kind == "Municipality":
                for name in names:
                    for key in municipality_keys(name):
                        self.municipality_keys[key].add(node)
                for code in attrs["values"].get("hsvo:municipalityCode", []):
                    self.municipality_keys[code].add(node)
                self.municipality_keys[node].add(node)
            elif kind == "Responsibility":
                for task in targets(graph, node, TASK):
                    for area in targets(graph, node, SCOPE):
                        self.rules[task, area].append(node)
            elif kind == "ResponsibilityTransfer":
                for area in targets(graph, node, SCOPE):
                    for task in targets(graph, node, T_TASK):
                        self.transfers[task, area].append(node)
                    for task in targets(graph, node, T_EXCEPT):
                        self.exceptions[task, area].append(node)

    # -- finding what was asked ------------------------------------------------------------

    def _close_labels(self, kind: str, query: str) -> tuple[str, ...]:
        """Labels of the tasks or municipalities whose names are close to `query`."""
        keys = self.task_keys if kind == "task" else self.municipality_keys
        wanted = normalize(query)
        close = difflib.get_close_matches(wanted, list(keys), n=8, cutoff=0.6)
        close += [k for k in keys if wanted and (wanted in k or k in wanted) and k not in close]
        labels: list[str] = []
        for key in close:
            for node in sorted(keys[key]):
                text = label(self.graph, node)
                if text not in labels:
                    labels.append(text)
        return tuple(labels[:5])

    def find_task(self, query: str) -> str:
        found = self.task_keys.get(normalize(query), set())
        if len(found) == 1:
            return next(iter(found))
        suggestions = [label(self.graph, n) for n in sorted(found)] or list(
            self._suggest("task", query)
        )
        raise UnknownTask(query, suggestions)

    def find_municipality(self, query: str) -> str:
        key = query.strip()
        found = self.municipality_keys.get(key) or set().union(
            *(self.municipality_keys.get(k, set()) for k in municipality_keys(key))
        )
        if len(found) == 1:
            return next(iter(found))
        suggestions = [label(self.graph, n) for n in sorted(found)] or list(
            self._suggest("municipality", query)
        )
        raise UnknownMunicipality(query, suggestions)

    # -- walking the graph -----------------------------------------------------------------

    def ancestors(self, task: str) -> list[list[str]]:
        """The task, then its broader tasks level by level (nearest first)."""
        levels, seen, level = [], {task}, [task]
        while level:
            levels.append(level)
            nxt = [b for t in level for b in targets(self.graph, t, BROADER) if b not in seen]
            seen.update(nxt)
            level = nxt
        return levels

    def areas(self, municipality: str) -> list[str]:
        """The municipality and its county: the areas a rule for it may be stated for."""
        return [municipality, *targets(self.graph, municipality, COUNTY)]

    def _indexed(self, index: dict, task: str, place: str) -> list[str]:
        return list(
            dict.fromkeys(n for area in self.areas(place) for n in index.get((task, area), []))
        )

    def law_of(self, basis: str) -> str:
        law, seen = basis, set()
        while (parents := targets(self.graph, law, PART_OF)) and law not in seen:
            seen.add(law)
            law = parents[0]
        return law

    def in_force(self, basis: str, date: dt.date) -> bool:
        law = self.law_of(basis)
        start, end = value(self.graph, law, IN_FORCE_FROM), value(self.graph, law, IN_FORCE_UNTIL)
        return not (isinstance(start, dt.date) and date < start) and not (
            isinstance(end, dt.date) and date > end
        )

    def _law_ref(self, basis: str, lang: str) -> LawRef:
        """A law or section as cited: a section by its identifier, a law by its title."""
        law = self.law_of(basis)
        start, end = value(self.graph, law, IN_FORCE_FROM), value(self.graph, law, IN_FORCE_UNTIL)
        id_local = value(self.graph, basis, "eli:id_local")
        title = text(self.graph, law, "eli:title", lang)
        return LawRef(
            iri=basis,
            label=(title if basis == law else id_local) or id_local or basis,
            id_local=id_local,
            in_force_from=start.isoformat() if isinstance(start, dt.date) else None,
            in_force_until=end.isoformat() if isinstance(end, dt.date) else None,
        )

    def _ref(self, node: str, lang: str) -> Ref:
        """A node with its label; the unlabelled n-ary rules get one made of their parts."""
        g, kind = self.graph, self.graph.nodes[node]["kind"] if node in self.graph else ""
        if kind == "Responsibility" and not g.nodes[node]["labels"]:
            task, party = targets(g, node, TASK)[:1], targets(g, node, PARTY)[:1]
            word = "ansvar" if lang == "sv" else "responsibility"
            parts = [label(g, n, lang) for n in (*task, *party)]
            return Ref(iri=node, label=f"{word}: {' – '.join(parts)}")
        if kind == "ResponsibilityTransfer" and not g.nodes[node]["labels"]:
            task, to = targets(g, node, T_TASK)[:1], targets(g, node, T_TO)[:1]
            word = "överlåtelse" if lang == "sv" else "transfer"
            parts = [label(g, n, lang) for n in (*task, *to)]
            return Ref(iri=node, label=f"{word}: {' → '.join(parts)}")
        return Ref(iri=node, label=label(g, node, lang))

    def _sources(self, nodes: list[str]) -> list[SourceRef]:
        refs = []
        for node in nodes:
            docs = targets(self.graph, node, "dct:source")
            refs.append(
                SourceRef(
                    resource=node,
                    documents=[value(self.graph, d, "dct:identifier", d) for d in docs],
                    titles=[text(self.graph, d, "dct:title") or "" for d in docs],
                    sections=[
                        str(s)
                        for s in self.graph.nodes[node]["values"].get("hsvo:sourceSection", [])
                    ],
                )
            )
        return refs

    # -- the answer ------------------------------------------------------------------------

    def resolve(self, task: str, municipality: str, date=None, lang: str = "sv") -> Answer:
        when = parse_date(date)
        task_node = self.find_task(task)
        place = self.find_municipality(municipality)
        county = next(iter(targets(self.graph, place, COUNTY)), None)
        answer = Answer(
            task=self._ref(task_node, lang),
            rule_task=None,
            municipality=self._ref(place, lang),
            municipality_code=value(self.graph, place, "hsvo:municipalityCode"),
            county=self._ref(county, lang) if county else None,
            date=when.isoformat(),
            status="unknown",
        )
        levels = self.ancestors(task_node)
        rule_level, rules = None, []
        for level in levels:
            rules = [r for t in level for r in self._indexed(self.rules, t, place)]
            if rules:
                rule_level = level
                break
        if not rules:
            tried = ", ".join(label(self.graph, t, "sv") for lvl in levels for t in lvl)
            area = label(self.graph, county, "sv") if county else label(self.graph, place, "sv")
            answer.missing = {
                "sv": f"Grafen har ingen ansvarsregel för {tried} som gäller {area}.",
                "en": f"The graph holds no responsibility rule for {tried} that applies to {area}.",
            }
            return answer
        rule_task = next(t for t in rule_level if self._indexed(self.rules, t, place))
        answer.rule_task = self._ref(rule_task, lang)
        if rule_task != task_node:
            asked = {lang: label(self.graph, task_node, lang) for lang in ("sv", "en")}
            broader = {lang: label(self.graph, rule_task, lang) for lang in ("sv", "en")}
            answer.notes["sv"].append(
                f"Grafen har ingen egen regel för {asked['sv']}; "
                f"den närmaste bredare uppgiften med en regel är {broader['sv']}."
            )
            answer.notes["en"].append(
                f"The graph has no rule of its own for {asked['en']}; "
                f"the nearest broader task with a rule is {broader['en']}."
            )
        valid, excluded = [], []
        for rule in rules:
            bases = [b for b in targets(self.graph, rule, BASIS) if self.in_force(b, when)]
            if _in_period(self.graph, rule, when) and bases:
                valid.append((rule, bases))
            else:
                excluded.append(rule)
        if not valid:
            laws = sorted({b for r in excluded for b in targets(self.graph, r, BASIS)})
            described = "; ".join(
                f"{ref.label} ({ref.in_force_from or '…'}–{ref.in_force_until or '…'})"
                for ref in (self._law_ref(b, lang) for b in laws)
            )
            answer.missing = {
                "sv": f"Inget lagstöd för {label(self.graph, rule_task, 'sv')} i grafen gäller "
                f"{when.isoformat()}: {described}.",
                "en": f"No legal basis for {label(self.graph, rule_task, 'en')} in the graph is in "
                f"force on {when.isoformat()}: {described}.",
            }
            return answer
        answer.parties = self._parties(task_node, rule_task, place, when, valid, lang)
        answer.status = "known"
        return answer

    def _transfer_for(self, task_node: str, party: str, place: str, when: dt.date):
        """The transfer that moves this task away from this party here and now, if any, and
        the transfers that would have but except the task."""
        chain = [t for level in self.ancestors(task_node) for t in level]
        applied, excepted = None, []
        for task in chain:
            for transfer in self._indexed(self.transfers, task, place):
                if party not in targets(self.graph, transfer, T_FROM):
                    continue
                if not _in_period(self.graph, transfer, when):
                    continue
                agreement = next(iter(targets(self.graph, transfer, T_AGREEMENT)), None)
                if agreement and not _in_period(self.graph, agreement, when):
                    continue
                exceptions = set(targets(self.graph, transfer, T_EXCEPT))
                if exceptions & set(chain[: chain.index(task) + 1]):
                    excepted.append(transfer)
                elif applied is None:
                    applied = (transfer, task)
        for exception_task in chain:
            for transfer in self._indexed(self.exceptions, exception_task, place):
                if transfer not in excepted and party in targets(self.graph, transfer, T_FROM):
                    excepted.append(transfer)
        return applied, excepted

    def _parties(self, task_node, rule_task, place, when, valid, lang) -> list[Party]:
        """One Party per responsible party of the valid rules, after transfers."""
        g = self.graph
        by_party: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for rule, bases in valid:
            for party in targets(g, rule, PARTY):
                by_party[party].append((rule, bases))
        task_path = (
            nx.shortest_path(g, task_node, rule_task) if task_node != rule_task else [task_node]
        )

        def laws(bases: list[str]) -> list[str]:
            return list(dict.fromkeys(self.law_of(b) for b in bases))

        parties = []
        for party, rules in sorted(by_party.items()):
            rule_nodes = [r for r, _ in rules]
            bases = sorted({b for _, bs in rules for b in bs})
            agreements = sorted({a for r in rule_nodes for a in targets(g, r, SPECIFIED_BY)})
            ultimate = any(value(g, r, ULTIMATE) is True for r in rule_nodes)
            explanation = self._explain(task_node, party, place, when, bases, agreements, ultimate)
            path = [*task_path, rule_nodes[0], party]
            applied, excepted = self._transfer_for(task_node, party, place, when)
            for transfer in excepted:
                for lang_code, note in self._exception_note(transfer, task_node, party).items():
                    explanation[lang_code] += note
            final_party, transfers = party, []
            if applied:
                transfer, moved_task = applied
                final_party = targets(g, transfer, T_TO)[0]
                agreement = next(iter(targets(g, transfer, T_AGREEMENT)), None)
                transfers.append(self._transfer_ref(transfer, party, final_party, agreement, lang))
                bases = sorted(
                    {*bases, *(b for b in targets(g, transfer, BASIS) if self.in_force(b, when))}
                )
                agreements = sorted({*agreements, *([agreement] if agreement else [])})
                path = [*path, transfer, final_party]
                explanation = self._transfer_explanation(
                    task_node,
                    rule_task,
                    moved_task,
                    party,
                    final_party,
                    agreement,
                    place,
                    when,
                    transfers[0].start,
                )
            parties.append(
                Party(
                    party=self._ref(final_party, lang),
                    kind=g.nodes[final_party]["kind"],
                    legal_basis=[self._law_ref(b, lang) for b in bases],
                    agreements=[self._ref(a, lang) for a in agreements],
                    transfers=transfers,
                    explanation=explanation,
                    path=[self._ref(n, lang) for n in path],
                    sources=self._sources(
                        [*rule_nodes, *(t.iri for t in transfers), *agreements, *laws(bases)]
                    ),
                    responsibility=rule_nodes[0],
                    ultimate_responsibility=ultimate or None,
                )
            )
        return parties

    def _transfer_ref(self, transfer, from_party, to_party, agreement, lang) -> TransferRef:
        start = next(
            (
                value(self.graph, p, "dcat:startDate")
                for p in targets(self.graph, transfer, TEMPORAL)
            ),
            None,
        )
        return TransferRef(
            iri=transfer,
            label=label(self.graph, transfer, lang),
            from_party=self._ref(from_party, lang),
            to_party=self._ref(to_party, lang),
            agreement=self._ref(agreement, lang) if agreement else None,
            start=start.isoformat() if isinstance(start, dt.date) else None,
        )

    def _exception_note(self, transfer, task, party) -> dict[str, str]:
        """A sentence saying that an agreement moved a task elsewhere but excepted this one."""
        g = self.graph
        agreement = next(iter(targets(g, transfer, T_AGREEMENT)), transfer)
        moved, to = targets(g, transfer, T_TASK)[0], targets(g, transfer, T_TO)[0]

        def names(lang: str) -> tuple[str, ...]:
            return tuple(label(g, n, lang) for n in (agreement, moved, to, task, party))

        a, m, t, k, p = names("sv")
        sv = f" {a} överlåter {m} till {t} men undantar {k}, som stannar hos {p}."
        a, m, t, k, p = names("en")
        en = f" {a} transfers {m} to {t} but excepts {k}, which stays with {p}."
        return {"sv": sv, "en": en}

    def _transfer_explanation(
        self, task, rule_task, moved_task, from_party, to_party, agreement, place, when, start
    ) -> dict[str, str]:
        g = self.graph
        day = when.isoformat()

        def say(lang: str, t: tuple[str, ...]) -> str:
            since = f" {t[5]} {start}" if start else ""
            return (
                f"{t[0]} {label(g, from_party, lang)} {t[1]} {label(g, rule_task, lang)}, "
                f"{t[2]} {label(g, agreement, lang)} {t[3]} {label(g, moved_task, lang)} "
                f"{t[4]} {label(g, to_party, lang)}{since}. {t[6]} {label(g, to_party, lang)} "
                f"{t[7]} {label(g, task, lang)} {t[8]} {label(g, place, lang)} {t[9]} {day}."
            )

        return {
            "sv": say(
                "sv",
                (
                    "Enligt lag ansvarar",
                    "för",
                    "men genom",
                    "har ansvaret för",
                    "överlåtits till",
                    "från",
                    "Därför ansvarar",
                    "för",
                    "i",
                    "den",
                ),
            ),
            "en": say(
                "en",
                (
                    "By law",
                    "is responsible for",
                    "but through",
                    "responsibility for",
                    "has been transferred to",
                    "from",
                    "So",
                    "is responsible for",
                    "in",
                    "on",
                ),
            ),
        }

    def _explain(self, task, party, place, when, bases, agreements, ultimate) -> dict[str, str]:
        g = self.graph

        def laws(lang: str) -> str:
            return ", ".join(self._law_ref(b, lang).label for b in bases)

        def names(lang: str) -> str:
            return ", ".join(label(g, a, lang) for a in agreements)

        day = when.isoformat()
        text = {
            "sv": f"{label(g, party, 'sv')} ansvarar för {label(g, task, 'sv')} i "
            f"{label(g, place, 'sv')} den {day} enligt {laws('sv')}.",
            "en": f"{label(g, party, 'en')} is responsible for {label(g, task, 'en')} in "
            f"{label(g, place, 'en')} on {day} under {laws('en')}.",
        }
        if g.nodes[party]["kind"] == "LegalRole":
            text["sv"] += " Lagen lägger ansvaret på en roll, inte på en namngiven organisation."
            text["en"] += " The law places the duty on a role, not on a named organisation."
        if ultimate:
            text["sv"] += " Kommunen har det yttersta ansvaret."
            text["en"] += " The municipality has the ultimate responsibility."
        if agreements:
            text["sv"] += f" Omfattning och former preciseras i {names('sv')}."
            text["en"] += f" Its extent and forms are set out in {names('en')}."
        return text
