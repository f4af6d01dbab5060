"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright
(no browser download), and a tab that records every request and every error it sees."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
WAIT_MS = 30_000  # upper bound for a page or a query to show up, not a measured time


@dataclass
class Visit:
    """A browser tab on one base address that records its requests and errors."""

    page: Page
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def offsite(self) -> list[str]:
        """Requests that went anywhere but our server (data: and blob: never leave the tab)."""
        home = urlsplit(self.base).netloc
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and urlsplit(url).netloc != home
        ]

    def clean(self) -> None:
        assert self.errors == []
        assert self.offsite() == []


@contextmanager
def launch() -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) "
        "to run the browser tests"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def recording(
    browser: Browser,
    base: str,
    visit_class: type[Visit] = Visit,
    console: tuple[str, ...] = ("error",),
    **options,
) -> Iterator[Visit]:
    """A fresh browser context (no stored state) whose tab records requests, page errors and
    console messages of the given types; options go to the context (viewport, offline)."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 900}, **options})
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        record = visit_class(page=page, base=base)
        page.on("request", lambda request: record.requests.append(request.url))
        page.on("pageerror", lambda error: record.errors.append(str(error)))
        page.on(
            "console",
            lambda message: message.type in console and record.errors.append(message.text),
        )
        yield record
    finally:
        context.close()
