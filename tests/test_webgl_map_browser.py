"""The large actor map (WebGL, visualize/webgl_map.py) in a real headless Chromium.

WebGL needs a GL in a headless browser without a GPU: SwiftShader, Chromium's software
renderer (`--use-angle=swiftshader`). The servers are the real API over uvicorn on loopback.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mapper.service
from mapper.model import Actor, Batch, Collaboration, Relation
from tests.test_map_browser import CHROMIUM, HOSTILE, _need_browser, _serve

FLAGS = [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = "window.mapReady === true"
COUNTIES = ("Skåne län", "Stockholms län", "Västra Götalands län", "Västerbottens län")


def projects_batch(actors: int = 2400, projects: int = 500, seed: int = 1) -> Batch:
    """EU-project-shaped data: projects of 3-12 partners, a third of them foreign."""
    rng = random.Random(seed)
    sectors = ("public", "private", "civil_society", "academia")
    people = []
    for i in range(actors):
        swedish = i % 3 != 0
        name = f"Organisation {i}"
        if i == 7:
            name = "Malmö universitet"
        elif i == 8:
            name = HOSTILE
        people.append(
            Actor(
                id=f"org-{i}",
                name=name,
                name_en="Malmö University" if i == 7 else None,
                aliases=("MAU",) if i == 7 else (),
                sector=sectors[i % 4],
                country="SE" if swedish else rng.choice(("DE", "FI", "ES", "IT")),
                region=COUNTIES[i % 4] if swedish else None,
            )
        )
    collaborations, relations = [], []
    for p in range(projects):
        collaborations.append(Collaboration(id=f"project-{p}", name=f"Project {p}", kind="project"))
        home = rng.randrange(actors)
        members = {home} | {
            (home + rng.randrange(-40, 40)) % actors for _ in range(rng.randrange(2, 11))
        }
        relations += [
            Relation(type="PARTICIPATES_IN", source=f"org-{m}", target=f"project-{p}")
            for m in sorted(members)
        ]
    return Batch(actors=people, collaborations=collaborations, relations=relations)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(projects_batch(), tmp_path_factory.mktemp("webgl"))


@pytest.fixture(scope="module")
def aggregated_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The same data above a lowered threshold: the map opens on its communities."""
    saved = mapper.service.AGGREGATE_THRESHOLD
    mapper.service.AGGREGATE_THRESHOLD = 2_000
    try:
        yield from _serve(projects_batch(), tmp_path_factory.mktemp("webgl-aggregated"))
    finally:
        mapper.service.AGGREGATE_THRESHOLD = saved


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _need_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def open_map(browser: Any):
    pages = []

    def open_(url: str, width: int = 1280, height: int = 720) -> Any:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.errors = []
        page.requests = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("dialog", lambda dialog: (page.errors.append(dialog.message), dialog.dismiss()))
        page.goto(url)
        page.wait_for_function(READY, timeout=60_000)
        pages.append(page)
        return page

    yield open_
    for page in pages:
        assert page.errors == [], page.errors
        page.close()


