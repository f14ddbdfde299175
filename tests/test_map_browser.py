"""The maps in a real headless Chromium, served by the real API over uvicorn.

Needs Debian's chromium (`apt-get install -y chromium`) and Python Playwright (`pip install
playwright`, in the test extras; its own browser download is never used). Without them the tests
skip, except under CI=true, where they fail. Saves docs/img/actor-map.png and docs/img/gap-map.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.app import create_app
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

CHROMIUM = os.environ.get("MAPPER_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = (
    "the browser tests need Debian's chromium and Python Playwright: "
    "apt-get update && apt-get install -y chromium && pip install playwright "
    "(or pip install -e '.[test]'); set MAPPER_CHROMIUM to use another Chromium binary"
)
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<img src=x onerror=alert(1)>"
DOCS_IMG = Path(__file__).resolve().parent.parent / "docs" / "img"
READY = "window.mapperMap !== undefined && window.mapperMap.ready === true"
# Every drawn node's bounding box, its label included (vis-network's getBoundingBox), in the
# canvas element's pixels (canvasToDOM), against the canvas's rectangle and the window's.
OUTSIDE_CANVAS = """() => {
    const network = window.mapperNetwork;
    const canvas = document.querySelector("#map canvas").getBoundingClientRect();
    const outside = [];
    for (const id of network.body.nodeIndices) {
        const box = network.getBoundingBox(id);
        const a = network.canvasToDOM({x: box.left, y: box.top});
        const b = network.canvasToDOM({x: box.right, y: box.bottom});
        if (a.x < -0.5 || a.y < -0.5 || b.x > canvas.width + 0.5 || b.y > canvas.height + 0.5) {
            outside.push([id, Math.round(a.x), Math.round(a.y), Math.round(b.x), Math.round(b.y)]);
        }
    }
    return {
        nodes: network.body.nodeIndices.length,
        outside: outside,
        canvas: [canvas.left, canvas.top, canvas.right, canvas.bottom],
        window: [window.innerWidth, window.innerHeight],
        labels: window.mapperMap.nodes.get().filter((node) => node.label).length,
    };
}"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _need_browser() -> Any:
    """The Playwright sync API, or a skip (a failure under CI=true) saying how to install it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if _in_ci():
            pytest.fail(f"CI=true but {INSTALL_HINT}")
        pytest.skip(INSTALL_HINT)
    return sync_playwright


# -- data and server ----------------------------------------------------------------------------


def small_batch() -> Batch:
    """Six actors in four sectors, one with a hostile name, linked by two collaborations."""
    source = Source(document="rapport.txt", quote=f"Citat om {HOSTILE} & <b>fet</b>")
    actors = [
        Actor(id="vinnova", name="Vinnova", sector="public", kinds=["organisation", "funder"]),
        Actor(id="region-skane", name="Region Skåne", sector="public", region="Skåne län"),
        Actor(id="lund", name="Lunds universitet", sector="academia", region="Skåne"),
        Actor(id="hostile", name=HOSTILE, sector="civil_society", sources=[source]),
        Actor(id="coompanion", name="Coompanion", sector="civil_society", kinds=["network"]),
        Actor(id="ikea", name="IKEA", sector="private", region="Skåne län"),
    ]
    collaborations = [
        Collaboration(id="lab", name="Labbet", kind="project", start="2019"),
        Collaboration(id="forum", name="Forum", kind="event", start="2021"),
    ]
    takes_part = [("lund", "lab"), ("hostile", "lab"), ("region-skane", "lab"), ("ikea", "forum")]
    relations = [
        *(Relation(type="PARTICIPATES_IN", source=a, target=c) for a, c in takes_part),
        Relation(type="PARTICIPATES_IN", source="coompanion", target="forum"),
        Relation(type="FUNDS", source="vinnova", target="lab", year=2019),
    ]
    return Batch(actors=actors, collaborations=collaborations, relations=relations)


def seed_batch() -> Batch | None:
    """The real seed data, if the seed loader (ingest.read_batch) reads it."""
    try:
        from ingest import read_batch

        return read_batch([Path(__file__).resolve().parent.parent / "seed_data"])
    except Exception:  # the loader is optional here: without it the seed run is skipped
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(batch: Batch, folder: Path) -> Iterator[str]:
    import uvicorn

    store = EmbeddedStore(folder / "map.db")
    store.apply(batch)
    port = _free_port()
    app = create_app(MapperService(store))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(small_batch(), tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def seed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    batch = seed_batch()
    if batch is None:
        pytest.skip("ingest.read_batch could not read seed_data/")
    yield from _serve(batch, tmp_path_factory.mktemp("seed"))


# -- browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fresh profile: Playwright's launch makes a new temporary user-data-dir."""
    sync_playwright = _need_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class Page:
    """A browser tab that fails the test on a dialog, a page error or a request off loopback."""

    def __init__(self, browser: Any, width: int = 1440, height: int = 900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("request", lambda request: self.requests.append(request.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> float:
        started = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_function(READY, timeout=60_000)
        return time.perf_counter() - started

    def js(self, expression: str, argument: Any = None) -> Any:
        return self.page.evaluate(expression, argument)

    def resize(self, width: int, height: int) -> None:
        """Resize the window and wait until the map has fitted itself to it again."""
        before = self.js("window.mapperNetwork.getScale()")
        self.page.set_viewport_size({"width": width, "height": height})
        self.page.wait_for_function(f"window.mapperNetwork.getScale() !== {before}")
        self.page.wait_for_timeout(300)  # the refit waits for the resizing to end

    def outside_canvas(self) -> dict[str, Any]:
        """The nodes whose bounding box (label included) is not inside the canvas element."""
        return self.js(OUTSIDE_CANVAS)

    def drawn_nodes(self) -> int:
        return self.js("window.mapperNetwork.body.nodeIndices.length")

    def click_node(self, node_id: str) -> None:
        point = self.node_point(node_id)
        self.page.mouse.click(point["x"], point["y"])

    def node_point(self, node_id: str) -> dict[str, float]:
        """Where the node is on the page, after centring the view on it."""
        return self.js(
            """(id) => {
                const network = window.mapperNetwork;
                network.focus(id, {scale: 1.2, animation: false});
                const dom = network.canvasToDOM(network.getPositions([id])[id]);
                const box = document.getElementById("map").getBoundingClientRect();
                return {x: box.left + dom.x, y: box.top + dom.y};
            }""",
            node_id,
        )

    def check_clean(self, base_url: str) -> None:
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"
        assert self.errors == [], f"page errors: {self.errors}"
        outside = [url for url in self.requests if not url.startswith((base_url, "data:"))]
        assert outside == [], f"the page loaded something from elsewhere: {outside}"

    def close(self) -> None:
        self.page.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Page]:
    page = Page(browser)
    yield page
    page.close()


def _total(base_url: str, **params: str) -> int:
    return httpx.get(f"{base_url}/actors", params={**params, "limit": 1}).json()["total"]


# -- tests ----------------------------------------------------------------------------------------


def test_actor_map_draws_every_actor_and_filters_by_sector(tab: Page, small_server: str):
    tab.open(f"{small_server}/map")
    assert tab.drawn_nodes() == _total(small_server) == 6
    tab.page.uncheck("input.sector-filter[value=public]")
    expected = _total(small_server) - _total(small_server, sector="public")
    assert tab.drawn_nodes() == expected == 4
    assert tab.page.text_content("#shown") == str(expected)
    tab.page.check("input.sector-filter[value=public]")
    assert tab.drawn_nodes() == 6
    tab.check_clean(small_server)


def test_clicking_a_node_shows_its_details_and_api_link(tab: Page, small_server: str):
    tab.open(f"{small_server}/map?lang=en")
    tab.click_node("lund")
    tab.page.wait_for_selector("#details .name")
    assert tab.page.text_content("#details .name") == "Lunds universitet"
    assert "Academia" in tab.page.text_content("#details dl")
    assert "Skåne län" in tab.page.text_content("#details dl")
    link = tab.page.get_attribute("#api-link", "href")
    assert link == "/actors/lund"
    assert httpx.get(small_server + link).json()["actor"]["name"] == "Lunds universitet"
    tab.check_clean(small_server)


def test_a_hostile_name_is_shown_as_text(tab: Page, small_server: str):
    tab.open(f"{small_server}/map")
    tab.click_node("hostile")
    tab.page.wait_for_selector("#details .name")
    assert tab.page.text_content("#details .name") == HOSTILE
    assert HOSTILE in tab.page.text_content("#details ul")  # the source's quote
    point = tab.node_point("hostile")
    tab.page.mouse.move(point["x"] + 1, point["y"] + 1)
    tooltip = tab.page.wait_for_selector("div.vis-tooltip", state="visible")
    assert HOSTILE in tooltip.text_content()
    assert tab.js("document.querySelectorAll('img, b').length") == 0
    tab.check_clean(small_server)


def test_gap_map_draws_four_sectors_and_a_table(tab: Page, small_server: str):
    tab.open(f"{small_server}/map/gaps?lang=en&permutations=50")
    assert tab.drawn_nodes() == 4
    assert tab.js("window.mapperNetwork.body.edgeIndices.length") == 10
    assert tab.page.locator("#gap-table tbody tr").count() == 10
    assert tab.page.is_visible("#legend")
    tab.check_clean(small_server)


def test_seed_data_maps_and_screenshots(tab: Page, seed_server: str):
    seconds = tab.open(f"{seed_server}/map?lang=en")
    assert tab.drawn_nodes() == _total(seed_server)
    assert tab.page.is_visible("ul.legend")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    broker = tab.js("window.mapperMap.data.nodes.find((n) => n.broker).id")
    tab.click_node(broker)
    tab.page.wait_for_selector("#details .name")
    tab.js("window.mapperMap.fit()")
    box = tab.page.locator("#map").bounding_box()
    tab.page.mouse.move(box["x"] + 4, box["y"] + 4)  # over empty canvas: no tooltip in the picture
    tab.page.wait_for_timeout(300)
    tab.page.screenshot(path=str(DOCS_IMG / "actor-map.png"))
    tab.open(f"{seed_server}/map/gaps?lang=en")
    tab.page.screenshot(path=str(DOCS_IMG / "gap-map.png"))
    print(f"\nseed actor map ready in {seconds:.2f} s")
    tab.check_clean(seed_server)


def test_a_10k_actor_map_opens_from_a_file_and_pans(tab: Page, tmp_path: Path):
    from tests.test_visualize import synthetic_actor_graph
    from visualize import render_actor_map

    path = tmp_path / "large.html"
    path.write_text(render_actor_map(synthetic_actor_graph(10_000)), encoding="utf-8")
    seconds = tab.open(path.as_uri())
    assert tab.drawn_nodes() == 10_000
    assert tab.js("window.mapperNetwork.physics.physicsEnabled") is False
    before = tab.js("window.mapperNetwork.getViewPosition()")
    box = tab.page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tab.page.mouse.move(x, y)
    tab.page.mouse.down()
    tab.page.mouse.move(x + 200, y + 120, steps=5)
    tab.page.mouse.up()
    after = tab.js("window.mapperNetwork.getViewPosition()")
    assert (before["x"], before["y"]) != (after["x"], after["y"])
    print(f"\n10k-actor map opened in Chromium in {seconds:.2f} s")
    assert tab.dialogs == [] and tab.errors == []
    assert all(url.startswith("file:") or url.startswith("data:") for url in tab.requests)


# -- fit, titles and links ----------------------------------------------------------------------


def _inside_window(found: dict[str, Any]) -> bool:
    left, top, right, bottom = found["canvas"]
    return left >= 0 and top >= 0 and right <= found["window"][0] and bottom <= found["window"][1]


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1400, 1000), (1920, 1080)])
def test_the_seed_actor_map_fits_its_canvas_labels_included(
    browser: Any, seed_server: str, width: int, height: int
):
    tab = Page(browser, width, height)
    try:
        tab.open(f"{seed_server}/map?lang=en")
        found = tab.outside_canvas()
        assert found["nodes"] == _total(seed_server) and found["outside"] == [], found
        assert _inside_window(found), found
        assert found["labels"] >= 10  # the most important actors are named
        tab.check_clean(seed_server)
    finally:
        tab.close()


