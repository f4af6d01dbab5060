"""/api/* as another system uses it: JSON answers, problem+json errors, working OpenAPI examples."""

from __future__ import annotations

import httpx
import pytest

PROBLEM = "application/problem+json"
ID = "https://w3id.org/hsvo/id/"


def get(server: str, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server}{path}", params=params, timeout=30)


def test_responsibility_answer_is_complete(server: str):
    """000 "Ansvarsfördelning enligt lagstiftning": hemsjukvård moved by the ädel agreement."""
    response = get(
        server,
        "/api/responsibility",
        task="hemsjukvård",
        municipality="Östhammar",
        date="2024-05-01",
    )
    assert response.status_code == 200
    answer = response.json()
    party, doctors = answer["parties"]
    assert party["party"]["label"] == "Östhammars kommun"
    assert [p["task"]["label"] for p in party["excluded"]] == ["läkarinsatser i hemsjukvården"]
    assert doctors["party"]["label"] == "Region Uppsala"
    assert doctors["parts"][0]["care_kind"]["iri"] == f"{ID}carekind/lakarinsatser"
    assert answer["regional_principal"]["label"] == "Region Uppsala"
    assert answer["county"]["label"] == "Uppsala län"
    assert (
        party["transfers"][0]["agreement"]["iri"]
        == f"{ID}agreement/adelovernskommelsen-uppsala-lan"
    )
    assert {"sv", "en"} <= set(party["explanation"])
    assert party["legal_basis"] and party["path"] and party["sources"]
    assert answer["municipality_code"] == "0382" and answer["status"] == "known"


def test_responsibility_in_english(server: str):
    answer = get(
        server, "/api/responsibility", task="dental care", municipality="0331", lang="en"
    ).json()
    assert answer["task"]["label"] == "dental care"
    assert answer["parties"][0]["party"]["label"] == "Region Uppsala"


@pytest.mark.parametrize(
    ("params", "suggestion"),
    [
        ({"task": "hemsjukvrd", "municipality": "Heby"}, "hemsjukvård"),
        ({"task": "hemsjukvård", "municipality": "Hebby"}, "Heby kommun"),
    ],
)
def test_unknown_names_are_404_with_suggestions(server: str, params: dict, suggestion: str):
    response = get(server, "/api/responsibility", **params)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert suggestion in response.json()["suggestions"]


@pytest.mark.parametrize("params", [{"date": "2024-02-30"}, {"date": "today"}, {"lang": "fi"}])
def test_bad_input_is_400_problem(server: str, params: dict):
    response = get(server, "/api/responsibility", task="tandvård", municipality="Heby", **params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["status"] == 400 and response.json()["detail"]


def test_missing_parameter_is_400_problem(server: str):
    response = get(server, "/api/responsibility", task="tandvård")
    assert response.status_code == 400 and "municipality" in response.json()["detail"]


def test_bodies_of_sodra_alvsborg(server: str):
    """003 "Delregionalt politiskt samråd (DPS)": DPS meets four times a year."""
    bodies = get(server, "/api/bodies", county="sodra-alvsborg").json()
    by_id = {b["id"]: b for b in bodies}
    assert by_id["sodra-alvsborg-dps"]["meetings_per_year"] == 4
    assert by_id["sodra-alvsborg-dps"]["kind"] == "political body"
    assert all("sodra-alvsborg" in b["areas"] for b in bodies)


def test_body_detail_has_members_and_lines(server: str):
    """003 "Styrgrupp": Boråsregionen and Koncernkontoret VGR sit in it without a vote."""
    body = get(server, "/api/bodies/sodra-alvsborg-styrgrupp").json()
    assert body["decision_making"] is True
    assert [r["iri"] for r in body["reports_to"]] == [f"{ID}body/sodra-alvsborg-dps"]
    without_vote = {s["member"]["label"] for s in body["members"] if s["voting"] is False}
    assert any("Boråsregionen" in name for name in without_vote)
    assert body["sources"][0]["documents"] == ["003_577f1934160f7ed0.txt"]


def test_unknown_body_is_404(server: str):
    response = get(server, "/api/bodies/no-such-body")
    assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)


def test_agreement_status_after_automatic_renewal(server: str):
    """003 "1. Inledning": 2022–2025, notice at the latest twelve months before the end,
    otherwise extended two years at a time."""
    agreements = get(server, "/api/agreements", date="2026-06-01").json()
    (sa,) = [
        a
        for a in agreements
        if a["iri"] == f"{ID}agreement/inriktningsdokument-sodra-alvsborg-2022-2025"
    ]
    assert sa["status"] == "in force" and sa["original_end"] == "2025-12-31"
    assert sa["current_end"] == "2027-12-31" and sa["renewals"] == 1
    assert sa["notice_deadline"] == "2026-12-31"
    assert len(sa["parties"]) == 9


def test_agreement_status_before_and_in_first_term(server: str):
    agreements = get(server, "/api/agreements", date="2023-01-01").json()
    (sa,) = [
        a for a in agreements if a["iri"].endswith("inriktningsdokument-sodra-alvsborg-2022-2025")
    ]
    assert (sa["status"], sa["renewals"], sa["notice_deadline"]) == ("in force", 0, "2024-12-31")
    early = get(server, "/api/agreements", date="2021-06-01").json()
    assert next(a for a in early if a["iri"] == sa["iri"])["status"] == "not yet in force"


def test_escalation_path_from_a_stockholm_kommun(server: str):
    """002 "8.6 Uppföljning av problem i samverkan": kommun → Storsthlm →
    tjänstemannastyrgruppen → VIS."""
    answer = get(server, "/api/path", **{"from": "Nacka kommun"}).json()
    assert answer["path"][0]["label"] == "Nacka kommun"
    assert answer["path"][-1]["iri"] == f"{ID}body/stockholms-lan-vis"
    assert set(answer["relations"]) <= {"hsvo:escalatesTo", "hsvo:reportsTo"}
    from_storsthlm = get(server, "/api/path", **{"from": "Storsthlm"}).json()
    assert [s["iri"] for s in from_storsthlm["path"]] == [
        f"{ID}org/storsthlm",
        f"{ID}body/stockholms-lan-tjanstemannastyrgruppen",
        f"{ID}body/stockholms-lan-vis",
    ]


def test_search_finds_bodies_by_name(server: str):
    hits = get(server, "/api/search", q="samråd").json()
    assert any(h["kind"] == "CollaborationBody" for h in hits)
    assert get(server, "/api/search", q="").status_code == 400


def test_validation_report_is_the_builds(server: str, server_info: dict):
    info = server_info
    report = get(server, "/api/validation").json()
    assert report["build_id"] == info["build_id"]
    assert report["conforms"] is True and report["warnings"] == info["validation"]["warnings"]


def test_openapi_examples_work(server: str):
    """Every GET operation of /api with examples for its parameters answers 200 with them."""
    schema = httpx.get(f"{server}/openapi.json").json()
    tried = 0
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if not path.startswith("/api/") or not operation or "{" in path:
            continue
        params = {
            p["name"]: p["schema"].get("examples", p.get("examples", [None]))[0]
            for p in operation.get("parameters", [])
            if p["schema"].get("examples") or p.get("examples")
        }
        response = httpx.get(f"{server}{path}", params=params, timeout=30)
        assert response.status_code == 200, (path, params, response.text)
        tried += 1
    assert tried >= 6
