"""`hsvo view` and /graph: the interactive graph view (being written)."""

from __future__ import annotations

import networkx as nx


def render(
    graph: nx.MultiDiGraph,
    county: str | None = None,
    focus: str | None = None,
    depth: int = 2,
    kinds: list[str] | None = None,
) -> str:
    raise NotImplementedError("the graph view is being written")
