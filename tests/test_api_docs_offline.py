"""/docs and /redoc with no internet: every file comes from the app, nothing from another host.

The HTTP tests check the vendored files (api/static/vendor) and the pages that load them. The
browser tests open both pages in Debian's chromium, with every request to a host other than the
local server aborted, and check that the operations are drawn. Like tests/test_map_browser.py
they skip without chromium and Playwright, except under CI=true, where they fail.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import API_DOCS_VERSIONS, create_app
from mapper.service import MapperService
from tests.test_map_browser import CHROMIUM, CHROMIUM_FLAGS, _need_browser, _serve, small_batch

STATIC = "/static/api-docs"
SERVED = [
    ("swagger-ui-bundle.js", "javascript"),
    ("swagger-ui.css", "text/css"),
    ("favicon-32x32.png", "image/png"),
    ("redoc.standalone.js", "javascript"),
]
LICENCES = [
    ("swagger-ui-bundle.js", "swagger-ui-dist", "swagger-ui.LICENSE.txt", "Apache License"),
    ("swagger-ui-bundle.js", "swagger-ui-dist", "swagger-ui.NOTICE.txt", "SmartBear Software"),
    ("swagger-ui.css", "swagger-ui-dist", "swagger-ui.LICENSE.txt", "Version 2.0, January 2004"),
    ("favicon-32x32.png", "swagger-ui-dist", "swagger-ui.LICENSE.txt", "Apache License"),
    ("redoc.standalone.js", "redoc", "redoc.LICENSE.txt", "Permission is hereby granted"),
]
# An address in a page: http://, https:// or protocol-relative //host.
ADDRESS = re.compile(r"""(?:https?:)?//[^\s"'<>]+""", re.IGNORECASE)
LINKED = re.compile(r"""\b(?:src|href)="([^"]*)\"""")


def vendor(name: str) -> bytes:
    return resources.files("api").joinpath("static", "vendor", name).read_bytes()


@pytest.fixture
def client(embedded_store) -> TestClient:
    return TestClient(create_app(MapperService(embedded_store)))


# -- the files and the pages, over HTTP ---------------------------------------------------------


@pytest.mark.parametrize(("name", "package", "licence", "words"), LICENCES)
def test_the_vendored_files_are_the_ones_recorded_with_their_licences(
    name: str, package: str, licence: str, words: str
):
    readme = vendor("README.md").decode()
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
    assert hashlib.sha256(vendor(name)).hexdigest() in row
    assert f"| {API_DOCS_VERSIONS[package]} |" in row and licence in row
    assert words in vendor(licence).decode()


def test_the_redoc_bundle_no_longer_fetches_its_logo_from_a_cdn():
    bundle = vendor("redoc.standalone.js")
    assert b"cdn.redoc.ly" not in bundle and b'alt:"redocly logo"' in bundle
    assert bundle.startswith(b"/*! For license information please see redoc.standalone.js.")
    assert vendor("redoc.standalone.js.LICENSE.txt").count(b'Version: "2.5.4"') == 1


@pytest.mark.parametrize(("name", "content_type"), SERVED)
def test_the_vendored_files_are_served_with_their_content_type(
    client: TestClient, name: str, content_type: str
):
    response = client.get(f"{STATIC}/{name}")
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert response.content == vendor(name)


@pytest.mark.parametrize("page", ["/docs", "/redoc", "/docs/oauth2-redirect"])
def test_the_pages_name_no_address_outside_the_app(client: TestClient, page: str):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert ADDRESS.findall(response.text) == []
    assert all(link.startswith(f"{STATIC}/") for link in LINKED.findall(response.text))


def test_the_pages_load_the_vendored_files(client: TestClient):
    swagger, redoc = client.get("/docs").text, client.get("/redoc").text
    version = API_DOCS_VERSIONS["swagger-ui-dist"]
    assert f'src="{STATIC}/swagger-ui-bundle.js?v={version}"' in swagger
    assert f'href="{STATIC}/swagger-ui.css?v={version}"' in swagger
    assert "url: '/openapi.json'" in swagger and '"validatorUrl": null' in swagger
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in swagger
    assert f'src="{STATIC}/redoc.standalone.js?v={API_DOCS_VERSIONS["redoc"]}"' in redoc
    assert '<redoc spec-url="/openapi.json">' in redoc and "fonts.googleapis" not in redoc


