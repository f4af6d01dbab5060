"""Governance questions on the projection: escalation, seats, committee activities, agreements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hsvo_graph import governance, projection
from hsvo_graph.projection import label
from hsvo_graph.store import open_read_only

from .conftest import run_hsvo

ID = "https://w3id.org/hsvo/id/"


@pytest.fixture(scope="module")
def graph(built_store: Path):
    return projection.from_store(open_read_only(built_store).store)


def test_local_matters_go_through_every_level_in_sodra_alvsborg(graph):
    """003 "Lokal ledningsgrupp för Närvårdssamverkan": what cannot be solved locally goes to
    Närvårdskontoret; "Styrgrupp": it handles matters Närvårdskontoret prepares and works on
    behalf of DPS."""
    start = f"{ID}body/boras-lokal-ledningsgrupp-narvard"
    assert governance.escalation_path(graph, start) == [
        start,
        f"{ID}body/sodra-alvsborg-narvardskontoret",
        f"{ID}body/sodra-alvsborg-styrgrupp",
        f"{ID}body/sodra-alvsborg-dps",
    ]


def test_stockholm_problem_route_ends_at_vis(graph):
    """002 "8.6 Uppföljning av problem i samverkan"."""
    path = governance.escalation_path(graph, f"{ID}org/storsthlm")
    assert path[-1] == f"{ID}body/stockholms-lan-vis"
    assert f"{ID}body/stockholms-lan-tjanstemannastyrgruppen" in path


def test_path_to_a_given_end_and_no_path(graph):
    start = f"{ID}body/boras-lokal-ledningsgrupp-narvard"
    assert governance.escalation_path(graph, start, f"{ID}body/sodra-alvsborg-styrgrupp")[
        -1
    ].endswith("styrgrupp")
    assert governance.escalation_path(graph, start, f"{ID}body/stockholms-lan-vis") == []


def test_find_node_by_abbreviation_and_suggestions(graph):
    assert governance.find_node(graph, "DPS") == f"{ID}body/sodra-alvsborg-dps"
    with pytest.raises(governance.UnknownNode) as error:
        governance.find_node(graph, "Styrgrup närvård")
    assert "Styrgrupp närvård" in error.value.suggestions


def test_seats_of_a_kommun(graph):
    """003 "Styrgrupp": a representative from every kommun."""
    seats = governance.bodies_of(graph, f"{ID}org/bollebygd-kommun")
    assert f"{ID}body/sodra-alvsborg-styrgrupp" in {s.body for s in seats}


@pytest.mark.parametrize(
    ("day", "duration", "sign", "expected"),
    [
        ("2025-12-31", "P2Y", 1, "2027-12-31"),
        ("2027-12-31", "P12M", -1, "2026-12-31"),
        ("2024-03-31", "P1M", -1, "2024-02-29"),
        ("2024-01-31", "P1M", 1, "2024-02-29"),
    ],
)
def test_add_duration_keeps_month_ends(day, duration, sign, expected):
    assert (
        governance.add_duration(dt.date.fromisoformat(day), duration, sign).isoformat() == expected
    )


def test_agreement_status_without_period_is_unknown(graph):
    status = governance.agreement_status(
        graph, f"{ID}agreement/lakarmedverkan-uppsala-lan-2020", dt.date(2024, 1, 1)
    )
    assert status.status == "unknown" and "no period" in status.note


def test_cli_path_prints_the_chain_with_sources(built_store: Path):
    result = run_hsvo(
        "path", "Lokal ledningsgrupp för Närvårdssamverkan Borås", "--store", str(built_store)
    )
    assert result.returncode == 0, result.stderr
    lines = [line.strip(" └─") for line in result.stdout.splitlines() if "source:" not in line]
    assert (
        lines[0].startswith("Lokal ledningsgrupp") and lines[-1] == "Delregionalt politiskt samråd"
    )
    assert "003_577f1934160f7ed0.txt" in result.stdout


def test_cli_path_unknown_exits_2(built_store: Path):
    result = run_hsvo("path", "Styrgrup närvård", "--store", str(built_store))
    assert result.returncode == 2 and "Styrgrupp närvård" in result.stderr


def test_labels_fall_back_to_swedish(graph):
    assert label(graph, f"{ID}org/region-uppsala", "fi") == "Region Uppsala"
