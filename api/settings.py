"""Server limits and sizes, from the environment (HSVO_*) with safe defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default, cast=int):
    value = os.environ.get(name)
    return cast(value) if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    workers: int = field(default_factory=lambda: _env("HSVO_WORKERS", max(2, os.cpu_count() or 2)))
    query_timeout: float = field(default_factory=lambda: _env("HSVO_QUERY_TIMEOUT", 30.0, float))
    queue_wait: float = field(default_factory=lambda: _env("HSVO_QUEUE_WAIT", 2.0, float))
    max_result_bytes: int = field(default_factory=lambda: _env("HSVO_MAX_RESULT_BYTES", 50_000_000))
    max_body_bytes: int = field(default_factory=lambda: _env("HSVO_MAX_BODY_BYTES", 1_000_000))