OUTSIDE = """() => {
    const box = document.getElementById("graph").getBoundingClientRect();
    const renderer = window.mapRenderer, outside = [];
    window.mapGraph.forEachNode((key) => {
        const d = renderer.getNodeDisplayData(key);
        if (!d || d.hidden) return;
        const p = renderer.framedGraphToViewport(d);  // display data are framed coordinates
        const r = renderer.scaleSize(d.size);
        if (p.x - r < 0 || p.y - r < 0 || p.x + r > box.width || p.y + r > box.height) {
            outside.push(key);
        }
    });
    return {outside: outside.length, nodes: window.mapGraph.order};
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_the_map_fits_the_window(open_map, server, width, height):
    page = open_map(f"{server}/map", width, height)
    result = page.evaluate(OUTSIDE)
    assert result["nodes"] == 2400
    assert result["outside"] == 0
    assert all(url.startswith((server, "data:", "blob:")) for url in page.requests)


def test_search_folds_accents_and_focuses_the_actor(open_map, server):
    page = open_map(f"{server}/map")
    page.fill("#search", "malmo univ")
    first = page.locator("#search-results button").first
    assert first.text_content() == "Malmö universitet"
    first.click()
    assert page.locator("#details h3").text_content().endswith("Malmö universitet")
    partners = page.locator("#details .partners li").count()
    assert partners > 0
    assert "focus=org-7" in page.evaluate("window.location.hash")
    assert page.evaluate("window.mapSearch('MAU')")[0] == "org-7"
    assert page.evaluate("window.mapSearch('malmoe')")[0] == "org-7"


def test_the_focus_is_in_the_url_and_a_colleague_opens_the_same_view(open_map, server):
    page = open_map(f"{server}/map?year_from=2010&year_to=2020#focus=org-7&depth=2")
    assert page.locator("#details h3").text_content().endswith("Malmö universitet")
    assert page.evaluate("document.getElementById('depth').value") == "2"
    assert "2010–2020" in page.title()


def test_png_and_svg_exports_are_pictures(open_map, server):
    page = open_map(f"{server}/map")
    png = page.evaluate("window.mapExportPng()")
    assert png.startswith("data:image/png;base64,")
    data = base64.b64decode(png.split(",", 1)[1])
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # not a blank canvas
    svg = page.evaluate("window.mapExportSvg()")
    assert svg.startswith("<svg") and svg.count("<circle") == 2400
    xs = [float(x) for x in re.findall(r'<circle cx="([-0-9.]+)"', svg)]
    ys = [float(y) for y in re.findall(r'<circle cx="[-0-9.]+" cy="([-0-9.]+)"', svg)]
    width, height = (float(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg).groups())
    assert all(0 <= x <= width for x in xs) and all(0 <= y <= height for y in ys)
    assert "&lt;img src=x" in svg and "<img" not in svg


def test_a_hostile_name_stays_text(open_map, server):
    page = open_map(f"{server}/map")
    page.evaluate("window.mapFocus('org-8')")
    assert page.locator("#details h3").text_content() == HOSTILE
    assert page.locator("#details img").count() == 0
    assert page.locator("img").count() == 0


def test_a_sector_and_the_country_filter_hide_actors(open_map, server):
    page = open_map(f"{server}/map")
    shown = "() => { let n = 0; window.mapGraph.forEachNode((k) => {"
    shown += " const d = window.mapRenderer.getNodeDisplayData(k); if (d && !d.hidden) n++; });"
    shown += " return n; }"
    page.uncheck('input[data-sector="academia"]')
    assert page.evaluate(shown) == 1800
    page.check('input[data-sector="academia"]')
    page.select_option("#country", "se")
    assert page.evaluate(shown) == 1600
    page.select_option("#country", "se-partners")
    assert 1600 < page.evaluate(shown) <= 2400


def test_the_year_slider_and_county_reload_the_map_with_that_scope(open_map, server):
    page = open_map(f"{server}/map?lang=en#focus=org-7")
    page.check("#limit-years")
    page.fill("#year-from", "2012")
    page.fill("#year-to", "2018")
    page.select_option("select[name=region]", "Stockholms län")
    page.uncheck("input[name=relation_types][value=FUNDS]")
    with page.expect_navigation():
        page.click("#selection button[type=submit]")
    url = page.url
    assert "year_from=2012" in url and "year_to=2018" in url and "lang=en" in url
    assert "region=Stockholms" in url and "relation_types=COLLABORATES_WITH" in url
    assert "FUNDS" not in url.split("#")[0] and url.endswith("#focus=org-7")


def test_a_saved_file_works_offline(open_map, server, tmp_path: Path):
    import httpx

    path = tmp_path / "map.html"
    path.write_text(httpx.get(f"{server}/map", timeout=60).text, encoding="utf-8")
    page = open_map(path.as_uri())
    assert page.evaluate("window.mapGraph.order") == 2400
    assert page.locator("#saved-note").is_visible()
    assert all(url.startswith(("file:", "data:", "blob:")) for url in page.requests)


# Last: the aggregated server lowers the threshold for the module's other server too.
def test_an_aggregated_map_opens_one_community(open_map, aggregated_server):
    page = open_map(f"{aggregated_server}/map")
    assert page.locator(".scope").first.text_content().startswith("2400 ")
    first = page.evaluate("window.mapGraph.order")
    assert 1 < first < 2400
    page.evaluate("window.mapFocus('community-0')")
    link = page.locator("a.open-community")
    href = link.get_attribute("href")
    assert "community=0" in href
    with page.expect_navigation():
        link.click()
    # a community this small is drawn by the small map (vis-network), a large one with WebGL
    small_ready = "(window.mapperMap && window.mapperMap.ready)"
    page.wait_for_function(f"{READY} || {small_ready}", timeout=60_000)
    opened = page.evaluate(
        "window.mapGraph ? window.mapGraph.nodes() : window.mapperNetwork.body.data.nodes.getIds()"
    )
    assert 1 < len(opened) < 2400
    assert "community=0" in page.url
