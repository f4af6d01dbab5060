"""Every make target sets itself up through a `setup-*` target, and `make test` (which CI runs on
a clean clone) runs every one of them, so a missing install step fails CI rather than a user."""

import re
import subprocess

from .conftest import ROOT

USER_TARGETS = ["run", "build", "test", "lint", "audit", "bench", "loadtest", "screenshots"]


def prerequisites() -> dict[str, list[str]]:
    """target -> prerequisites, from make's own database of the Makefile (nothing is run)."""
    database = subprocess.run(
        ["make", "-pRrq", "-C", str(ROOT), ":"], capture_output=True, text=True
    ).stdout
    rules = {}
    for line in database.splitlines():
        found = re.match(r"^([\w./-]+):(?!=)\s*(.*)$", line)
        if found and not line.startswith("#"):
            rules.setdefault(found[1], found[2].replace("|", " ").split())
    return rules


def reachable(rules: dict[str, list[str]], target: str) -> set[str]:
    seen, todo = set(), [target]
    while todo:
        for prerequisite in rules.get(todo.pop(), []):
            if prerequisite not in seen:
                seen.add(prerequisite)
                todo.append(prerequisite)
    return seen


def test_every_user_target_is_set_up_by_a_setup_target_that_make_test_runs():
    rules = prerequisites()
    run_by_test = reachable(rules, "test")
    for target in USER_TARGETS:
        setups = {t for t in reachable(rules, target) if t.startswith("setup-")}
        assert setups, f"make {target} has no setup-* prerequisite"
        assert setups <= run_by_test | {target}, f"make test does not run {setups} ({target})"


def test_the_tools_each_target_needs_are_installed_by_its_setup():
    rules = prerequisites()
    assert "/usr/bin/chromium" in reachable(rules, "test")
    for target in ("bench", "loadtest"):
        assert "/usr/bin/wrk" in reachable(rules, target), target
    assert ".uv/bin/uv" in reachable(rules, "run")


def test_python_packages_come_from_the_lock_only():
    """Each install is `uv sync --locked` (refuses a lock that does not match pyproject.toml);
    no pip install of the project or its dependencies."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "SYNC := $(UV) sync --locked" in makefile
    assert not re.search(
        r"pip install(?! --quiet --require-hashes --no-deps -r tools/uv.txt)", makefile
    )
