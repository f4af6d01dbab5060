"""`hsvo synth`: a synthetic national graph that is reproducible, valid with the real vocabulary
and laws, has every kind of resource the curated data has, grows with its parameters, never
lands in data/, and answers responsibility questions like the curated graph does."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from hsvo_graph import projection
from hsvo_graph.responsibility import Resolver
from hsvo_graph.store import open_read_only
from hsvo_graph.synth import generate

from .conftest import ROOT, run_hsvo

SYNTH = "https://w3id.org/hsvo/id/synth/"
ID = "https://w3id.org/hsvo/id/"
HSVO = "https://w3id.org/hsvo/ontology#"
ORG = "http://www.w3.org/ns/org#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SOURCE = "http://purl.org/dc/terms/source"
SECTION = HSVO + "sourceSection"
SMALL = {"regions": 2, "municipalities": 9, "years": 2, "seed": 7}
# Kinds the synthetic graph takes from data/vocab (and links to) instead of inventing them.
REUSED = {
    HSVO + k for k in ("Task", "TargetGroup", "BodyKind", "Level", "MembershipRole", "LegalRole")
}
UPWARD = {HSVO + p for p in ("reportsTo", "escalatesTo", "preparesMattersFor")}


def read(*paths: Path) -> list[ox.Triple]:
    """The triples of Turtle files, or of every .ttl file under directories."""
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*.ttl")))]
    return [q.triple for f in files for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE)]


def types(triples: list[ox.Triple]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for t in triples:
        if t.predicate.value == TYPE and isinstance(t.subject, ox.NamedNode):
            found[t.object.value].add(t.subject.value)
    return found


def objects(triples: list[ox.Triple], predicate: str) -> set[str]:
    return {t.object.value for t in triples if t.predicate.value == predicate}


def build(store: Path, synthetic: Path):
    return run_hsvo(
        "build",
        *("--data", "data/vocab", "--data", "data/law", "--data", "data/sources.ttl"),
        *("--data", str(synthetic), "--store", str(store)),
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("synth") / "synthetic"
    return out, generate(out=out, **SMALL)


@pytest.fixture(scope="module")
def small_triples(small) -> list[ox.Triple]:
    return read(small[0])


@pytest.fixture(scope="module")
def small_store(small, tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("synth-store") / "store"
    result = build(store, small[0])
    assert result.returncode == 0, result.stderr
    return store


def test_same_seed_gives_the_same_bytes_and_another_seed_another_graph(tmp_path: Path):
    first = generate(out=tmp_path / "a", **SMALL)
    options = [f"--{k}={v}" for k, v in SMALL.items()]
    result = run_hsvo("synth", *options, "-o", str(tmp_path / "b"), env={"PYTHONHASHSEED": "2"})
    assert result.returncode == 0, result.stderr
    again = json.loads(result.stdout)
    other = generate(out=tmp_path / "c", **{**SMALL, "seed": SMALL["seed"] + 1})
    assert first["files"] == again["files"] and first["triples"] == again["triples"]
    for name in first["files"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    texts = {name: (tmp_path / "a" / name).read_bytes() for name in first["files"]}
    assert texts != {name: (tmp_path / "c" / name).read_bytes() for name in other["files"]}


def test_one_file_per_region_and_a_national_file_each_counted(small):
    out, summary = small
    assert summary["files"] == sorted(p.name for p in out.glob("*.ttl"))
    assert "national.ttl" in summary["files"] and len(summary["files"]) == SMALL["regions"] + 1
    for name in summary["files"]:
        assert summary["triples"][name] == len(set(read(out / name))) > 0
    assert summary["total"] == sum(summary["triples"].values())
    assert {k: summary["parameters"][k] for k in SMALL} == SMALL


def test_builds_with_the_real_vocabulary_and_laws_without_violations_or_warnings(
    small, small_store: Path
):
    info = json.loads((small_store / "build.json").read_text(encoding="utf-8"))
    assert info["validation"]["violations"] == 0
    assert info["validation"]["warnings"] == 0, info["validation"]["results"][:3]
    synthetic_graphs = [g for g in info["graphs"] if f"/{small[0].name}/" in g]
    assert len(synthetic_graphs) == SMALL["regions"] + 1, "one named graph per file"


def test_has_every_kind_of_resource_the_curated_data_has(small_triples):
    curated = {
        cls
        for cls, members in types(read(ROOT / "data")).items()
        if members and (cls.startswith(HSVO) or cls in (ORG + "Membership", ORG + "Post"))
    }
    synthetic = types(small_triples)
    # The national baseline (data/law) is built with the synthetic graph, not generated.
    shared = {cls for cls, members in types(read(ROOT / "data" / "law")).items() if members}
    missing = sorted(c for c in curated - REUSED - shared if not synthetic.get(c))
    assert not missing, f"no synthetic instances of {missing}"
    linked = {t.object.value for t in small_triples if isinstance(t.object, ox.NamedNode)}
    vocabulary = types(read(ROOT / "data" / "vocab"))
    for cls in REUSED & curated:
        assert vocabulary[cls] & linked, f"no link to any {cls} of data/vocab"


def test_points_only_at_real_laws_tasks_and_vocabulary(small_triples):
    laws = {t.subject.value for t in read(ROOT / "data" / "law")}
    vocabulary = {t.subject.value for t in read(ROOT / "data" / "vocab")}
    cited = objects(small_triples, HSVO + "legalBasis") | objects(
        small_triples, HSVO + "mandatedBy"
    )
    assert cited and cited <= laws
    tasks = {HSVO + p for p in ("task", "transfersTask", "except")}
    assert {t.object.value for t in small_triples if t.predicate.value in tasks} <= vocabulary
    outside = {
        t.object.value
        for t in small_triples
        if isinstance(t.object, ox.NamedNode)
        and t.object.value.startswith(ID)
        and not t.object.value.startswith(SYNTH)
    }
    assert outside <= vocabulary


def test_every_synthetic_resource_is_under_synth_with_a_source_and_a_section(small_triples):
    subjects = {t.subject.value for t in small_triples if isinstance(t.subject, ox.NamedNode)}
    assert all(s.startswith(SYNTH) for s in subjects)
    described = types(small_triples)
    documents = described.pop(HSVO + "SourceDocument")
    assert len(documents) == SMALL["regions"] + 1, "one per region and the national one"
    resources = set().union(*described.values())
    sourced = {t.subject.value for t in small_triples if t.predicate.value == SOURCE}
    sectioned = {t.subject.value for t in small_triples if t.predicate.value == SECTION}
    assert resources <= sourced and resources <= sectioned
    assert objects(small_triples, SOURCE) <= documents


def test_kommuner_have_unique_codes_within_their_county(small_triples):
    code = {t.subject.value: t.object.value for t in small_triples
            if t.predicate.value == HSVO + "municipalityCode"}  # fmt: skip
    county_code = {t.subject.value: t.object.value for t in small_triples
                   if t.predicate.value == HSVO + "countyCode"}  # fmt: skip
    county = {t.subject.value: t.object.value for t in small_triples
              if t.predicate.value == HSVO + "county" and t.subject.value in code}  # fmt: skip
    assert len(code) == SMALL["municipalities"] == len(set(code.values())) == len(county)
    assert all(code[k].startswith(county_code[county[k]]) for k in code)


def test_funding_shares_of_each_funded_thing_sum_to_one(small_triples):
    by_share: dict[str, dict[str, str]] = defaultdict(dict)
    for t in small_triples:
        if t.predicate.value in (HSVO + "funds", HSVO + "share"):
            by_share[t.subject.value][t.predicate.value] = t.object.value
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for share in by_share.values():
        totals[share[HSVO + "funds"]] += Decimal(share[HSVO + "share"])
    assert totals and all(total == 1 for total in totals.values()), totals


def test_governance_lines_are_acyclic_and_several_levels_deep(small_triples):
    lines = nx.DiGraph(
        (t.subject.value, t.object.value) for t in small_triples if t.predicate.value in UPWARD
    )
    assert nx.is_directed_acyclic_graph(lines)
    assert nx.dag_longest_path_length(lines) >= 4


def test_size_grows_with_every_parameter(tmp_path: Path):
    def total(regions: int, municipalities: int, years: int) -> int:
        out = tmp_path / f"{regions}-{municipalities}-{years}"
        return generate(regions, municipalities, years, seed=1, out=out)["total"]

    base = total(1, 4, 1)
    assert total(2, 4, 1) > base
    assert total(1, 8, 1) > base
    assert total(1, 4, 3) > base


def test_a_second_run_replaces_its_own_files_and_keeps_others(tmp_path: Path):
    out = tmp_path / "synthetic"
    generate(3, 6, 1, seed=1, out=out)
    (out / "mine.ttl").write_text("# a file of my own\n", encoding="utf-8")
    summary = generate(1, 2, 1, seed=1, out=out)
    assert sorted(p.name for p in out.glob("*.ttl")) == sorted([*summary["files"], "mine.ttl"])


@pytest.mark.parametrize("target", ["data", "data/synthetic"])
def test_the_command_refuses_to_write_into_data(target: str):
    result = run_hsvo("synth", "--regions", "1", "--municipalities", "1", "-o", target)
    assert result.returncode == 1
    assert "never goes into data/" in result.stderr
    assert not (ROOT / "data" / "synthetic").exists()
    assert not any(p.name.startswith("30-") for p in (ROOT / "data").iterdir())


def test_the_command_prints_what_it_wrote(tmp_path: Path):
    out = tmp_path / "synthetic"
    result = run_hsvo("synth", "--regions", "1", "--municipalities", "3", "--years", "1",
                      "--seed", "5", "-o", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["parameters"]["seed"] == 5
    assert sorted(p.name for p in out.glob("*.ttl")) == summary["files"]
    assert summary["total"] == sum(summary["triples"].values())


@pytest.fixture(scope="module")
def resolver(small_store: Path) -> Resolver:
    return Resolver(projection.from_store(open_read_only(small_store).store))


@pytest.fixture(scope="module")
def a_kommun(small_triples) -> dict[str, str]:
    """The synthetic kommun with the lowest code: its name, code and its county's region."""
    code = min(
        (t.object.value, t.subject.value)
        for t in small_triples
        if t.predicate.value == HSVO + "municipalityCode"
    )
    region = next(
        t.subject.value
        for t in small_triples
        if t.predicate.value == HSVO + "countyCode"
        and t.object.value == code[0][:2]
        and t.subject.value.startswith(SYNTH + "org/region-")
    )
    return {"code": code[0], "iri": code[1], "region": region}