def test_the_actor_map_refits_when_the_window_is_resized(browser: Any, seed_server: str):
    tab = Page(browser, 1920, 1080)
    try:
        tab.open(f"{seed_server}/map")
        for width, height in [(1280, 720), (1600, 900)]:
            tab.resize(width, height)
            found = tab.outside_canvas()
            assert found["outside"] == [] and _inside_window(found), (width, height, found)
        tab.check_clean(seed_server)
    finally:
        tab.close()


def test_labels_are_shown_by_importance_and_more_when_zoomed_in(browser: Any, seed_server: str):
    tab = Page(browser, 1280, 720)
    try:
        tab.open(f"{seed_server}/map")
        labelled = tab.outside_canvas()["labels"]
        assert 0 < labelled < _total(seed_server)  # the seed map is too dense to name everyone
        brokers = tab.js("window.mapperMap.data.nodes.filter((n) => n.broker).map((n) => n.id)")
        named = tab.js("window.mapperMap.nodes.get().filter((n) => n.label).map((n) => n.id)")
        assert set(named) & set(brokers)
        tab.js("window.mapperNetwork.moveTo({scale: window.mapperNetwork.getScale() * 4})")
        tab.page.wait_for_function(
            f"window.mapperMap.nodes.get().filter((n) => n.label).length > {labelled}"
        )
        tab.check_clean(seed_server)
    finally:
        tab.close()


