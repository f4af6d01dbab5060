"""The HTTP API, against the real server on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx


def test_health_reports_version_build_triples_and_validation(server: str, built_store: Path):
    info = json.loads((built_store / "build.json").read_text())
    response = httpx.get(f"{server}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == info["version"]
    assert body["build_time"] == info["time"] and body["build_id"] == info["build_id"]
    assert body["triples"] == info["triples"] > 0
    assert body["validation"] == {
        "conforms": True,
        "violations": 0,
        "warnings": info["validation"]["warnings"],
    }


def test_openapi_documents_health(server: str):
    schema = httpx.get(f"{server}/openapi.json").json()
    assert "/health" in schema["paths"]
