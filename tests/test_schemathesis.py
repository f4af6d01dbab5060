"""The HTTP interfaces answer as their OpenAPI description says. Schemathesis reads the real
server's /openapi.json and sends every operation generated requests, valid and invalid: no
answer is a server error, and each answer's status, content type, headers and body are the
ones the description gives for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from api.app import create_app

from .conftest import ROOT, serving


@pytest.fixture(scope="module")
def api_server(built_store: Path) -> Iterator[str]:
    """`hsvo serve` on the embedded store; yields its base URL."""
    env = {"HSVO_WORKERS": "2", "HSVO_QUERY_TIMEOUT": "5"}
    with serving(built_store, env, options=("--no-access-log",)) as (base, _):
        yield base


# The description the server's code gives, read before any server runs so that pytest can
# name a test per operation (schemathesis.pytest.from_fixture, which would read it from the
# server, fails on pytest 9: it sets the test item's removed `_nodeid`).
DESCRIPTION = create_app(ROOT / "store").openapi()
schema = schemathesis.openapi.from_dict(DESCRIPTION)


def test_the_server_publishes_this_description(api_server: str):
    assert httpx.get(f"{api_server}/openapi.json").json() == DESCRIPTION


@schemathesis.serializer("application/sparql-query")
def sparql_query(ctx, value) -> bytes | None:
    """A direct POST's body is the query text itself (SPARQL 1.1 Protocol §2.1.3)."""
    return None if value is None else str(value).encode()


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_documented(api_server: str, case):
    # Whether a string is SPARQL only the parser can say, so a generated query is refused
    # (400) although the description allows it; and a browser asking /sparql for no query
    # gets the query page, whatever else the URL holds.
    excluded = [positive_data_acceptance, negative_data_rejection] if case.path == "/sparql" else []
    case.call_and_validate(base_url=api_server, excluded_checks=excluded)