def test_hemsjukvard_is_with_the_kommun_by_its_county_transfer(resolver, a_kommun):
    answer = resolver.resolve("hemsjukvård", a_kommun["code"], "2025-06-01")
    assert answer.status == "known"
    party, doctors = answer.parties
    assert party.party.iri == a_kommun["iri"]
    assert doctors.party.iri == a_kommun["region"]
    assert [p.task.label for p in doctors.parts] == ["läkarinsatser i hemsjukvården"]
    (transfer,) = party.transfers
    assert transfer.from_party.iri == a_kommun["region"]
    assert transfer.agreement.iri.startswith(SYNTH + "agreement/hemsjukvard-")
    assert party.path[0].label == "hemsjukvård" and party.path[-1].iri == a_kommun["iri"]
    assert all(s.documents for s in party.sources)


def test_lakarinsatser_stay_with_the_region_as_the_transfer_excepts(resolver, a_kommun):
    answer = resolver.resolve("läkarinsatser", a_kommun["code"], "2025-06-01", lang="en")
    (party,) = answer.parties
    assert party.party.iri == a_kommun["region"] and not party.transfers
    assert "excepts doctors' input" in party.explanation["en"]


def test_social_services_rest_on_the_law_in_force_on_the_day(resolver, a_kommun):
    before = resolver.resolve("försörjningsstöd", a_kommun["code"], "2025-06-30")
    after = resolver.resolve("försörjningsstöd", a_kommun["code"], "2025-07-01")
    assert [p.party.iri for p in before.parties] == [a_kommun["iri"]]
    assert "SFS 2001:453 4 kap. 1 §" in [b.id_local for b in before.parties[0].legal_basis]
    assert "SFS 2025:400 12 kap. 1 §" in [b.id_local for b in after.parties[0].legal_basis]
