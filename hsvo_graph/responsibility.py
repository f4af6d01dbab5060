"""Who is responsible for task X in municipality Y on date D, and why.

Responsibility is layered. The baseline comes from the laws: a statutory rule says which kind of
principal (every kommun, every region) carries a task under which section, and holds while that
section is in force. Overlays from the sources sit on top: county or municipality rules (which
confirm or add to the baseline) and transfers made by agreements (which move a task to another
party, with exceptions). The resolver finds the municipality as it was on the date (the kommun
its area belonged to before it was formed, its county and its county council or region then),
takes the rules of the asked task and of the narrower tasks that split it between parties,
applies the transfers in force, and explains each party with the law of the date, the
agreements, the node path and the sources. Several parties are several parties, each with the
part it carries; no rule is an "unknown" answer saying what is missing, never a guess.
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

from hsvo_graph.projection import label, sources, targets, text, value

TASK, PARTY, KIND, BASIS, SCOPE = (
    "hsvo:task",
    "hsvo:responsibleParty",
    "hsvo:principalKind",
    "hsvo:legalBasis",
    "hsvo:scope",
)
TEMPORAL, SPECIFIED_BY, ULTIMATE = "dct:temporal", "hsvo:specifiedBy", "hsvo:ultimateResponsibility"
T_TASK, T_FROM, T_TO = "hsvo:transfersTask", "hsvo:fromParty", "hsvo:toParty"
T_AGREEMENT, T_EXCEPT = "hsvo:byAgreement", "hsvo:except"
BROADER, COUNTY, PART_OF = "skos:broader", "hsvo:county", "eli:is_part_of"
AFFILIATION, PRINCIPAL = "hsvo:affiliation", "hsvo:regionalPrincipal"
FORMER_NAME = "hsvo:formerName"
RESULTED_FROM, ORIGINAL = "org:resultedFrom", "org:originalOrganization"
IN_FORCE_FROM, IN_FORCE_UNTIL = "eli:first_date_entry_in_force", "eli:date_no_longer_in_force"
MUNICIPALITY = "https://w3id.org/hsvo/ontology#Municipality"
REGION = "https://w3id.org/hsvo/ontology#Region"
NATIONAL = "*"  # the area key of rules whose scope is the whole country


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


def normalize(text: str, accents: bool = False) -> str:
    """Case-, accent- and punctuation-insensitive: "Hälso- och sjukvård" -> "halso och sjukvard"
    (with `accents`, letters keep their accents: Håbo and Habo stay apart)."""
    if accents:
        return re.sub(r"[^\w]+", " ", text.casefold()).strip()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", plain).strip()


def municipality_keys(name: str, accents: bool = False) -> set[str]:
    """Ways a municipality is asked for: "Östhammars kommun", "Östhammar", "osthammar"."""
    key = normalize(name, accents)
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
    label_today: str | None = None  # when the resource bore another name on the date


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
class Part:
    """A task a party carries (or does not), with what tells it apart for routing."""

    task: Ref
    setting: Ref | None = None
    care_kind: Ref | None = None


@dataclass
class Party:
    party: Ref
    kind: str
    parts: list[Part]
    excluded: list[Part]
    layers: list[str]
    legal_basis: list[LawRef]
    agreements: list[Ref]
    transfers: list[TransferRef]
    explanation: dict[str, str]
    path: list[Ref]
    sources: list[SourceRef]
    responsibility: str
    ultimate_responsibility: bool | None = None
    notes: dict[str, list[str]] = field(default_factory=lambda: {"sv": [], "en": []})


@dataclass
class Answer:
    task: Ref
    rule_task: Ref | None
    municipality: Ref
    municipality_code: str | None
    county: Ref | None
    date: str
    status: str
    municipality_on_date: Ref | None = None
    regional_principal: Ref | None = None
    parties: list[Party] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=lambda: {"sv": [], "en": []})
    missing: dict[str, str] | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Assignment:
    """One rule applied: the task it is for, the party it gives (after any transfer)."""

    task: str
    rule: str
    bases: list[str]
    party: str  # the party the rule names or the principal it points to
    final: str  # after the transfer, if one applies
    transfer: tuple[str, str] | None  # (transfer, transferred task)
    excepted: list[str]  # transfers that would have moved it but except the task


def _period_holds(graph: nx.MultiDiGraph, node: str, date: dt.date) -> bool:
    """True unless one of the node's periods excludes the date (no period: always)."""
    for period in targets(graph, node, TEMPORAL):
        start, end = value(graph, period, "dcat:startDate"), value(graph, period, "dcat:endDate")
        if isinstance(start, dt.date) and date < start:
            return False
        if isinstance(end, dt.date) and date > end:
            return False
    return True


