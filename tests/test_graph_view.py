"""The graph view (/graph and `hsvo view`) in a real browser: Debian's Chromium driven by
Playwright against the real server, clicking, searching and filtering as a person does. Every
browser test also checks that the page logged no error and fetched nothing from outside our
server (DESIGN.md §7); the page written by `hsvo view` must also work from disk, offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import httpx
import networkx as nx
import pytest
from playwright.sync_api import Browser, Page, expect

from hsvo_graph.projection import Term, build
from hsvo_graph.view import render
from tests.browser import Visit
from tests.browser import recording as browser_recording
from tests.conftest import run_hsvo

ROOT = Path(__file__).resolve().parent.parent
ID = "https://w3id.org/hsvo/id/"
DPS = f"{ID}body/sodra-alvsborg-dps"
STYRGRUPP = f"{ID}body/sodra-alvsborg-styrgrupp"
LOCAL_BORAS = f"{ID}body/boras-lokal-ledningsgrupp-narvard"
BORAS = f"{ID}org/boras-kommun"
HEMSJUKVARD = f"{ID}task/hemsjukvard"
POLITICAL, OFFICIAL = "political body", "official body"


@dataclass
class GraphVisit(Visit):
    """A tab on the graph view."""

    def open(self, **query) -> Page:
        """/graph with the query, drawn: the script has made the network and its nodes."""
        response = self.page.goto(f"{self.base}/graph?{urlencode(query)}", wait_until="load")
        assert response is not None and response.status == 200, self.errors
        self.page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
        return self.page


def recording(browser: Browser, base: str, **options):
    """A recording tab on the graph view; warnings count as errors here."""
    return browser_recording(browser, base, GraphVisit, ("error", "warning"), **options)


@pytest.fixture
def visit(browser: Browser, server: str) -> Iterator[GraphVisit]:
    with recording(browser, server) as record:
        yield record


# -- reading the page --------------------------------------------------------------------------


def node_ids(page: Page) -> set[str]:
    return set(page.evaluate("hsvoGraph.nodes.getIds()"))


def visible(page: Page, category: str) -> int:
    """Nodes of a kind the network draws (a filtered kind is hidden in the DataSet)."""
    return page.evaluate(
        "c => hsvoGraph.nodes.get({filter: n => n.category === c && !n.hidden}).length", category
    )


def y_of(page: Page, node: str) -> float:
    return page.evaluate("id => hsvoGraph.network.getPosition(id).y", node)


def click_node(page: Page, node: str) -> None:
    """A real mouse click on the node: the network's API brings it to the middle of the view
    and says where it is on the screen."""
    spot = page.evaluate(
        """id => {
            const network = hsvoGraph.network;
            network.moveTo({position: network.getPosition(id), scale: 1, animation: false});
            const at = network.canvasToDOM(network.getPosition(id));
            const box = document.getElementById("network").getBoundingClientRect();
            return {x: box.left + at.x, y: box.top + at.y};
        }""",
        node,
    )
    page.mouse.click(spot["x"], spot["y"])


def legend_colour(page: Page, words: str) -> str:
    """The fill of the legend's swatch for a kind of body."""
    style = page.locator("ul.legend li", has_text=words).locator("rect").get_attribute("style")
    return re.search(r"fill:(#[0-9a-f]{6})", style).group(1)


def node_colour(page: Page, node: str) -> str:
    return page.evaluate("id => hsvoGraph.nodes.get(id).color.background", node)


