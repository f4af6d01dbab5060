"""Shared fixtures: paths of the project's inputs and a helper to run the CLI as a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
HSVO = [sys.executable, "-m", "hsvo_graph.cli"]


def run_hsvo(*args: str, env: dict | None = None, cwd: Path | None = None, stdin: str | None = None):
    """Run the real `hsvo` command in a subprocess and return the completed process."""
    return subprocess.run(
        [*HSVO, *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})},
        input=stdin,
        timeout=300,
    )


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may break without touching the repository."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target
