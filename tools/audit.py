"""Known vulnerabilities in the installed packages: pip-audit first, PyPI's project pages for
what pip-audit cannot reach.

    python tools/audit.py [--explained tools/audit-explained.toml]

pip-audit asks PyPI's per-release pages (/pypi/<name>/<version>/json) or osv.dev. Where those
are out of reach (on this project's build machine the per-release pages answer 404 and osv.dev
does not resolve) it reports every package as "could not be audited" and finds nothing. PyPI's
project page (/pypi/<name>/json) is reachable there and lists the known vulnerabilities of the
project's latest release, from the same advisory feed; for a package installed at its latest
release that is the answer for the installed version. A package pip-audit could not audit and
that is not at its latest release stays unchecked.

Exits 1 on a known vulnerability or an unchecked package that the explanations file does not
explain (each entry says why it is accepted), so nothing is left unexplained.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import distributions
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT = "hsvo-graph"  # installed editable; it is not on PyPI
PROJECT_PAGE = "https://pypi.org/pypi/{name}/json"
EXPLAINED = Path(__file__).with_name("audit-explained.toml")


@dataclass
class Finding:
    """What is known of one installed package."""

    name: str
    version: str
    source: str  # "pip-audit", "PyPI project page" or "unchecked"
    vulnerabilities: list[str] = field(default_factory=list)
    note: str = ""


def installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}


def pip_audit() -> dict[str, dict]:
    """pip-audit's verdict per package: its vulnerabilities, or why it skipped the package."""
    run = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"]
        + ["--format", "json"],
        capture_output=True,
        text=True,
    )
    if not run.stdout.strip():
        sys.exit(f"pip-audit failed (exit {run.returncode}):\n{run.stderr}")
    return {canonicalize_name(d["name"]): d for d in json.loads(run.stdout)["dependencies"]}


def project_page(name: str) -> dict | str:
    """PyPI's JSON for the project (latest release), or why it could not be read."""
    try:
        with urllib.request.urlopen(PROJECT_PAGE.format(name=name), timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        return f"{PROJECT_PAGE.format(name=name)}: {error}"


def from_project_page(name: str, version: str, page: dict | str) -> Finding:
    if isinstance(page, str):
        return Finding(name, version, "unchecked", note=page)
    latest = page["info"]["version"]
    if Version(latest) != Version(version):
        requires = page["info"].get("requires_python") or "any"
        note = f"latest release is {latest} (Python {requires})"
        return Finding(name, version, "unchecked", note=note)
    ids = [v["id"] for v in page.get("vulnerabilities", []) if not v.get("withdrawn")]
    return Finding(name, version, "PyPI project page", ids)


def audit() -> list[Finding]:
    versions = installed()
    verdicts = pip_audit()
    findings, skipped = [], []
    for name, verdict in sorted(verdicts.items()):
        if name == PROJECT:
            continue
        if "skip_reason" in verdict:
            skipped.append(name)
        else:
            ids = [v["id"] for v in verdict["vulns"]]
            findings.append(Finding(name, verdict["version"], "pip-audit", ids))
    with ThreadPoolExecutor(8) as pool:
        pages = pool.map(project_page, skipped)
        findings += [
            from_project_page(name, versions[name], page)
            for name, page in zip(skipped, pages, strict=True)
        ]
    return sorted(findings, key=lambda f: f.name)


def report(findings: list[Finding], explained: dict) -> tuple[list[str], list[str]]:
    """Lines to print and the findings no entry of the explanations file accepts."""
    lines, unexplained = [], []
    for f in findings:
        for vuln in f.vulnerabilities:
            reason = explained.get("vulnerability", {}).get(vuln, {}).get("reason")
            lines.append(
                f"{f.name} {f.version}: {vuln}" + (f", accepted: {reason}" if reason else "")
            )
            if not reason:
                unexplained.append(f"{f.name} {f.version}: known vulnerability {vuln}")
        if f.source == "unchecked":
            key = f"{f.name}=={f.version}"
            reason = explained.get("unchecked", {}).get(key, {}).get("reason")
            lines.append(
                f"{f.name} {f.version}: not checked, {f.note}" + (f"; {reason}" if reason else "")
            )
            if not reason:
                unexplained.append(f"{f.name} {f.version}: not checked ({f.note})")
    sources = Counter(f.source for f in findings)
    counts = ", ".join(f"{n} by {source}" for source, n in sorted(sources.items()))
    lines.append(f"{len(findings)} packages: {counts}.")
    return lines, unexplained


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--explained", type=Path, default=EXPLAINED)
    args = parser.parse_args()
    explained = tomllib.loads(args.explained.read_text(encoding="utf-8"))
    findings = audit()
    lines, unexplained = report(findings, explained)
    print(*lines, sep="\n")
    if unexplained:
        print(f"Not explained in {args.explained}:", *unexplained, sep="\n  ")
        return 1
    known = sum(len(f.vulnerabilities) for f in findings)
    print(f"Known vulnerabilities: {known}; each finding above is explained in {args.explained}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