class References(HTMLParser):
    """Every address a page's markup names: src, href, action and the like, and url() in its
    styles (inline scripts are text, not markup: their strings load nothing by themselves)."""

    ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in self.ATTRIBUTES:
                parts = value.split(",") if name == "srcset" else [value]
                self.found += [part.split()[0] for part in parts if part.strip()]
            if name == "style":
                self.found += _css_urls(value)

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += _css_urls(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def _css_urls(css: str) -> list[str]:
    return [m.strip("'\" ") for m in re.findall(r"url\(([^)]*)\)", css)] + re.findall(
        r"@import\s+['\"]([^'\"]+)", css
    )


def outside_references(html: str) -> list[str]:
    """Addresses that would leave our server: any with a scheme other than data:, or a host."""
    parser = References()
    parser.feed(html)
    return [
        ref
        for ref in parser.found
        if (urlsplit(ref).scheme not in ("", "data")) or urlsplit(ref).netloc
    ]


# -- the page loads, draws and reads top-down ---------------------------------------------------


@pytest.mark.parametrize("county", ["uppsala", "stockholm", "sodra-alvsborg"])
def test_each_county_draws_its_structure(
    browser: Browser, server: str, county: str, screenshot_dir: Path
) -> None:
    with recording(browser, server, viewport={"width": 1920, "height": 1200}) as visit:
        page = visit.open(county=county)
        drawn = page.evaluate("hsvoGraph.nodes.length")
        assert drawn == len(page.evaluate("Object.keys(hsvoGraph.details)")) > 20
        assert visible(page, "body") > 5 and visible(page, "organisation") > 5
        expect(page.locator("#status")).to_contain_text(f"{drawn} nodes")
        expect(page.locator("#status")).to_contain_text(f"county {county}")
        assert page.locator("#cap").count() == 0
        bodies = page.evaluate("hsvoGraph.nodes.get({filter: n => n.category === 'body'})")
        # Political bodies are pink and official ones blue, as the legend on the page says.
        political = [b for b in bodies if b["title"].endswith(POLITICAL)]
        official = [b for b in bodies if b["title"].endswith(OFFICIAL)]
        assert political and official
        assert {b["color"]["background"] for b in political} == {legend_colour(page, POLITICAL)}
        assert {b["color"]["background"] for b in official} == {legend_colour(page, OFFICIAL)}
        # Levels top-down: the highest political body stands above every official body.
        assert min(b["y"] for b in political) < min(b["y"] for b in official)
        page.screenshot(path=str(screenshot_dir / f"graph-{county}.png"))
        visit.clean()


def test_sodra_alvsborg_reads_from_the_council_down_to_the_kommuner(visit: GraphVisit) -> None:
    page = visit.open(county="sodra-alvsborg")
    assert y_of(page, DPS) < y_of(page, STYRGRUPP) < y_of(page, LOCAL_BORAS) < y_of(page, BORAS)
    assert node_colour(page, DPS) == legend_colour(page, POLITICAL)
    assert node_colour(page, STYRGRUPP) == legend_colour(page, OFFICIAL)
    # Memberships, escalations and reporting lines are drawn as labelled arrows.
    edges = page.evaluate("hsvoGraph.edges.get()")
    words = {(e["from"], e["to"]): e["words"] for e in edges}
    assert words[(BORAS, DPS)] == "member of (member, substitute)"
    assert words[(LOCAL_BORAS, f"{ID}body/sodra-alvsborg-narvardskontoret")] == "escalates to"
    assert words[(STYRGRUPP, DPS)] == "reports to"
    funds = {e["words"] for e in edges if e["relation"] == "funds"}
    assert funds == {"funds 50 %"}
    assert all(e["arrows"] == "to" for e in edges)
    # The physics are off: the nodes stay where the layout put them.
    assert page.evaluate("hsvoGraph.network.physics.options.enabled") is False
    visit.clean()


# -- clicking, searching, filtering --------------------------------------------------------------


def test_clicking_a_body_shows_the_seeds_values_and_its_sources(visit: GraphVisit) -> None:
    page = visit.open(county="sodra-alvsborg")
    click_node(page, DPS)
    details = page.locator("#details")
    expect(details).to_be_visible()
    expect(details.locator("h2")).to_have_text("Delregionalt politiskt samråd")
    facts = details.locator("#facts")
    expect(facts).to_contain_text("Sub-regional political council")
    expect(facts).to_contain_text("political body")
    # 003_577f1934160f7ed0.txt, "Delregionalt politiskt samråd (DPS)": meets four times a year;
    # chair and vice chair for two years, alternating between a kommun and VGR.
    meetings = facts.locator("dt", has_text="Meetings per year").locator("xpath=following::dd[1]")
    expect(meetings).to_have_text("4")
    expect(facts).to_contain_text("alternerar mellan kommun och VGR")
    expect(facts).to_contain_text("alternate between a municipality and VGR")
    expect(details).to_contain_text("Borås Stad: member (ledamot), substitute (ersättare)")
    expect(details).to_contain_text("Styrelsen för Södra Älvsborgs Sjukhus: member (ledamot)")
    sources = details.locator("#sources")
    expect(sources).to_contain_text("Inriktningsdokument för Närvårdssamverkan Södra Älvsborg")
    expect(sources).to_contain_text("003_577f1934160f7ed0.txt")
    expect(details).to_contain_text("Delregionalt politiskt samråd (DPS)")
    assert page.evaluate("hsvoGraph.network.getSelectedNodes()") == [DPS]
    # The panel leads to the resource's own page on this server.
    details.locator("#page-link").click()
    expect(page).to_have_url(f"{visit.base}/id/body/sodra-alvsborg-dps")
    expect(page.locator("h1")).to_contain_text("Delregionalt politiskt samråd")
    visit.clean()


def test_a_funded_body_shows_who_pays_what(visit: GraphVisit) -> None:
    page = visit.open(county="sodra-alvsborg")
    click_node(page, f"{ID}body/sodra-alvsborg-narvardskontoret")
    funding = page.locator("#details h3", has_text="Funding").locator("xpath=following::ul[1]")
    expect(funding).to_contain_text("Västra Götalandsregionen: pays 50 %")
    expect(funding).to_contain_text("Kommunerna i Södra Älvsborg: pays 50 %")
    visit.clean()


def test_search_finds_and_focuses_a_node(visit: GraphVisit) -> None:
    page = visit.open(county="sodra-alvsborg")
    page.fill("#search", "dps")
    page.press("#search", "Enter")
    assert page.evaluate("hsvoGraph.network.getSelectedNodes()") == [DPS]
    centre = page.evaluate("hsvoGraph.network.getViewPosition()")
    place = page.evaluate("id => hsvoGraph.network.getPosition(id)", DPS)
    assert abs(centre["x"] - place["x"]) < 1 and abs(centre["y"] - place["y"]) < 1
    expect(page.locator("#details h2")).to_have_text("Delregionalt politiskt samråd")
    # Without diacritics, by a part of the name.
    page.fill("#search", "vargarda komm")
    page.click("#find")
    expect(page.locator("#details h2")).to_have_text("Vårgårda kommun")
    page.fill("#search", "no such body")
    page.click("#find")
    note = page.locator("#search-note")
    expect(note).to_contain_text('Nothing on this page is called "no such body"')
    visit.clean()


def test_a_kind_filter_hides_that_kind_and_shows_it_again(visit: GraphVisit) -> None:
    page = visit.open(county="uppsala")
    organisations, bodies = visible(page, "organisation"), visible(page, "body")
    assert organisations > 0 and bodies > 0
    box = page.locator("#kinds input[value=organisation]")
    box.uncheck()
    assert visible(page, "organisation") == 0
    assert visible(page, "body") == bodies
    # A search for a hidden kind brings the kind back.
    page.fill("#search", "Östhammars kommun")
    page.press("#search", "Enter")
    expect(box).to_be_checked()
    assert visible(page, "organisation") == organisations
    expect(page.locator("#details h2")).to_have_text("Östhammars kommun")
    visit.clean()


def test_ticking_a_kind_that_is_not_on_the_page_asks_the_server_for_it(visit: GraphVisit) -> None:
    page = visit.open(county="uppsala")
    assert visible(page, "task") == 0
    with page.expect_navigation():
        page.locator("#kinds input[value=task]").check()
    page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
    assert "kinds=body" in page.url and "kinds=task" in page.url
    assert HEMSJUKVARD in node_ids(page)
    visit.clean()


def test_focus_and_depth_show_a_nodes_neighbourhood(visit: GraphVisit) -> None:
    page = visit.open(focus="body/sodra-alvsborg-dps", depth=1)
    near = node_ids(page)
    assert {DPS, STYRGRUPP, f"{ID}body/sodra-alvsborg-presidium", BORAS} <= near
    assert LOCAL_BORAS not in near  # two steps away: via Närvårdskontoret or Borås Stad
    status = page.locator("#status")
    expect(status).to_contain_text("1 step(s) around Delregionalt politiskt samråd")
    assert page.evaluate("hsvoGraph.network.getSelectedNodes()") == [DPS]
    expect(page.locator("#details h2")).to_have_text("Delregionalt politiskt samråd")
    # The form asks for another focus and depth.
    page.fill("#focus", "Styrgrupp närvård")
    page.select_option("#depth", "2")
    with page.expect_navigation():
        page.click("#view button[type=submit]")
    page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
    assert {STYRGRUPP, LOCAL_BORAS, DPS} <= node_ids(page)
    expect(page.locator("#status")).to_contain_text("2 step(s) around Styrgrupp närvård")
    visit.clean()


def test_a_task_leads_to_who_is_responsible(visit: GraphVisit) -> None:
    page = visit.open(county="uppsala", kinds="organisation,task,law")
    page.fill("#search", "hemsjukvård")
    page.press("#search", "Enter")
    details = page.locator("#details")
    expect(details.locator("h2")).to_have_text("hemsjukvård")
    expect(details).to_contain_text(
        "Östhammars kommun: by transfer (Förhandlingsöverenskommelse om ädel i Uppsala län)"
    )
    link = details.locator("#who-link")
    expected = "/api/responsibility?task=" + quote("hemsjukvård")
    assert link.get_attribute("href").startswith(expected + "&municipality=")
    page.select_option("#who-municipality", "Östhammars kommun")
    page.fill("#who-date", "2024-05-01")
    with page.expect_navigation():
        details.locator("#who-form button[type=submit]").click()
    answer = page.evaluate("JSON.parse(document.body.innerText)")
    assert answer["municipality"]["label"] == "Östhammars kommun"
    # the kommun nurses at home by the ädel agreement; the region's doctors stay
    assert [p["party"]["label"] for p in answer["parties"]] == [
        "Östhammars kommun",
        "Region Uppsala",
    ]
    visit.clean()


# -- the same page from the command line, and nothing from outside ------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"county": "stockholm"},
        {"focus": "hemsjukvård", "depth": "1", "kinds": "organisation,task,law"},
    ],
)
def test_the_cli_writes_the_page_graph_serves(
    server: str, built_store: Path, tmp_path: Path, query: dict
) -> None:
    out = tmp_path / "graph.html"
    options = [part for key, value in query.items() for part in (f"--{key}", value)]
    result = run_hsvo("view", "--store", str(built_store), *options, "-o", str(out))
    assert result.returncode == 0, result.stderr
    served = httpx.get(f"{server}/graph", params=query, timeout=60)
    assert served.status_code == 200
    assert out.read_bytes() == served.content


