"""Who is responsible for X in municipality Y on date D, answered from the seeds' facts.

Unless said otherwise the facts are from 000_1a692740e5f119ac.txt, "Ansvarsfördelning enligt
lagstiftning" (the legal division of responsibility in Uppsala län).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hsvo_graph import projection
from hsvo_graph.responsibility import (
    InvalidDate,
    Resolver,
    UnknownMunicipality,
    UnknownTask,
    normalize,
)
from hsvo_graph.store import open_read_only

from .conftest import run_hsvo

UPPSALA_LAN = {
    "Håbo kommun": "0305",
    "Älvkarleby kommun": "0319",
    "Knivsta kommun": "0330",
    "Heby kommun": "0331",
    "Tierps kommun": "0360",
    "Uppsala kommun": "0380",
    "Enköpings kommun": "0381",
    "Östhammars kommun": "0382",
}
ID = "https://w3id.org/hsvo/id/"


@pytest.fixture(scope="module")
def resolver(built_store: Path) -> Resolver:
    return Resolver(projection.from_store(open_read_only(built_store).store))


def parties(answer) -> list[str]:
    return sorted(p.party.label for p in answer.parties)


@pytest.mark.parametrize("municipality", sorted(UPPSALA_LAN))
def test_hemsjukvard_is_with_each_kommun_by_the_adel_agreement(resolver, municipality):
    answer = resolver.resolve("hemsjukvård", municipality, "2024-05-01")
    assert answer.status == "known"
    assert parties(answer) == [municipality]
    (party,) = answer.parties
    assert [t.agreement.iri for t in party.transfers] == [
        f"{ID}agreement/adelovernskommelsen-uppsala-lan"
    ]
    assert party.transfers[0].from_party.label == "Region Uppsala"
    assert "ädel" in party.explanation["sv"] and "Ädel" in party.explanation["en"]
    assert any("000_1a692740e5f119ac.txt" in s.documents for s in party.sources)
    assert party.path[0].label == "hemsjukvård" and party.path[-1].label == municipality


@pytest.mark.parametrize("code", sorted(UPPSALA_LAN.values()))
def test_lakarinsatser_stay_with_region_uppsala(resolver, code):
    answer = resolver.resolve("läkarinsatser", code, "2024-05-01")
    (party,) = answer.parties
    assert party.party.label == "Region Uppsala"
    assert not party.transfers
    assert f"{ID}agreement/lakarmedverkan-uppsala-lan-2020" in [a.iri for a in party.agreements]
    assert "undantar läkarinsatser" in party.explanation["sv"]
    assert "excepts doctors' input" in party.explanation["en"]


def test_before_the_adel_transfer_the_region_had_hemsjukvard(resolver):
    """The ädel reform took effect 1992-01-01 (prop. 1990/91:14); before it, no transfer."""
    answer = resolver.resolve("hemsjukvård", "Östhammar", "1991-06-01")
    (party,) = answer.parties
    assert party.party.label == "Region Uppsala" and not party.transfers
    assert [b.id_local for b in party.legal_basis] == ["SFS 1982:763"]


def test_social_services_basis_follows_the_replacement_of_sol(resolver):
    before = resolver.resolve("socialtjänst", "Heby", "2025-06-30")
    after = resolver.resolve("socialtjänst", "Heby", "2025-07-01")
    assert parties(before) == parties(after) == ["Heby kommun"]
    assert [b.id_local for b in before.parties[0].legal_basis] == ["SFS 2001:453"]
    assert [b.id_local for b in after.parties[0].legal_basis] == ["SFS 2025:400"]


def test_no_law_in_force_gives_unknown_with_the_laws_periods(resolver):
    answer = resolver.resolve("socialtjänst", "Heby", "1995-01-01")
    assert answer.status == "unknown" and not answer.parties
    assert "2002-01-01" in answer.missing["en"] and "1995-01-01" in answer.missing["sv"]


@pytest.mark.parametrize(
    "asked",
    [
        "home health care",
        "HEMSJUKVARD",
        "hemsjukvard",
        "Hemsjukvård i ordinärt boende",
        "home healthcare",
    ],
)
def test_task_by_english_label_case_and_without_diacritics(resolver, asked):
    answer = resolver.resolve(asked, "Knivsta", "2024-01-01")
    assert answer.task.iri == f"{ID}task/hemsjukvard"
    assert parties(answer) == ["Knivsta kommun"]


@pytest.mark.parametrize(
    "asked", ["Östhammars kommun", "Östhammar", "osthammar", "0382", f"{ID}org/osthammar-kommun"]
)
def test_municipality_by_name_code_or_iri(resolver, asked):
    assert resolver.resolve("socialtjänst", asked).municipality.iri == f"{ID}org/osthammar-kommun"


@pytest.mark.parametrize(
    ("abbreviation", "task"),
    [
        ("LVU", "vard-av-unga"),
        ("LVM", "vard-av-missbrukare"),
        ("LSS-insatser", "insatser-vid-funktionsnedsattning"),
    ],
)
def test_task_by_abbreviation(resolver, abbreviation, task):
    answer = resolver.resolve(abbreviation, "Tierp")
    assert answer.task.iri == f"{ID}task/{task}"
    assert parties(answer) == ["Tierps kommun"]


def test_elevhalsa_is_with_the_schools_huvudman_a_role(resolver):
    (party,) = resolver.resolve("elevhälsa", "Enköping").parties
    assert party.party.iri == f"{ID}role/huvudman-for-skolan" and party.kind == "LegalRole"
    assert [b.id_local for b in party.legal_basis] == ["SFS 2010:800"]


def test_primarvard_has_two_principals(resolver):
    """'Primärvård är därmed en vårdnivå med både region och kommun som huvudman.'"""
    assert parties(resolver.resolve("primärvård", "Heby")) == ["Heby kommun", "Region Uppsala"]


def test_mobile_dental_care_falls_back_to_dental_care(resolver):
    answer = resolver.resolve("mobil tandvård", "Älvkarleby")
    assert answer.rule_task.iri == f"{ID}task/tandvard"
    assert parties(answer) == ["Region Uppsala"]
    assert "tandvård" in answer.notes["sv"][0] and "dental care" in answer.notes["en"][0]


def test_ultimate_responsibility_is_the_kommuns(resolver):
    (party,) = resolver.resolve("stöd och hjälp i det dagliga livet", "Uppsala").parties
    assert party.party.label == "Uppsala kommun" and party.ultimate_responsibility is True


def test_mandated_agreements_are_everyones_duty(resolver):
    answer = resolver.resolve("att sluta överenskommelser om samverkan", "Tierp", "2024-01-01")
    assert parties(answer) == ["Region Uppsala", "Tierps kommun"]


@pytest.mark.parametrize(
    ("task", "municipality", "tried"),
    [("elevhälsa", "Solna", "elevhälsa"), ("hemsjukvård", "Borås", "hälso- och sjukvård")],
)
def test_county_without_rules_is_unknown(resolver, task, municipality, tried):
    """The Stockholm guideline (002) names no one for elevhälsa; the Södra Älvsborg document
    (003) states no legal division of health care: the answer says so instead of guessing."""
    answer = resolver.resolve(task, municipality, "2024-01-01")
    assert answer.status == "unknown" and answer.parties == []
    assert tried in answer.missing["sv"]


def test_stockholm_health_care_is_given_by_kommun_or_region(resolver):
    """002 "1. Inledning": hälso- och sjukvård is given by either the kommun or the region;
    the answer gives both, never a silent pick."""
    assert parties(resolver.resolve("hälso- och sjukvård", "Solna", "2024-01-01")) == [
        "Region Stockholm",
        "Solna kommun",
    ]


def test_unknown_task_suggests_the_nearest(resolver):
    with pytest.raises(UnknownTask) as error:
        resolver.resolve("hemsjukvrd", "Heby")
    assert "hemsjukvård" in error.value.suggestions


def test_unknown_municipality_suggests_the_nearest(resolver):
    with pytest.raises(UnknownMunicipality) as error:
        resolver.resolve("hemsjukvård", "Östhamar")
    assert "Östhammars kommun" in error.value.suggestions


@pytest.mark.parametrize("bad", ["2024-13-01", "yesterday", "01/02/2024"])
def test_invalid_date_is_its_own_error(resolver, bad):
    with pytest.raises(InvalidDate):
        resolver.resolve("hemsjukvård", "Heby", bad)


def test_normalize_ignores_case_diacritics_and_punctuation():
    assert normalize("Hälso- och SJUKVÅRD") == normalize("halso och sjukvard")


def test_projection_from_a_sparql_server_gives_the_same_answers(
    built_store: Path, oxigraph_server: str
):
    local = projection.from_store(open_read_only(built_store).store)
    remote = projection.from_sparql(oxigraph_server)
    iris = lambda g: {n for n in g if not n.startswith("_:")}  # noqa: E731
    assert iris(remote) == iris(local)
    assert remote.number_of_edges() == local.number_of_edges()
    for task, place, date in [
        ("hemsjukvård", "Heby", "2024-01-01"),
        ("läkarinsatser", "0380", None),
    ]:
        a, b = (
            Resolver(local).resolve(task, place, date),
            Resolver(remote).resolve(task, place, date),
        )
        assert a.to_dict() == b.to_dict()


def test_cli_who_prints_answer_with_sources(built_store: Path):
    result = run_hsvo(
        "who",
        "hemsjukvard",
        "-m",
        "Östhammars kommun",
        "--date",
        "2024-01-01",
        "--store",
        str(built_store),
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Östhammars kommun" in result.stdout
        and "Förhandlingsöverenskommelse om ädel" in result.stdout
    )
    assert "000_1a692740e5f119ac.txt § Ansvarsfördelning enligt lagstiftning" in result.stdout


def test_cli_who_json_and_english(built_store: Path):
    import json

    result = run_hsvo(
        "who", "doctors' input", "-m", "0331", "--lang", "en", "--json", "--store", str(built_store)
    )
    answer = json.loads(result.stdout)
    assert answer["parties"][0]["party"]["label"] == "Region Uppsala"
    assert answer["parties"][0]["explanation"]["en"].startswith("Region Uppsala is responsible")


def test_cli_who_exits_2_with_suggestions(built_store: Path):
    result = run_hsvo("who", "hemsjukvrd", "-m", "Heby", "--store", str(built_store))
    assert result.returncode == 2 and "hemsjukvård" in result.stderr
    result = run_hsvo("who", "hemsjukvård", "-m", "Hebyy", "--store", str(built_store))
    assert result.returncode == 2 and "Heby kommun" in result.stderr
