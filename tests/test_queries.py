"""The named queries of hsvo_graph/queries/ answer what the seeds say.

Each test runs one query over the built store, as `hsvo query` does, and checks the answer
against the seed section it cites.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hsvo_graph.queries import all_queries, named_query
from hsvo_graph.query import run
from hsvo_graph.store import open_read_only


@pytest.fixture(scope="module")
def store(built_store: Path) -> ox.Store:
    return open_read_only(built_store).store


def rows(store: ox.Store, name: str) -> list[dict[str, str]]:
    solutions = run(store, named_query(name))
    names = [v.value for v in solutions.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in solutions]


def test_at_least_fifteen_named_queries_each_stating_its_question():
    queries = {k: v for k, v in all_queries().items() if k != "projection-triples"}
    assert len(queries) >= 15
    for name, text in queries.items():
        assert text.startswith("# ") and "?" in text.splitlines()[0] + text.splitlines()[1], name


@pytest.mark.parametrize("name", sorted(all_queries()))
def test_every_named_query_runs_and_answers(store, name):
    assert rows(store, name), f"{name} returns nothing"


def test_municipalities_by_county(store):
    """SCB's code list: 290 kommuner in 21 counties; Kiruna 2584 in Norrbottens län."""
    found = rows(store, "municipalities-by-county")
    assert len(found) == 290
    assert {"county": "Uppsala län", "code": "0382", "municipality": "Östhammars kommun"} in found
    assert {"county": "Norrbottens län", "code": "2584", "municipality": "Kiruna kommun"} in found
    assert len({r["county"] for r in found}) == 21


def test_lakarinsatser_rest_on_hsl(store):
    """000 "Ansvarsfördelning enligt lagstiftning", footnotes 6 and 10."""
    found = rows(store, "responsibility-for-task")
    assert {r["party"] for r in found} == {"Region Uppsala"}
    assert {r["basis"] for r in found} == {"SFS 2017:30 12 kap. 1 §", "SFS 2017:30 16 kap. 1 §"}


def test_adel_transfers_hemsjukvard_to_every_kommun(store):
    """000 "Ansvarsfördelning enligt lagstiftning": the ädel agreement, läkarinsatser excepted."""
    found = rows(store, "transfers")
    assert len(found) == 8
    assert {r["from"] for r in found} == {"Region Uppsala"}
    assert {r["except"] for r in found} == {"läkarinsatser"}
    assert {r["task"] for r in found} == {"hemsjukvård"}


def test_laws_in_force_on_2026_01_01(store):
    """SoL 2001:453 was replaced by SoL 2025:400 from 2025-07-01 (SFS 2025:400)."""
    ids = {r["id"] for r in rows(store, "laws-in-force-on-date")}
    assert "SFS 2025:400" in ids and "SFS 2001:453" not in ids and "SFS 2017:30" in ids


def test_dental_care_rests_on_the_dental_care_act(store):
    """000 "Ansvarsfördelning enligt lagstiftning", footnote 13."""
    by_law = {r["law"]: r for r in rows(store, "responsibilities-by-law")}
    assert "tandvård" in by_law["SFS 1985:125"]["tasks"]


def test_dps_meets_four_times_and_samrad_hsvo_uppsala_three(store):
    """003 "Delregionalt politiskt samråd (DPS)"; 001 "1.1 Organisation och styrning"."""
    meetings = {r["body"]: r["meetingsPerYear"] for r in rows(store, "meetings-and-chairs")}
    assert meetings["Delregionalt politiskt samråd"] == "4"
    uppsala = [b for b in meetings if "Uppsala" in b and "samråd" in b.lower()]
    assert any(meetings[b] == "3" for b in uppsala)


def test_styrgrupp_members_without_vote(store):
    """003 "Styrgrupp": Boråsregionen and Koncernkontoret VGR sit in it without a vote."""
    found = [r for r in rows(store, "body-members") if r["body"] == "Styrgrupp närvård"]
    no_vote = {r["member"] for r in found if r["voting"] == "false"}
    assert any("Boråsregionen" in m for m in no_vote) and any(
        "Koncernkontoret" in m for m in no_vote
    )


def test_styrgrupp_reports_to_dps(store):
    """003 "Styrgrupp": Styrgruppen arbetar på uppdrag av det Delregionala politiska samrådet."""
    lines = rows(store, "governance-lines")
    assert {
        "from": "Styrgrupp närvård",
        "relation": "reports to",
        "to": "Delregionalt politiskt samråd",
    } in lines


def test_every_stockholm_kommun_escalates_to_vis(store):
    """002 "8.6 Uppföljning av problem i samverkan"."""
    tops = {
        r["start"]: r["top"]
        for r in rows(store, "escalation-routes")
        if r["start"].endswith("kommun")
    }
    assert tops["Nacka kommun"] == "Politiska styrgruppen för vård i samverkan"