def test_the_written_page_works_from_disk_with_the_network_cut_off(
    browser: Browser, built_store: Path, tmp_path: Path
) -> None:
    out = tmp_path / "graph.html"
    county = ("--county", "sodra-alvsborg")
    result = run_hsvo("view", "--store", str(built_store), *county, "-o", str(out))
    assert result.returncode == 0, result.stderr
    with recording(browser, out.as_uri(), offline=True) as visit:
        page = visit.page
        page.goto(out.as_uri(), wait_until="load")
        page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
        expect(page.locator("#offline")).to_be_visible()
        click_node(page, DPS)
        expect(page.locator("#details")).to_contain_text("Meetings per year")
        assert visit.errors == []
        assert {urlsplit(url).scheme for url in visit.requests} <= {"file", "data"}


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"county": "uppsala"},
        {"county": "stockholm"},
        {"county": "sodra-alvsborg", "kinds": "body,organisation,agreement,task,law,post,activity"},
        {"focus": "hemsjukvård", "depth": "3", "kinds": "organisation,agreement,task,law"},
    ],
)
def test_no_page_references_anything_outside_our_server(server: str, query: dict) -> None:
    html = httpx.get(f"{server}/graph", params=query, timeout=60).text
    assert "<script src" not in html and '<link rel="stylesheet"' not in html
    assert outside_references(html) == []


