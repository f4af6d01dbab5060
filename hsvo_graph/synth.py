"""`hsvo synth`: a reproducible synthetic national graph in our ontology (being written)."""

from __future__ import annotations

from pathlib import Path


def generate(regions: int, municipalities: int, years: int, seed: int, out: Path) -> dict:
    raise NotImplementedError("hsvo synth is being written")