def test_inriktningsdokument_terms(store):
    """003 "1. Inledning": 2022–2025, notice twelve months, renewal two years at a time."""
    (found,) = [
        r
        for r in rows(store, "agreements-with-terms")
        if r["agreement"].startswith("Inriktningsdokument")
    ]
    assert (found["start"], found["end"]) == ("2022-01-01", "2025-12-31")
    assert found["notice"] in ("P12M", "P1Y") and found["renewal"] == "P2Y"
    assert found["parties"] == "9"


def test_adoption_registration_numbers(store):
    """003 "Politiskt antaget under 2021-2022": each party's decision with its Dnr."""
    found = {
        r["adoptedBy"]: r["registrationNumber"]
        for r in rows(store, "adoptions")
        if r["registrationNumber"]
    }
    assert found["Bollebygds kommunstyrelse"] == "KS2021/291"
    assert found["Tandvårdsstyrelsen"] == "FTV 2021-00471"
    assert len([a for a in found if a]) >= 14


def test_funding_of_narvardskontoret_and_narvardsenheten(store):
    """003 "5. Ekonomi": VGR 50 %, the kommuner 50 % by population; 004 "Närvårdsenheten"."""
    found = rows(store, "funding-shares")
    vgr = [
        r
        for r in found
        if r["funded"] == "Närvårdskontoret" and r["payer"] == "Västra Götalandsregionen"
    ]
    assert vgr and float(vgr[0]["share"]) == 0.5
    kommuner = [
        r
        for r in found
        if r["funded"] == "Närvårdskontoret" and r["payer"] != "Västra Götalandsregionen"
    ]
    assert "befolkningsmängd den 1 juli" in kommuner[0]["basis"]
    enheten = {r["payer"]: float(r["share"]) for r in found if r["funded"] == "Närvårdsenheten"}
    assert sum(enheten.values()) == pytest.approx(1.0)


def test_narvardskontoret_staff_employed_by_borasregionen(store):
    """003 "Närvårdskontoret": Boråsregionen Sjuhärads kommunalförbund har arbetsgivaransvaret."""
    employers = {r["post"]: r["employer"] for r in rows(store, "posts-and-employers")}
    assert employers["Koordinator på Närvårdskontoret"] == "Boråsregionen Sjuhärads kommunalförbund"


def test_committee_activities_in_uppsala_plan(store):
    """001 "Aktivitetslista 2024" / 2025: the committees named as Ansvar."""
    found = {
        (r["committee"], r["year"]): int(r["responsible"])
        for r in rows(store, "activities-by-committee")
    }
    assert found[("Äldrenämnden", "2024")] > 0 and found[("Omsorgsnämnden", "2025")] > 0


def test_follow_up_of_2024_activities(store):
    """001 "Samverkansberättelse 2024": the 2024 activities are followed up, 2025 ones not yet."""
    found = {(r["plan"], r["year"]): r for r in rows(store, "activity-follow-up")}
    plan = "Samverkansplan HSVO Uppsala 2024–2026"
    assert (
        int(found[(plan, "2024")]["activities"]) == 39
        and int(found[(plan, "2024")]["followedUp"]) > 0
    )
    assert (
        int(found[(plan, "2025")]["activities"]) == 33
        and found[(plan, "2025")]["followedUp"] == "0"
    )


def test_three_target_groups_of_the_mandated_agreements(store):
    """000 "Ansvarsfördelning enligt lagstiftning", footnote 14."""
    groups = {r["targetGroup"] for r in rows(store, "mandated-agreements")}
    assert len(groups) == 3
    assert "personer med psykisk funktionsnedsättning" in groups


def test_task_hierarchy(store):
    broader = {r["task"]: r["broader"] for r in rows(store, "task-hierarchy")}
    assert (
        broader["hemsjukvård"] == "hälso- och sjukvård" and broader["mobil tandvård"] == "tandvård"
    )


def test_every_seed_contributes(store):
    sources = {r["source"] for r in rows(store, "triples-per-source")}
    assert {f"00{i}" for i in range(5)} <= {s[:3] for s in sources}


def test_not_modelled_sections_have_reasons(store):
    assert all(r["reason"] for r in rows(store, "not-modelled"))


def test_statutory_baseline_states_each_rule_once_for_every_kommun(store):
    """SoL 2025:400 4 kap. 1 §: the kommun answers for social services, from 2025-07-01."""
    found = rows(store, "statutory-baseline")
    social = [
        r for r in found if r["task"] == "socialtjänst" and r["section"].startswith("SFS 2025")
    ]
    assert social == [
        {
            "task": "socialtjänst",
            "principal": "varje kommun",
            "section": "SFS 2025:400 4 kap. 1 §",
            "inForceFrom": "2025-07-01",
            "inForceUntil": None,
        }
    ]
