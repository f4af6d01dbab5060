"""Who is responsible for X in municipality Y on date D: the resolver's behaviour on the seeds'
facts and the law.

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


UPPSALA_TRANSFER_START = {"Knivsta kommun": "2003-01-01", "Heby kommun": "2007-01-01"}


@pytest.mark.parametrize("municipality", sorted(UPPSALA_LAN))
def test_hemsjukvard_is_with_each_kommun_by_the_adel_agreement(resolver, municipality):
    """The kommun nurses at home by the ädel agreement; the region's doctors stay (HSL 2017:30
    14 kap. 1 §: an agreement may not cover care given by doctors)."""
    answer = resolver.resolve("hemsjukvård", municipality, "2024-05-01")
    assert answer.status == "known"
    assert parties(answer) == sorted([municipality, "Region Uppsala"])
    kommun, region = (
        next(p for p in answer.parties if p.party.label == n)
        for n in (municipality, "Region Uppsala")
    )
    assert [t.agreement.iri for t in kommun.transfers] == [
        f"{ID}agreement/adelovernskommelsen-uppsala-lan"
    ]
    assert kommun.transfers[0].from_party.label == "Region Uppsala"
    assert kommun.transfers[0].start == UPPSALA_TRANSFER_START.get(municipality, "1992-01-01")
    assert [p.task.iri for p in kommun.parts] == [f"{ID}task/hemsjukvard"]
    assert [p.task.iri for p in kommun.excluded] == [f"{ID}task/lakarinsatser-i-hemsjukvard"]
    assert [p.task.iri for p in region.parts] == [f"{ID}task/lakarinsatser-i-hemsjukvard"]
    assert region.parts[0].care_kind.iri == f"{ID}carekind/lakarinsatser"
    assert kommun.parts[0].setting.iri == f"{ID}setting/ordinart-boende"
    assert kommun.layers == ["law", "agreement"] and region.layers == ["law"]
    assert "ädel" in kommun.explanation["sv"] and "Ädel" in kommun.explanation["en"]
    assert any("000_1a692740e5f119ac.txt" in s.documents for s in kommun.sources)


@pytest.mark.parametrize("code", sorted(UPPSALA_LAN.values()))
def test_lakarinsatser_stay_with_region_uppsala(resolver, code):
    answer = resolver.resolve("läkarinsatser", code, "2024-05-01")
    (party,) = answer.parties
    assert party.party.label == "Region Uppsala"
    assert not party.transfers
    assert f"{ID}agreement/lakarmedverkan-uppsala-lan-2020" in [a.iri for a in party.agreements]


def test_before_the_adel_reform_the_county_council_had_hemsjukvard(resolver):
    """The ädel reform took effect 1992-01-01 (prop. 1990/91:14); before it the landsting,
    then named Landstinget i Uppsala län, carried all health care (HSL 1982:763 3 §)."""
    answer = resolver.resolve("hemsjukvård", "Östhammar", "1991-06-01")
    (party,) = answer.parties
    assert party.party.label == "Landstinget i Uppsala län" and not party.transfers
    assert party.party.label_today == "Region Uppsala"
    assert [b.id_local for b in party.legal_basis] == ["SFS 1982:763 3 §"]


def test_social_services_basis_follows_the_replacement_of_sol(resolver):
    before = resolver.resolve("försörjningsstöd", "Kiruna", "2025-06-30")
    after = resolver.resolve("försörjningsstöd", "Kiruna", "2025-07-01")
    assert parties(before) == parties(after) == ["Kiruna kommun"]
    assert [b.id_local for b in before.parties[0].legal_basis] == ["SFS 2001:453 4 kap. 1 §"]
    assert [b.id_local for b in after.parties[0].legal_basis] == ["SFS 2025:400 12 kap. 1 §"]


def test_a_kommun_not_yet_formed_is_answered_for_the_kommun_that_covered_its_area(resolver):
    answer = resolver.resolve("försörjningsstöd", "Knivsta", "1999-06-01")
    assert answer.municipality.label == "Knivsta kommun"
    assert answer.municipality_on_date.label == "Uppsala kommun"
    assert parties(answer) == ["Uppsala kommun"]
    assert "2003-01-01" in answer.notes["sv"][0] and "2003-01-01" in answer.notes["en"][0]


def test_every_kommun_of_sweden_is_known(resolver):
    """SCB's code list: Kiruna is 2584 in Norrbottens län."""
    answer = resolver.resolve("socialtjänst", "2584", "2024-01-01")
    assert answer.municipality.label == "Kiruna kommun"
    assert answer.county.label == "Norrbottens län"
    assert answer.regional_principal.label == "Region Norrbotten"