def test_behind_a_proxy_prefix_the_pages_load_from_under_it(embedded_store):
    client = TestClient(create_app(MapperService(embedded_store)), root_path="/mapper")
    swagger, redoc = client.get("/docs").text, client.get("/redoc").text
    assert f'src="/mapper{STATIC}/swagger-ui-bundle.js' in swagger
    assert "url: '/mapper/openapi.json'" in swagger
    assert f'src="/mapper{STATIC}/redoc.standalone.js' in redoc
    assert '<redoc spec-url="/mapper/openapi.json">' in redoc


def test_the_docs_are_not_in_the_schema_and_a_missing_file_is_a_json_404(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    assert [path for path in paths if path.startswith(("/docs", "/redoc", "/static"))] == []
    response = client.get(f"{STATIC}/no-such-file.js")
    assert response.status_code == 404 and response.json()["error"]["type"] == "NotFound"
    assert client.get(f"{STATIC}/../app.py").status_code == 404


# -- in Chromium, with every other host cut off -------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(small_batch(), tmp_path_factory.mktemp("docs"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_playwright = _need_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class OfflineTab:
    """A tab that aborts, and records, every request to a host other than `server`; it also
    records console errors and page errors."""

    def __init__(self, browser: Any, server: str):
        self.server = server
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)  # the context's: workers' requests too
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((f"{self.server}/", "data:", "blob:")):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort("internetdisconnected")

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {message.location}")

    def values(self, selector: str, attribute: str) -> list[str]:
        script = f"elements => elements.map(e => e.getAttribute({attribute!r}))"
        return self.page.eval_on_selector_all(selector, script)

    def check_offline(self) -> None:
        assert self.refused == [], f"the page asked another host: {self.refused}"
        assert self.errors == [], f"console or page errors: {self.errors}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, server: str) -> Iterator[OfflineTab]:
    tab = OfflineTab(browser, server)
    yield tab
    tab.close()


def _schema(server: str) -> dict[str, Any]:
    return httpx.get(f"{server}/openapi.json").json()


def _operation_ids(schema: dict[str, Any]) -> set[str]:
    return {op["operationId"] for path in schema["paths"].values() for op in path.values()}


def test_the_tab_refuses_and_records_a_request_to_another_host(tab: OfflineTab, server: str):
    """The checks below can fail: a fetch from a CDN is refused, and seen. (From a blank page:
    the server's own pages have a Content-Security-Policy that stops it before the network.)"""
    tab.page.goto("about:blank")
    url = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
    outcome = tab.page.evaluate("(url) => fetch(url).then(() => 'loaded', () => 'refused')", url)
    assert outcome == "refused" and tab.refused == [url]


def test_swagger_ui_draws_every_operation_offline(tab: OfflineTab, server: str):
    tab.page.goto(f"{server}/docs")
    tab.page.wait_for_selector(".opblock-summary-path[data-path='/actors']", timeout=60_000)
    schema = _schema(server)
    assert set(tab.values(".opblock-summary-path", "data-path")) == set(schema["paths"])
    assert {"/actors", "/actors/{actor_id}", "/analysis/gaps"} <= set(schema["paths"])
    operations = {name.split("-", 2)[2] for name in tab.values(".opblock", "id")}
    assert operations == _operation_ids(schema)
    assert tab.page.title() == "Ecosystem mapper - Swagger UI"
    tab.check_offline()


def test_swagger_ui_tries_an_operation_against_the_server(tab: OfflineTab, server: str):
    tab.page.goto(f"{server}/docs")  # a deep link with `_` in it logs a deprecation error
    operation = tab.page.locator("#operations-records-list_actors_actors_get")
    operation.locator(".opblock-summary").click(timeout=60_000)
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for(timeout=30_000)
    assert status.first.inner_text().strip() == "200"
    assert '"total": 6' in operation.locator(".live-responses-table").inner_text()
    tab.check_offline()


def test_redoc_draws_every_operation_offline(tab: OfflineTab, server: str):
    tab.page.goto(f"{server}/redoc")
    tab.page.wait_for_selector(
        "[data-section-id='operation/list_actors_actors_get']", timeout=60_000
    )
    schema = _schema(server)
    sections = tab.values("[data-section-id^='operation/']", "data-section-id")
    assert {section.removeprefix("operation/") for section in sections} == _operation_ids(schema)
    text = tab.page.inner_text("body")
    assert "Ecosystem mapper" in text and "List Actors" in text
    assert "/actors/{actor_id}/neighbours" in text
    assert tab.page.title() == "Ecosystem mapper - ReDoc"
    tab.check_offline()