def _gap_map_file(folder: Path, *, api_base: str, lang: str = "sv") -> Path:
    from tests.test_visualize import actor_graph_sample, gap_result
    from visualize import render_gap_map

    query = {"region": "Skåne län", "year_from": 2015, "year_to": 2019}
    page = render_gap_map(
        *gap_result(actor_graph_sample()), lang=lang, query=query, api_base=api_base
    )
    path = folder / f"gaps-{lang}.html"
    path.write_text(page, encoding="utf-8")
    return path


def test_the_gap_map_fits_at_1280x720_and_names_its_region(
    browser: Any, small_server: str, tmp_path: Path
):
    tab = Page(browser, 1280, 720)
    try:
        tab.open(_gap_map_file(tmp_path, api_base=small_server).as_uri())
        found = tab.outside_canvas()
        assert found["nodes"] == 4 and found["outside"] == [] and _inside_window(found), found
        scrolls = tab.js("document.documentElement.scrollHeight > window.innerHeight")
        assert not scrolls  # the side panel scrolls, not the page
        title = "Luckor mellan sektorer — Skåne län, 2015–2019"
        assert tab.page.title() == title and tab.page.text_content("h1") == title
        actors = tab.page.get_attribute("#other-map-link", "href")
        assert actors.startswith(f"{small_server}/map?") and "region=Sk%C3%A5ne+l%C3%A4n" in actors
        tab.page.click("#lang-link")
        tab.page.wait_for_function(READY, timeout=60_000)
        assert tab.page.url.startswith(f"{small_server}/map/gaps?")
        assert parse_qs(urlsplit(tab.page.url).query)["region"] == ["Skåne län"]
        assert tab.js("document.documentElement.lang") == "en"
        assert tab.dialogs == [] and tab.errors == []
    finally:
        tab.close()