def test_the_reference_check_catches_an_outside_resource() -> None:
    """The check above would see a CDN, a protocol-relative address or a font in a style."""
    page = (
        '<link href="https://cdn.example/vis.css"><script src="//cdn.example/vis.js"></script>'
        "<style>@font-face { src: url('https://fonts.example/a.woff'); }</style>"
        '<a href="/id/body/x">ok</a><img src="data:image/png;base64,AAAA">'
    )
    assert outside_references(page) == [
        "https://cdn.example/vis.css",
        "//cdn.example/vis.js",
        "https://fonts.example/a.woff",
    ]


# -- a big graph, and names the graph does not hold --------------------------------------------


def big_graph(bodies: int) -> nx.MultiDiGraph:
    """A national-size graph of collaboration bodies in chains of reporting lines."""
    rdf, hsvo = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "https://w3id.org/hsvo/ontology#"
    label = "http://www.w3.org/2004/02/skos/core#prefLabel"
    where = "https://w3id.org/hsvo/graph/data/big/bodies"
    quads = []
    for i in range(bodies):
        body = Term("iri", f"{ID}body/big-{i}")
        kind = Term("iri", f"{ID}bodykind/{'political' if i % 10 == 0 else 'official'}")
        quads += [
            (body, Term("iri", rdf + "type"), Term("iri", hsvo + "CollaborationBody"), where),
            (body, Term("iri", label), Term("literal", f"Organ {i}", "sv"), where),
            (body, Term("iri", hsvo + "bodyKind"), kind, where),
        ]
        if i % 10:
            upper = Term("iri", f"{ID}body/big-{i - i % 10}")
            quads.append((body, Term("iri", hsvo + "reportsTo"), upper, where))
    return build(quads)