def _say(notes: dict[str, list[str]], sv: str, en: str) -> None:
    notes["sv"].append(sv)
    notes["en"].append(en)


class Resolver:
    """Indexes built once from the projection; `resolve` is then cheap."""

    def __init__(self, graph: nx.MultiDiGraph):
        self.graph = graph
        # difflib over every name is most of what a 404 costs, and callers repeat a mistake.
        self._suggest = functools.lru_cache(maxsize=4096)(self._close_labels)
        self._descendants = functools.lru_cache(maxsize=4096)(self._walk_down)
        self.task_keys: dict[str, set[str]] = defaultdict(set)
        self.municipality_keys: dict[str, set[str]] = defaultdict(set)
        # Rules, transfers and exceptions by (task, area they apply to): a question then reads
        # only the rules for its municipality, its county and the country.
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
            elif kind in ("Responsibility", "StatutoryResponsibility"):
                for task in targets(graph, node, TASK):
                    for area in targets(graph, node, SCOPE):
                        self.rules[task, self._area_key(area)].append(node)
            elif kind == "ResponsibilityTransfer":
                for area in targets(graph, node, SCOPE):
                    for task in targets(graph, node, T_TASK):
                        self.transfers[task, self._area_key(area)].append(node)
                    for task in targets(graph, node, T_EXCEPT):
                        self.exceptions[task, self._area_key(area)].append(node)

    def _area_key(self, area: str) -> str:
        return NATIONAL if self.graph.nodes[area]["kind"] == "Country" else area

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
        if len(found) > 1:  # "Habo" is Habo, not Håbo: the accents decide between them
            asked = municipality_keys(key, accents=True)
            found = {n for n in found if asked & self._accented_names(n)} or found
        if len(found) == 1:
            return next(iter(found))
        suggestions = [label(self.graph, n) for n in sorted(found)] or list(
            self._suggest("municipality", query)
        )
        raise UnknownMunicipality(query, suggestions)

    def _accented_names(self, node: str) -> set[str]:
        attrs = self.graph.nodes[node]
        names = [*attrs["labels"].values(), *(text for text, _ in attrs["alt_labels"])]
        return {k for name in names for k in municipality_keys(name, accents=True)}

    # -- the municipality as it was on the date ---------------------------------------------

    def place_on(self, municipality: str, when: dt.date) -> tuple[str, list[tuple[str, str]]]:
        """The kommun that covered the municipality's area on the date (itself, or the one it
        was formed out of), with the sentences that say so."""
        place, said = municipality, []
        while True:
            events = [
                (e, value(self.graph, e, "dct:date"))
                for e in targets(self.graph, place, RESULTED_FROM)
            ]
            formed = [(e, day) for e, day in events if isinstance(day, dt.date) and when < day]
            if not formed:
                return place, said
            event, day = formed[0]
            origin = targets(self.graph, event, ORIGINAL)[0]
            said.append(
                (
                    f"{label(self.graph, place, 'sv')} bildades {day.isoformat()} ur "
                    f"{label(self.graph, origin, 'sv')}; den {when.isoformat()} hörde området "
                    f"till {label(self.graph, origin, 'sv')}, som svaret gäller.",
                    f"{label(self.graph, place, 'en')} was formed on {day.isoformat()} out of "
                    f"{label(self.graph, origin, 'en')}; on {when.isoformat()} its area was part "
                    f"of {label(self.graph, origin, 'en')}, which the answer is about.",
                )
            )
            place = origin

    def _affiliated(self, place: str, predicate: str, when: dt.date) -> tuple[str | None, bool]:
        """The object of the place's affiliation with `predicate` on the date, and whether the
        place has affiliations of that kind at all."""
        found, any_stated = None, False
        for affiliation in targets(self.graph, place, AFFILIATION):
            for target in targets(self.graph, affiliation, predicate):
                any_stated = True
                if _period_holds(self.graph, affiliation, when):
                    found = target
        return found, any_stated

    def county_on(self, place: str, when: dt.date) -> str | None:
        county, stated = self._affiliated(place, COUNTY, when)
        if stated:
            return county
        return next(iter(targets(self.graph, place, COUNTY)), None)

    def principal_on(self, place: str, when: dt.date) -> str | None:
        """The county council or region (or the kommun itself, outside any) on the date."""
        principal, stated = self._affiliated(place, PRINCIPAL, when)
        if stated:
            return principal
        county = self.county_on(place, when)
        regions = [
            r
            for r in sources(self.graph, county, COUNTY)
            if self.graph.nodes[r]["kind"] == "Region"
        ]
        return regions[0] if len(regions) == 1 else None

    def name_on(self, node: str, when: dt.date, lang: str) -> Ref:
        """The node with the name it bore on the date, and today's name beside it if they differ."""
        today = label(self.graph, node, lang)
        for former in targets(self.graph, node, FORMER_NAME):
            periods = targets(self.graph, former, TEMPORAL)
            if periods and _period_holds(self.graph, former, when):
                then = label(self.graph, former, lang)
                if then != former and then != today:
                    return Ref(iri=node, label=then, label_today=today)
        return Ref(iri=node, label=today)

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

    def _walk_down(self, task: str) -> tuple[str, ...]:
        """Every narrower task (by skos:broader pointing up), level by level, each level by
        label, so that parts are listed the same way every time."""
        found: dict[str, None] = {}
        level = [task]
        while level:
            nxt = {n for t in level for n in sources(self.graph, t, BROADER)} - set(found) - {task}
            level = sorted(nxt, key=lambda n: label(self.graph, n))
            found.update(dict.fromkeys(level))
        return tuple(found)

    def law_of(self, basis: str) -> str:
        law, seen = basis, set()
        while (parents := targets(self.graph, law, PART_OF)) and law not in seen:
            seen.add(law)
            law = parents[0]
        return law

    def in_force(self, basis: str, date: dt.date) -> bool:
        """A section counts while it and its law are in force (each may give its own dates)."""
        node, seen = basis, set()
        while node and node not in seen:
            seen.add(node)
            start = value(self.graph, node, IN_FORCE_FROM)
            end = value(self.graph, node, IN_FORCE_UNTIL)
            if isinstance(start, dt.date) and date < start:
                return False
            if isinstance(end, dt.date) and date > end:
                return False
            node = next(iter(targets(self.graph, node, PART_OF)), None)
        return True

    def _candidates(self, task: str, areas: list[str]) -> list[str]:
        return list(dict.fromkeys(r for area in areas for r in self.rules.get((task, area), [])))

    def valid_rules(
        self, task: str, areas: list[str], when: dt.date
    ) -> list[tuple[str, list[str]]]:
        """The task's rules for these areas whose period and legal basis hold on the date."""
        valid = []
        for rule in self._candidates(task, areas):
            bases = [b for b in targets(self.graph, rule, BASIS) if self.in_force(b, when)]
            if bases and _period_holds(self.graph, rule, when):
                valid.append((rule, bases))
        return valid

    def party_of(self, rule: str, place: str, principal: str | None) -> str | None:
        named = targets(self.graph, rule, PARTY)
        if named:
            return named[0]
        kind = next(iter(targets(self.graph, rule, KIND)), None)
        return place if kind == MUNICIPALITY else principal if kind == REGION else None

    def _transfer_for(self, task: str, party: str, areas: list[str], when: dt.date):
        """The transfer that moves this task (or a broader one) away from this party here and
        now, if any, and the transfers that would have but except the task."""
        chain = [t for level in self.ancestors(task) for t in level]
        applied, excepted = None, []
        for moved in chain:
            for transfer in self._indexed(self.transfers, moved, areas):
                if party not in targets(self.graph, transfer, T_FROM):
                    continue
                if not _period_holds(self.graph, transfer, when):
                    continue
                agreement = next(iter(targets(self.graph, transfer, T_AGREEMENT)), None)
                if agreement and not _period_holds(self.graph, agreement, when):
                    continue
                if not any(self.in_force(b, when) for b in targets(self.graph, transfer, BASIS)):
                    continue
                if set(targets(self.graph, transfer, T_EXCEPT)) & set(chain):
                    excepted.append(transfer)
                elif applied is None:
                    applied = (transfer, moved)
        # A transfer of another task that names this one as an exception says it stays here.
        for task_ in chain:
            for transfer in self._indexed(self.exceptions, task_, areas):
                if (
                    transfer not in excepted
                    and party in targets(self.graph, transfer, T_FROM)
                    and _period_holds(self.graph, transfer, when)
                ):
                    excepted.append(transfer)
        return applied, excepted

    def _indexed(self, index: dict, task: str, areas: list[str]) -> list[str]:
        return list(dict.fromkeys(n for area in areas for n in index.get((task, area), [])))

    # -- the answer ------------------------------------------------------------------------

    def resolve(self, task: str, municipality: str, date=None, lang: str = "sv") -> Answer:
        when = parse_date(date)
        task_node = self.find_task(task)
        asked = self.find_municipality(municipality)
        place, said = self.place_on(asked, when)
        county = self.county_on(place, when)
        principal = self.principal_on(place, when)
        answer = Answer(
            task=self._ref(task_node, lang),
            rule_task=None,
            municipality=self._ref(asked, lang),
            municipality_code=value(self.graph, asked, "hsvo:municipalityCode"),
            county=self.name_on(county, when, lang) if county else None,
            date=when.isoformat(),
            status="unknown",
            municipality_on_date=self.name_on(place, when, lang) if place != asked else None,
            regional_principal=self.name_on(principal, when, lang) if principal else None,
        )
        for sv, en in said:
            _say(answer.notes, sv, en)
        areas = [place, *([county] if county else []), NATIONAL]

        own = self.valid_rules(task_node, areas, when)
        below = [
            (d, rules)
            for d in self._descendants(task_node)
            if (rules := self.valid_rules(d, areas, when))
        ]
        rule_task = task_node
        if not own and not below:
            for level in self.ancestors(task_node)[1:]:
                found = [(t, rules) for t in level if (rules := self.valid_rules(t, areas, when))]
                if found:
                    rule_task, own = found[0]
                    break
        if not own and not below:
            answer.missing = self._missing(task_node, areas, when)
            return answer
        answer.rule_task = self._ref(rule_task, lang)
        if rule_task != task_node:
            names = {
                lg: (label(self.graph, task_node, lg), label(self.graph, rule_task, lg))
                for lg in ("sv", "en")
            }
            _say(
                answer.notes,
                f"Lagen, så som grafen återger den, har ingen egen regel för {names['sv'][0]} "
                f"den {when.isoformat()}; svaret gäller den närmaste bredare uppgiften, "
                f"{names['sv'][1]}.",
                f"The law, as the graph holds it, has no rule of its own for {names['en'][0]} on "
                f"{when.isoformat()}; the answer is for the nearest broader task, "
                f"{names['en'][1]}.",
            )

        assignments: list[Assignment] = []
        for t, rules in [(rule_task, own), *below]:
            for rule, bases in rules:
                party = self.party_of(rule, place, principal)
                if party is None:
                    _say(
                        answer.notes,
                        f"Vilket landsting eller vilken region {label(self.graph, place, 'sv')} "
                        f"hörde till den {when.isoformat()} finns inte i grafen.",
                        f"Which county council or region {label(self.graph, place, 'en')} belonged "
                        f"to on {when.isoformat()} is not in the graph.",
                    )
                    continue
                applied, excepted = self._transfer_for(t, party, areas, when)
                final = targets(self.graph, applied[0], T_TO)[0] if applied else party
                assignments.append(Assignment(t, rule, bases, party, final, applied, excepted))
        if not assignments:
            answer.missing = self._missing(task_node, areas, when)
            return answer

        main = [a for a in assignments if a.task == rule_task]
        main_parties = list(dict.fromkeys(a.final for a in main))
        extra: dict[str, list[Assignment]] = defaultdict(list)
        excluded: dict[str, list[str]] = defaultdict(list)
        for d in dict.fromkeys(a.task for a in assignments if a.task != rule_task):
            finals = {a.final for a in assignments if a.task == d}
            if finals <= set(main_parties):
                continue
            for a in assignments:
                if a.task == d and a.final not in main_parties:
                    extra[a.final].append(a)
            for p in main_parties:
                if p not in finals:
                    excluded[p].append(d)
        # A narrower task inside one already listed for the same party adds nothing.
        for p, items in extra.items():
            listed = {a.task for a in items}
            extra[p] = [
                a for a in items if not (set(self._ancestor_set(a.task)) - {a.task}) & listed
            ]
        groups = [(p, [a for a in main if a.final == p], True) for p in main_parties]
        groups += [(p, items, False) for p, items in extra.items() if p not in main_parties]
        answer.parties = [
            self._party(p, items, is_main, excluded.get(p, []), task_node, place, when, lang)
            for p, items, is_main in groups
        ]
        answer.status = "known"
        if not any(set(p.layers) - {"law"} for p in answer.parties) and county:
            area = label(self.graph, county, "sv"), label(self.graph, county, "en")
            _say(
                answer.notes,
                f"Ingen lokal överenskommelse eller fördelning för {area[0]} i grafen gäller "
                "frågan; svaret följer lagen.",
                f"No local agreement or allocation for {area[1]} in the graph bears on the "
                "question; the answer follows the law.",
            )
        return answer

    def _ancestor_set(self, task: str) -> list[str]:
        return [t for level in self.ancestors(task) for t in level]

    def _missing(self, task: str, areas: list[str], when: dt.date) -> dict[str, str]:
        """What the graph lacks: no rule at all, or rules whose law is not in force then."""
        tried = [t for level in self.ancestors(task) for t in level]
        rules = [r for t in tried for r in self._candidates(t, areas)]
        if not rules:
            names = ", ".join(label(self.graph, t, "sv") for t in tried)
            names_en = ", ".join(label(self.graph, t, "en") for t in tried)
            return {
                "sv": f"Grafen har ingen ansvarsregel, i lagen eller i källorna, för {names}.",
                "en": f"The graph holds no responsibility rule, in the law or the sources, for "
                f"{names_en}.",
            }
        windows = []
        for rule in rules:
            for law in dict.fromkeys(self.law_of(b) for b in targets(self.graph, rule, BASIS)):
                ref = self._law_ref(law, "sv")
                periods = targets(self.graph, rule, TEMPORAL)
                starts = [
                    ref.in_force_from,
                    *(str(value(self.graph, p, "dcat:startDate") or "") for p in periods),
                ]
                ends = [
                    ref.in_force_until,
                    *(str(value(self.graph, p, "dcat:endDate") or "") for p in periods),
                ]
                start = max((s for s in starts if s), default="…")
                end = min((e for e in ends if e), default="…")
                windows.append(f"{ref.label} ({start}–{end})")
        described = "; ".join(sorted(dict.fromkeys(windows)))
        return {
            "sv": f"Ingen regel för {label(self.graph, task, 'sv')} gäller den {when.isoformat()}; "
            f"de lagar grafen har för uppgiften: {described}.",
            "en": f"No rule for {label(self.graph, task, 'en')} is in force on {when.isoformat()}; "
            f"the laws the graph holds for it: {described}.",
        }

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
        if kind in ("Responsibility", "StatutoryResponsibility") and not g.nodes[node]["labels"]:
            task = targets(g, node, TASK)[:1]
            word = "ansvar" if lang == "sv" else "responsibility"
            return Ref(iri=node, label=f"{word}: {' – '.join(label(g, n, lang) for n in task)}")
        if kind == "ResponsibilityTransfer" and not g.nodes[node]["labels"]:
            task, to = targets(g, node, T_TASK)[:1], targets(g, node, T_TO)[:1]
            word = "överlåtelse" if lang == "sv" else "transfer"
            parts = [label(g, n, lang) for n in (*task, *to)]
            return Ref(iri=node, label=f"{word}: {' → '.join(parts)}")
        return Ref(iri=node, label=label(g, node, lang))

    def _part(self, task: str, lang: str) -> Part:
        setting = next(iter(targets(self.graph, task, "hsvo:setting")), None)
        care = next(iter(targets(self.graph, task, "hsvo:careKind")), None)
        return Part(
            task=self._ref(task, lang),
            setting=self._ref(setting, lang) if setting else None,
            care_kind=self._ref(care, lang) if care else None,
        )

    def _sources(self, nodes: list[str]) -> list[SourceRef]:
        """The documents and sections behind the nodes, each citation once."""
        refs, seen = [], set()
        for node in nodes:
            docs = targets(self.graph, node, "dct:source")
            sections = [
                str(s) for s in self.graph.nodes[node]["values"].get("hsvo:sourceSection", [])
            ]
            key = (tuple(docs), tuple(sections))
            if key in seen:
                continue
            seen.add(key)
            refs.append(
                SourceRef(
                    resource=node,
                    documents=[value(self.graph, d, "dct:identifier", d) for d in docs],
                    titles=[text(self.graph, d, "dct:title") or "" for d in docs],
                    sections=sections,
                )
            )
        return refs

    def _party(self, party, items, is_main, excluded, task_node, place, when, lang) -> Party:
        g = self.graph
        tasks = list(dict.fromkeys(a.task for a in items))
        rules = list(dict.fromkeys(a.rule for a in items))
        transfers = list(dict.fromkeys(a.transfer for a in items if a.transfer))
        transfer_nodes = [t for t, _ in transfers]
        # A party that carries a task by transfer does so on the transfer's legal basis.
        bases = list(
            dict.fromkeys(
                b
                for a in items
                for b in (
                    [x for x in targets(g, a.transfer[0], BASIS) if self.in_force(x, when)]
                    if a.transfer
                    else a.bases
                )
            )
        )
        agreements = sorted(
            {x for r in rules for x in targets(g, r, SPECIFIED_BY)}
            | {x for t in transfer_nodes for x in targets(g, t, T_AGREEMENT)}
        )
        statutory = [r for r in rules if g.nodes[r]["kind"] == "StatutoryResponsibility"]
        layers = ["law"] if statutory else []
        layers += ["source"] if len(statutory) < len(rules) else []
        layers += ["agreement"] if transfers else []
        ultimate = any(value(g, r, ULTIMATE) is True for r in rules)
        first = items[0]
        task_path = self._task_path(task_node, first.task)
        path = [*task_path, first.rule, first.party]
        if first.transfer:
            path += [first.transfer[0], party]
        notes: dict[str, list[str]] = {"sv": [], "en": []}
        # The curators' caveats are written in Swedish; the English answer carries them as they are.
        # A rule's caveat matters where the rule decides; a transfer's where the transfer does.
        for node in dict.fromkeys(a.transfer[0] if a.transfer else a.rule for a in items):
            note = text(g, node, "skos:note", "sv")
            if note:
                notes["sv"].append(note)
                notes["en"].append(note)
        explanation = self._explain(
            party, tasks, excluded, items, place, when, bases, agreements, ultimate, rules
        )
        return Party(
            party=self.name_on(party, when, lang),
            kind=g.nodes[party]["kind"],
            parts=[self._part(t, lang) for t in tasks],
            excluded=[self._part(t, lang) for t in excluded],
            layers=layers,
            legal_basis=[self._law_ref(b, lang) for b in bases],
            agreements=[self._ref(a, lang) for a in agreements],
            transfers=[
                self._transfer_ref(a.transfer[0], a.party, party, lang, when)
                for a in items
                if a.transfer
            ][:1],
            explanation=explanation,
            path=[self._ref(n, lang) for n in path],
            sources=self._sources(
                [
                    *rules,
                    *transfer_nodes,
                    *agreements,
                    *dict.fromkeys(self.law_of(b) for b in bases),
                    *bases,
                ]
            ),
            responsibility=rules[0],
            ultimate_responsibility=ultimate or None,
            notes=notes,
        )

    def _task_path(self, asked: str, rule_task: str) -> list[str]:
        if asked == rule_task:
            return [asked]
        undirected = self.graph.to_undirected(as_view=True)
        try:
            return nx.shortest_path(undirected, asked, rule_task)
        except nx.NetworkXNoPath:
            return [asked, rule_task]

    def _transfer_ref(self, transfer, from_party, to_party, lang, when) -> TransferRef:
        start = self._start_of(transfer)
        agreement = next(iter(targets(self.graph, transfer, T_AGREEMENT)), None)
        return TransferRef(
            iri=transfer,
            label=self._ref(transfer, lang).label,
            from_party=self.name_on(from_party, when, lang),
            to_party=self.name_on(to_party, when, lang),
            agreement=self._ref(agreement, lang) if agreement else None,
            start=start.isoformat() if isinstance(start, dt.date) else None,
        )

    def _start_of(self, node: str) -> dt.date | None:
        starts = [
            value(self.graph, p, "dcat:startDate") for p in targets(self.graph, node, TEMPORAL)
        ]
        return next((s for s in starts if isinstance(s, dt.date)), None)

    def _explain(
        self, party, tasks, excluded, items, place, when, bases, agreements, ultimate, rules
    ) -> dict[str, str]:
        """One paragraph per language: who, what, where, when and under which law; then the
        transfer, the parts left to others, and what the sources add."""
        g = self.graph

        def names(nodes, lang: str) -> str:
            return ", ".join(label(g, n, lang) for n in nodes)

        moved = next((a for a in items if a.transfer), None)
        overlays = [r for r in rules if g.nodes[r]["kind"] != "StatutoryResponsibility"]
        documents = list(dict.fromkeys(d for r in overlays for d in targets(g, r, "dct:source")))
        explanation = {}
        for lang in ("sv", "en"):
            sv = lang == "sv"
            who = self.name_on(party, when, lang).label
            what, where = names(tasks, lang), self.name_on(place, when, lang).label
            day = when.isoformat()
            laws = ", ".join(self._law_ref(b, lang).label for b in bases)
            if moved:
                transfer, moved_task = moved.transfer
                agreement = next(iter(targets(g, transfer, T_AGREEMENT)), transfer)
                start = self._start_of(transfer)
                since = f" {'från' if sv else 'from'} {start}" if start else ""
                by_law = self.name_on(moved.party, when, lang).label
                deal, task = label(g, agreement, lang), label(g, moved_task, lang)
                text_ = (
                    f"Enligt lag ansvarar {by_law} för {task}, men genom {deal} har ansvaret "
                    f"överlåtits till {who}{since}. Därför ansvarar {who} för {what} i {where} "
                    f"den {day} ({laws})."
                    if sv
                    else f"By law {by_law} is responsible for {task}, but through {deal} "
                    f"responsibility has been transferred to {who}{since}. So {who} is "
                    f"responsible for {what} in {where} on {day} ({laws})."
                )
            else:
                text_ = (
                    f"{who} ansvarar för {what} i {where} den {day} enligt {laws}."
                    if sv
                    else f"{who} is responsible for {what} in {where} on {day} under {laws}."
                )
            if excluded:
                text_ += (
                    f" Det gäller inte {names(excluded, lang)}, som en annan part ansvarar för."
                    if sv
                    else f" This does not include {names(excluded, lang)}, which another party "
                    "carries."
                )
            for transfer in (t for a in items for t in a.excepted[:1]):
                deal = label(g, next(iter(targets(g, transfer, T_AGREEMENT)), transfer), lang)
                other = label(g, targets(g, transfer, T_TASK)[0], lang)
                to = self.name_on(targets(g, transfer, T_TO)[0], when, lang).label
                text_ += (
                    f" {deal} överlåter {other} till {to} men undantar {what}, som stannar hos "
                    f"{who}."
                    if sv
                    else f" {deal} transfers {other} to {to} but excepts {what}, which stays "
                    f"with {who}."
                )
                break
            if g.nodes[party]["kind"] == "LegalRole":
                text_ += (
                    " Lagen lägger ansvaret på en roll, inte på en namngiven organisation."
                    if sv
                    else " The law places the duty on a role, not on a named organisation."
                )
            if ultimate:
                text_ += (
                    " Kommunen har det yttersta ansvaret."
                    if sv
                    else " The municipality has the ultimate responsibility."
                )
            if documents:
                titles = ", ".join(
                    text(g, d, "dct:title", lang) or label(g, d, lang) for d in documents
                )
                text_ += f" Detta anges också i {titles}." if sv else f" {titles} also states this."
            if agreements and not moved:
                text_ += (
                    f" Omfattning och former preciseras i {names(agreements, lang)}."
                    if sv
                    else f" Its extent and forms are set out in {names(agreements, lang)}."
                )
            explanation[lang] = text_
        return explanation