def test_the_language_switch_keeps_the_region(tab: Page, small_server: str):
    tab.open(f"{small_server}/map?region=Sk%C3%A5ne&year_from=2015&lang=sv")
    assert tab.page.title() == tab.page.text_content("h1") == "Aktörskarta — Skåne län, från 2015"
    tab.page.click("#lang-link")
    tab.page.wait_for_function(READY, timeout=60_000)
    query = parse_qs(urlsplit(tab.page.url).query)
    assert query["region"] == ["Skåne län"] and query["year_from"] == ["2015"]
    assert query["lang"] == ["en"] and query["size_by"] == ["degree"]
    assert tab.page.title() == "Actor map — Skåne län, from 2015"
    assert tab.page.input_value("select[name=region]") == "Skåne län"
    gaps = tab.page.get_attribute("#other-map-link", "href")
    del query["size_by"]  # the actor map's own
    assert parse_qs(urlsplit(gaps).query) == query and urlsplit(gaps).path == "/map/gaps"
    tab.page.click("#other-map-link")
    tab.page.wait_for_function(READY, timeout=60_000)
    assert parse_qs(urlsplit(tab.page.url).query)["region"] == ["Skåne län"]
    assert tab.drawn_nodes() == 4
    tab.check_clean(small_server)


@pytest.mark.parametrize("which", ["actor", "gap"])
def test_in_a_saved_file_the_links_and_form_are_disabled(tab: Page, tmp_path: Path, which: str):
    from tests.test_visualize import actor_graph_sample
    from visualize import render_actor_map

    if which == "gap":
        path = _gap_map_file(tmp_path, api_base="")
    else:
        path = tmp_path / "actors.html"
        path.write_text(render_actor_map(actor_graph_sample(), lang="en"), encoding="utf-8")
    tab.open(path.as_uri())
    for element_id in ("lang-link", "other-map-link"):
        assert tab.page.get_attribute(f"#{element_id}", "href") is None
        assert tab.page.get_attribute(f"#{element_id}", "aria-disabled") == "true"
    assert tab.page.is_visible("#links-note") and tab.page.is_visible("#filters-note")
    assert tab.js("document.querySelector('#filters fieldset').disabled") is True
    assert tab.dialogs == [] and tab.errors == []