def test_no_local_agreement_is_said_where_the_answer_is_the_law(resolver):
    answer = resolver.resolve("hemsjukvård", "Borås", "2024-01-01")
    assert parties(answer) == ["Västra Götalandsregionen"]
    assert any("Västra Götalands län" in note for note in answer.notes["sv"])
    assert any("follows the law" in note for note in answer.notes["en"])


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
    assert parties(answer) == ["Knivsta kommun", "Region Uppsala"]


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
        ("SIP", "samordnad-individuell-plan"),
    ],
)
def test_task_by_abbreviation(resolver, abbreviation, task):
    answer = resolver.resolve(abbreviation, "Tierp", "2024-01-01")
    assert answer.task.iri == f"{ID}task/{task}"
    assert "Tierps kommun" in parties(answer)


def test_elevhalsa_is_with_the_schools_huvudman_a_role(resolver):
    (party,) = resolver.resolve("elevhälsa", "Enköping", "2024-01-01").parties
    assert party.party.iri == f"{ID}role/huvudman-for-skolan" and party.kind == "LegalRole"
    assert "SFS 2010:800 2 kap. 25 §" in [b.id_local for b in party.legal_basis]


def test_primarvard_has_two_principals_each_with_its_part(resolver):
    """'Primärvård är därmed en vårdnivå med både region och kommun som huvudman.'"""
    answer = resolver.resolve("primärvård", "Heby", "2024-01-01")
    assert parties(answer) == ["Heby kommun", "Region Uppsala"]
    kommun = next(p for p in answer.parties if p.party.label == "Heby kommun")
    assert [p.task.iri for p in kommun.parts] == [
        f"{ID}task/primarvard-i-kommunal-halso-och-sjukvard"
    ]


def test_a_task_with_no_rule_of_its_own_falls_back_to_the_broader_task(resolver):
    answer = resolver.resolve("mobil tandvård", "Solna", "2024-01-01")
    assert answer.rule_task.iri == f"{ID}task/tandvard"
    assert parties(answer) == ["Region Stockholm"]
    assert "tandvård" in answer.notes["sv"][0] and "dental care" in answer.notes["en"][0]


def test_ultimate_responsibility_is_the_kommuns(resolver):
    (party,) = resolver.resolve("stöd och hjälp i det dagliga livet", "Uppsala").parties
    assert party.party.label == "Uppsala kommun" and party.ultimate_responsibility is True


def test_mandated_agreements_are_both_principals_duty(resolver):
    answer = resolver.resolve("att sluta överenskommelser om samverkan", "Tierp", "2024-01-01")
    assert parties(answer) == ["Region Uppsala", "Tierps kommun"]


def test_the_riktlinjes_definition_is_not_an_allocation(resolver):
    """002 "1. Inledning" defines hälso- och sjukvård as care by the kommun or the region; it
    allocates nothing. Basal hemsjukvård is the region's husläkarverksamhet (7.1.2)."""
    assert parties(resolver.resolve("hemsjukvård", "Solna", "2024-01-01")) == ["Region Stockholm"]
    answer = resolver.resolve("basal hemsjukvård", "Solna", "2024-01-01")
    assert answer.rule_task.iri == f"{ID}task/basal-hemsjukvard"
    (party,) = answer.parties
    assert party.party.label == "Region Stockholm"
    assert party.layers == ["source"]
    assert any("7.1.2" in section for s in party.sources for section in s.sections)


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
        ("hemsjukvård", "Knivsta", "1995-06-01"),
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
    assert answer["regional_principal"]["label"] == "Region Uppsala"


def test_cli_who_exits_2_with_suggestions(built_store: Path):
    result = run_hsvo("who", "hemsjukvrd", "-m", "Heby", "--store", str(built_store))
    assert result.returncode == 2 and "hemsjukvård" in result.stderr
    result = run_hsvo("who", "hemsjukvård", "-m", "Hebyy", "--store", str(built_store))
    assert result.returncode == 2 and "Heby kommun" in result.stderr
