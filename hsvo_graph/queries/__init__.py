"""Named SPARQL queries: every query the code or a user runs lives here as NAME.rq, with a
comment stating the question it answers."""

from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent


def named_query(name: str) -> str:
    return (QUERIES_DIR / f"{name}.rq").read_text(encoding="utf-8")


def all_queries() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(QUERIES_DIR.glob("*.rq"))}
