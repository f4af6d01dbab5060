"""`make audit` (tools/audit.py) and the lock: what is checked, what fails the run, and that a
newer upstream release changes neither what is installed nor the outcome."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import ROOT

TOOLS = ROOT / "tools"
UV = ROOT / ".uv" / "bin" / "uv"
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
    assert "latest release, 3.7" in found.note and ">=3.12" in found.note


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
        # What cannot be checked is printed, and does not fail the run.
        (audit.Finding("b", "2.0", "unchecked", note="locked below the latest release"), {}, False),
        (audit.Finding("c", "1.0", "PyPI project page"), {}, False),
    ],
)
def test_only_unaccepted_vulnerabilities_fail(finding, explained, fails):
    lines, unexplained = audit.report([finding], explained)
    assert bool(unexplained) is fails
    assert lines[-1] == f"1 packages: 1 by {finding.source}."
    if finding.source == "unchecked":
        assert lines[0].startswith("b 2.0: unchecked")


def test_the_lock_is_read_for_this_machine_only():
    """Pins for other platforms and Pythons (markers that do not hold here) are not ours."""
    pins = audit.locked(
        "# exported\n"
        "rdflib==7.6.0\n"
        "networkx==3.6.1 ; python_full_version < '3.12'\n"
        "networkx==3.7 ; python_full_version >= '3.12'\n"
        "pywin32==312 ; sys_platform == 'win32'\n"
        "    # via something\n"
    )
    expected_networkx = "3.6.1" if sys.version_info < (3, 12) else "3.7"
    assert pins == {"rdflib": "7.6.0", "networkx": expected_networkx}


class FakePyPI(BaseHTTPRequestHandler):
    """Project pages as PyPI serves them, from the class attribute `pages`."""

    pages: dict = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        name = self.path.strip("/").split("/")[0]
        body = json.dumps(self.pages[name]).encode() if name in self.pages else b"{}"
        self.send_response(200 if name in self.pages else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_pypi():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePyPI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def run_audit(tmp_path: Path, pypi: str, pages: dict) -> subprocess.CompletedProcess:
    FakePyPI.pages = pages
    locked = tmp_path / "locked.txt"
    locked.write_text("alpha==1.0\nbeta==2.0\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(TOOLS / "audit.py"), str(locked), "--no-pip-audit"],
        capture_output=True,
        text=True,
        env={**os.environ, "HSVO_AUDIT_PYPI": pypi},
        timeout=60,
    )


def test_a_newer_upstream_release_does_not_change_the_outcome(tmp_path, fake_pypi):
    today = {"alpha": page("1.0"), "beta": page("2.0")}
    assert run_audit(tmp_path, fake_pypi, today).returncode == 0
    # Next month beta 2.1 is out (and has an advisory of its own): still our 2.0 is what is
    # locked; the run passes and says beta could not be checked.
    later = {"alpha": page("1.0"), "beta": page("2.1", {"id": "GHSA-new-in-2.1"})}
    run = run_audit(tmp_path, fake_pypi, later)
    assert run.returncode == 0, run.stdout
    assert "beta 2.0: unchecked, locked below the latest release, 2.1" in run.stdout
    assert "GHSA-new-in-2.1" not in run.stdout


def test_a_known_vulnerability_of_a_locked_version_fails(tmp_path, fake_pypi):
    pages = {"alpha": page("1.0", {"id": "GHSA-alpha-1"}), "beta": page("2.0")}
    run = run_audit(tmp_path, fake_pypi, pages)
    assert run.returncode == 1
    assert "alpha 1.0: known vulnerability GHSA-alpha-1" in run.stdout


def make_wheel(index: Path, version: str) -> None:
    """A real wheel of a tiny package 'lockdemo' at `version`, built by uv into `index`."""
    source = index.parent / f"lockdemo-{version}"
    (source / "lockdemo").mkdir(parents=True)
    (source / "lockdemo" / "__init__.py").write_text(f"VERSION = {version!r}\n")
    (source / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "lockdemo"\nversion = "{version}"\n'
    )
    uv(["build", "--wheel", "--out-dir", str(index), str(source)], index.parent)


def uv(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    run = subprocess.run(
        [str(UV), *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stderr
    return run


def test_a_newer_upstream_release_does_not_change_what_is_installed(tmp_path):
    """As the Makefile installs (uv sync --locked): a project locked while lockdemo 1.0 was the
    newest installs 1.0 after 2.0 appears on its index, and the lock is still up to date."""
    index = tmp_path / "index"
    index.mkdir()
    make_wheel(index, "1.0")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["lockdemo>=1"]\n'
        f'[tool.uv]\npackage = false\nno-index = true\nfind-links = ["{index}"]\n'
    )
    uv(["lock", "--python", sys.executable], project)
    make_wheel(index, "2.0")
    uv(["lock", "--check", "--python", sys.executable], project)
    uv(["sync", "--locked", "--python", sys.executable], project)
    python = project / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-c", "import lockdemo; print(lockdemo.VERSION)"],
        capture_output=True,
        text=True,
    )
    assert installed.stdout.strip() == "1.0"


def test_the_committed_lock_matches_pyproject():
    """`make lock` was run after the last change of pyproject.toml's dependencies."""
    uv(["lock", "--check"], ROOT)
