"""Known vulnerabilities of the locked versions: pip-audit first, PyPI's project pages for what
pip-audit cannot reach.

    uv export --frozen --all-extras --no-emit-project --no-hashes -o locked.txt
    python tools/audit.py locked.txt [--explained tools/audit-explained.toml]

The input is the lock, exported as pinned requirements; the lines whose markers do not hold on
this machine (other platforms, other Pythons) are left out, so what is checked is what
`make` installs here. pip-audit asks PyPI's per-release pages (/pypi/<name>/<version>/json) or
osv.dev. Where those are out of reach it reports each package as "could not be audited".
PyPI's project page (/pypi/<name>/json) lists the known vulnerabilities of the project's
latest release, from the same advisory feed: for a package locked at its latest release that
is the answer for our version. Any other package is printed as unchecked.

Exits 1 only on a known vulnerability of a locked version that the explanations file does not
accept (each entry says why). A newer upstream release never fails the run: the lock, not the
day, decides what is installed and checked.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PYPI = os.environ.get("HSVO_AUDIT_PYPI", "https://pypi.org/pypi")
EXPLAINED = Path(__file__).with_name("audit-explained.toml")


@dataclass
class Finding:
    """What is known of one locked package."""

    name: str
    version: str
    source: str  # "pip-audit", "PyPI project page" or "unchecked"
    vulnerabilities: list[str] = field(default_factory=list)
    note: str = ""


def locked(requirements: str) -> dict[str, str]:
    """name -> version of every pinned requirement whose marker holds on this machine."""
    pins = {}
    for line in requirements.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
            continue
        (specifier,) = requirement.specifier
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def pip_audit(pins: dict[str, str]) -> dict[str, dict]:
    """pip-audit's verdict per package: its vulnerabilities, or why it skipped the package."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as pinned:
        pinned.write("".join(f"{name}=={version}\n" for name, version in pins.items()))
        pinned.flush()
        run = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", pinned.name, "--no-deps", "--disable-pip"]
            + ["--progress-spinner", "off", "--format", "json"],
            capture_output=True,
            text=True,
        )
    if not run.stdout.strip():
        sys.exit(f"pip-audit failed (exit {run.returncode}):\n{run.stderr}")
    return {canonicalize_name(d["name"]): d for d in json.loads(run.stdout)["dependencies"]}


def project_page(name: str) -> dict | str:
    """PyPI's JSON for the project (latest release), or why it could not be read."""
    url = f"{PYPI}/{name}/json"
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, ValueError) as error:
        return f"{url}: {error}"


def from_project_page(name: str, version: str, page: dict | str) -> Finding:
    if isinstance(page, str):
        return Finding(name, version, "unchecked", note=page)
    latest = page["info"]["version"]
    if Version(latest) != Version(version):
        requires = page["info"].get("requires_python") or "any"
        note = f"locked below the latest release, {latest} (Python {requires})"
        return Finding(name, version, "unchecked", note=note)
    ids = [v["id"] for v in page.get("vulnerabilities", []) if not v.get("withdrawn")]
    return Finding(name, version, "PyPI project page", ids)


def audit(pins: dict[str, str], use_pip_audit: bool = True) -> list[Finding]:
    verdicts = pip_audit(pins) if use_pip_audit else {}
    findings, skipped = [], []
    for name, version in sorted(pins.items()):
        verdict = verdicts.get(name, {"skip_reason": "pip-audit not run"})
        if "skip_reason" in verdict:
            skipped.append(name)
        else:
            ids = [v["id"] for v in verdict["vulns"]]
            findings.append(Finding(name, version, "pip-audit", ids))
    with ThreadPoolExecutor(8) as pool:
        pages = pool.map(project_page, skipped)
        findings += [
            from_project_page(name, pins[name], page)
            for name, page in zip(skipped, pages, strict=True)
        ]
    return sorted(findings, key=lambda f: f.name)


def report(findings: list[Finding], explained: dict) -> tuple[list[str], list[str]]:
    """Lines to print and the vulnerabilities no entry of the explanations file accepts."""
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
            lines.append(f"{f.name} {f.version}: unchecked, {f.note}")
    sources = Counter(f.source for f in findings)
    counts = ", ".join(f"{n} by {source}" for source, n in sorted(sources.items()))
    lines.append(f"{len(findings)} packages: {counts}.")
    return lines, unexplained


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("requirements", type=Path, help="the lock exported by `uv export`")
    parser.add_argument("--explained", type=Path, default=EXPLAINED)
    parser.add_argument(
        "--no-pip-audit", action="store_true", help="read PyPI's project pages only"
    )
    args = parser.parse_args()
    explained = tomllib.loads(args.explained.read_text(encoding="utf-8"))
    pins = locked(args.requirements.read_text(encoding="utf-8"))
    findings = audit(pins, use_pip_audit=not args.no_pip_audit)
    lines, unexplained = report(findings, explained)
    print(*lines, sep="\n")
    if unexplained:
        print(f"Known vulnerabilities not accepted in {args.explained}:", *unexplained, sep="\n  ")
        return 1
    known = sum(len(f.vulnerabilities) for f in findings)
    accepted = f", each accepted in {args.explained}" if known else ""
    print(f"Known vulnerabilities of the locked versions: {known}{accepted}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