def test_a_big_graph_is_capped_and_says_so(browser: Browser, tmp_path: Path) -> None:
    page_file = tmp_path / "big.html"
    page_file.write_text(render(big_graph(20_000), max_nodes=400), encoding="utf-8")
    with recording(browser, page_file.as_uri(), offline=True) as visit:
        page = visit.page
        page.goto(page_file.as_uri(), wait_until="load")
        page.wait_for_function("window.hsvoGraph && hsvoGraph.nodes.length > 0")
        assert page.evaluate("hsvoGraph.nodes.length") == 400
        expect(page.locator("#cap")).to_contain_text("the view holds 20,000 nodes")
        expect(page.locator("#cap")).to_contain_text("only the first 400 are drawn")
        # Still usable: a search finds and selects a drawn body.
        page.fill("#search", "Organ 0")
        page.press("#search", "Enter")
        assert page.evaluate("hsvoGraph.network.getSelectedNodes()") == [f"{ID}body/big-0"]
        assert visit.errors == []


def test_the_served_view_says_when_it_is_capped(visit: GraphVisit) -> None:
    page = visit.open(county="uppsala", max_nodes=10)
    assert page.evaluate("hsvoGraph.nodes.length") == 10
    expect(page.locator("#cap")).to_contain_text("only the first 10 are drawn")
    assert visible(page, "body") == 10  # bodies first: the structure before the rest
    visit.clean()


@pytest.mark.parametrize(
    ("query", "status", "suggestion"),
    [
        ({"county": "gotland"}, 404, "uppsala"),
        ({"focus": "Styrgrupp närv"}, 404, "Styrgrupp närvård"),
        ({"kinds": "body,people"}, 400, "organisation"),
        ({"focus": "body/sodra-alvsborg-dps", "county": "uppsala"}, 404, None),
    ],
)
def test_names_the_graph_does_not_hold_are_problems(
    server: str, query: dict, status: int, suggestion: str | None
) -> None:
    response = httpx.get(f"{server}/graph", params=query, timeout=60)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if suggestion:
        assert suggestion in problem["suggestions"]
    else:
        assert "not in this view" in problem["detail"]
