"""`make audit` (tools/audit.py): what it reads from PyPI's project page and what fails it."""

import importlib.util
import sys
import tomllib
from pathlib import Path

import pytest

TOOLS = Path(__file__).parents[1] / "tools"
spec = importlib.util.spec_from_file_location("audit", TOOLS / "audit.py")
audit = importlib.util.module_from_spec(spec)
sys.modules["audit"] = audit  # dataclasses look their module up there
spec.loader.exec_module(audit)


def page(version, *vulnerabilities):
    """The parts of PyPI's /pypi/<name>/json the audit reads."""
    return {
        "info": {"version": version, "requires_python": ">=3.12"},
        "vulnerabilities": list(vulnerabilities),
    }


def test_a_package_at_its_latest_release_gets_the_pages_vulnerabilities_except_withdrawn():
    found = audit.from_project_page(
        "pycrypto",
        "2.6.1",
        page(
            "2.6.1",
            {"id": "PYSEC-2017-94", "withdrawn": None},
            {"id": "GHSA-cq27-v7xp-c356"},
            {"id": "PYSEC-0000-WITHDRAWN", "withdrawn": "2024-01-01T00:00:00Z"},
        ),
    )
    assert found.source == "PyPI project page"
    assert found.vulnerabilities == ["PYSEC-2017-94", "GHSA-cq27-v7xp-c356"]


def test_a_package_behind_its_latest_release_is_unchecked_not_clean():
    found = audit.from_project_page("networkx", "3.6.1", page("3.7"))
    assert found.source == "unchecked"
    assert found.vulnerabilities == []
    assert "latest release is 3.7" in found.note and ">=3.12" in found.note


def test_an_unreachable_page_is_unchecked_with_the_error():
    found = audit.from_project_page("rdflib", "7.6.0", "https://pypi.org/pypi/rdflib/json: 503")
    assert found.source == "unchecked" and "503" in found.note


@pytest.mark.parametrize(
    ("finding", "explained", "fails"),
    [
        (audit.Finding("a", "1.0", "pip-audit", ["GHSA-1"]), {}, True),
        (
            audit.Finding("a", "1.0", "pip-audit", ["GHSA-1"]),
            {"vulnerability": {"GHSA-1": {"reason": "not reachable from our code"}}},
            False,
        ),
        (audit.Finding("b", "2.0", "unchecked", note="latest release is 3.0"), {}, True),
        (
            audit.Finding("b", "2.0", "unchecked", note="latest release is 3.0"),
            {"unchecked": {"b==2.0": {"reason": "newest for Python 3.11"}}},
            False,
        ),
        # An explanation names the version it was written for: a new version is looked at again.
        (
            audit.Finding("b", "2.1", "unchecked", note="latest release is 3.0"),
            {"unchecked": {"b==2.0": {"reason": "newest for Python 3.11"}}},
            True,
        ),
        (audit.Finding("c", "1.0", "PyPI project page"), {}, False),
    ],
)
def test_only_explained_findings_pass(finding, explained, fails):
    lines, unexplained = audit.report([finding], explained)
    assert bool(unexplained) is fails
    assert lines[-1] == f"1 packages: 1 by {finding.source}."


def test_every_explanation_in_the_repository_gives_a_reason():
    explained = tomllib.loads((TOOLS / "audit-explained.toml").read_text(encoding="utf-8"))
    entries = [
        *explained.get("vulnerability", {}).values(),
        *explained.get("unchecked", {}).values(),
    ]
    assert entries and all(entry.get("reason", "").strip() for entry in entries)
