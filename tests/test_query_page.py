"""The query page and the landing page in a real browser: Debian's Chromium driven by
Playwright against the real server, clicking what a person clicks. Every test also checks that
the page logged no error and fetched nothing from outside our server (DESIGN.md §7)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from hsvo_graph.namespaces import PREFIXES
from hsvo_graph.queries import all_queries, named_query

from .browser import Visit, recording

ROOT = Path(__file__).resolve().parent.parent
EDITOR = "document.querySelector('.tabPanel.active .CodeMirror').CodeMirror"


@dataclass
class EditorVisit(Visit):
    """A tab on the query page, which can read and write the SPARQL editor."""

    def editor_text(self) -> str:
        """The whole text of the open SPARQL editor (CodeMirror draws only what is in view)."""
        return self.page.evaluate(f"() => {EDITOR}.getValue()")

    def set_editor_text(self, text: str) -> None:
        self.page.evaluate(f"text => {EDITOR}.setValue(text)", text)


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[EditorVisit]:
    """A fresh browser context (no stored tabs) with a large enough window for the editor."""
    with recording(browser, server, EditorVisit) as record:
        yield record


def open_query_page(visit: EditorVisit) -> Page:
    page = visit.page
    response = page.goto(f"{visit.base}/sparql", wait_until="load")
    assert response is not None and response.status == 200, visit.errors
    expect(page.locator(".tabPanel.active .CodeMirror")).to_be_visible()
    return page


def test_editor_starts_with_every_project_prefix(visit: EditorVisit) -> None:
    page = open_query_page(visit)
    expect(page.locator(".tabPanel.active .CodeMirror-code")).to_contain_text(
        "PREFIX hsvo: <https://w3id.org/hsvo/ontology#>"
    )
    text = visit.editor_text()
    for prefix, namespace in PREFIXES.items():
        assert f"PREFIX {prefix}: <{namespace}>" in text
    assert visit.errors == []
    assert visit.offsite() == []


def test_every_named_query_is_offered_by_its_question(visit: EditorVisit) -> None:
    page = open_query_page(visit)
    examples = page.locator("button.example")
    names = examples.evaluate_all("buttons => buttons.map(b => b.dataset.example)")
    assert names == sorted(set(all_queries()) - {"projection-triples"})
    for name in names:
        button = page.locator(f'button.example[data-example="{name}"]')
        expect(button).to_contain_text(f"{name}.rq")
        # The question, written over one or more leading comment lines, is the title.
        for line in named_query(name).splitlines():
            if not line.startswith("#"):
                break
            expect(button.locator(".example-title")).to_contain_text(line.lstrip("# "))
    assert visit.errors == []
    assert visit.offsite() == []


def test_choosing_an_example_and_running_it_shows_the_results(
    visit: EditorVisit, screenshot_dir: Path
) -> None:
    page = open_query_page(visit)
    page.click('button.example[data-example="municipalities-by-county"]')
    assert visit.editor_text() == named_query("municipalities-by-county")
    expect(page.locator(".tabsList .tab.active")).to_contain_text("municipalities-by-county")

    page.click(".tabPanel.active .yasqe_queryButton")
    results = page.locator(".tabPanel.active .yasr table.dataTable")
    expect(results).to_contain_text("0382")
    expect(results).to_contain_text("Östhammar")
    expect(results).to_contain_text("Uppsala län")
    page.screenshot(path=str(screenshot_dir / "query-page.png"))

    posts = [url for url in visit.requests if urlsplit(url).path == "/sparql"]
    assert posts, "running the query sent nothing to our /sparql"
    assert visit.errors == []
    assert visit.offsite() == []


def test_autocompletion_offers_our_prefixes_and_asks_no_one_else(visit: EditorVisit) -> None:
    page = open_query_page(visit)
    visit.set_editor_text("\nSELECT ?name WHERE { ?task a hsvo:Task ; skos:pref")
    page.locator(".tabPanel.active .CodeMirror").click()
    page.keyboard.press("Control+Home")
    page.keyboard.type("PREFIX sk")
    hints = page.locator(".CodeMirror-hints")
    expect(hints).to_contain_text("skos: <http://www.w3.org/2004/02/skos/core#>")
    page.keyboard.press("Enter")
    page.keyboard.type("\nPREFIX hsv")
    expect(hints).to_contain_text("hsvo: <https://w3id.org/hsvo/ontology#>")
    page.keyboard.press("Enter")
    # Asking to complete a property is where YASGUI by default calls a vocabulary service.
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+Space")
    page.keyboard.type("Label ?name } ORDER BY ?name LIMIT 5")
    page.click(".tabPanel.active .yasqe_queryButton")
    expect(page.locator(".tabPanel.active .yasr table.dataTable")).to_contain_text("@sv")
    assert visit.errors == []
    assert visit.offsite() == []


def test_a_refused_query_shows_the_servers_reason(visit: EditorVisit) -> None:
    page = open_query_page(visit)
    visit.set_editor_text("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    page.click(".tabPanel.active .yasqe_queryButton")
    problem = page.locator(".tabPanel.active .yasr .problem")
    expect(problem).to_contain_text("Query refused (400)")
    expect(problem).to_contain_text("SERVICE")
    # The browser logs the 400 answer itself as a failed resource; nothing else may fail.
    assert [error for error in visit.errors if "400" not in error] == []
    assert visit.offsite() == []


def test_root_is_the_query_page(visit: EditorVisit) -> None:
    response = visit.page.goto(visit.base + "/", wait_until="load")
    assert response is not None and response.status == 200, visit.errors
    expect(visit.page.locator(".tabPanel.active .CodeMirror")).to_be_visible()
    assert visit.errors == [] and visit.offsite() == []


def test_about_page_leads_to_every_interface(visit: EditorVisit) -> None:
    page = visit.page
    response = page.goto(visit.base + "/about", wait_until="load")
    assert response is not None and response.status == 200, visit.errors
    links = page.locator("main a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["/sparql", "/graph", "/docs", "/health"]
    expect(page.locator("main")).to_contain_text("triples")
    page.click("main a[href='/sparql']")
    expect(page.locator(".tabPanel.active .CodeMirror")).to_be_visible()
    assert visit.errors == []
    assert visit.offsite() == []
