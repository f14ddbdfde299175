"""Issue 17: unknown parameters are refused everywhere; answers carry their question."""

from __future__ import annotations

import csv
import io
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent.parent / "seed_data"
# A valid request of every endpoint that needs more than its path (from the seed data).
_REQUIRED = {
    "/paths": {"source": "vinnova", "target": "msi"},
    "/connections": {"sector_a": "public", "sector_b": "civil_society"},
}
_IDS = {
    "actor_id": "vinnova",
    "collaboration_id": "regeringens-strategi-for-sociala-foretag",
}


@pytest.fixture(scope="module")
def client():
    service = MapperService(EmbeddedStore(":memory:"))
    service.load([SEED])
    with TestClient(create_app(service)) as client:  # its event loop runs the jobs
        yield client


def _get_routes(client) -> list[str]:
    schema = client.app.openapi()
    return [path for path, item in schema["paths"].items() if "get" in item]


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _IDS[m.group(1)], path)


def _job(client) -> str:
    """The id of a finished job (GET /analysis/mixing with Prefer: respond-async)."""
    job = client.get("/analysis/mixing", headers={"Prefer": "respond-async"}).json()["job"]
    for _ in range(200):
        if client.get(job["url"]).status_code == 200:
            return job["id"]
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_every_get_endpoint_refuses_a_parameter_it_does_not_take(client):
    _IDS["job_id"] = _job(client)
    routes = _get_routes(client)
    assert len(routes) >= 15
    for path in routes:
        params = {**_REQUIRED.get(path, {}), "sectr": "public"}
        response = client.get(_url(path), params=params)
        assert response.status_code == 422, path
        error = response.json()["error"]
        assert error["parameter"] == "sectr", path
        assert "does not take the query parameter(s) 'sectr'" in error["message"], path
        assert client.get(_url(path), params=_REQUIRED.get(path, {})).status_code == 200, path


def test_a_typo_gets_the_parameter_meant(client):
    error = client.get("/actors", params={"sectr": "public"}).json()["error"]
    assert "did you mean 'sector'?" in error["message"]
    takes = "it takes country, format, kind, limit, offset, q, region, sector, subsector"
    assert takes in error["message"]


_ANALYSES = ["/analysis/mixing", "/analysis/gaps", "/analysis/brokers", "/analysis/funding",
             "/paths", "/connections", "/actors/vinnova/suggestions"]  # fmt: skip


@pytest.mark.parametrize("path", _ANALYSES)
def test_an_answer_carries_its_question(client, path):
    params = {**_REQUIRED.get(path, {}), "year_to": 2030}
    body = client.get(path, params=params).json()
    scope = body["scope"]
    assert scope["generation"] == client.app.state.service.store.generation()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", scope["computed_at"])
    assert scope["filters"]["year_to"] == 2030
    if path != "/analysis/funding":
        assert scope["filters"]["relation_types"]  # the defaults, as used
    for name, value in _REQUIRED.get(path, {}).items():
        assert scope["parameters"][name] == value, name


def test_the_scope_is_normalised(client):
    filters = client.get("/analysis/mixing", params={"region": "Skåne"}).json()["scope"]["filters"]
    assert filters["region"] == "Skåne län"


@pytest.mark.parametrize("path", _ANALYSES)
def test_a_csv_answer_carries_its_question_in_comment_lines(client, path):
    response = client.get(path, params={**_REQUIRED.get(path, {}), "format": "csv"})
    assert response.status_code == 200
    lines = response.text.lstrip("\ufeff").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert [line.split(":")[0] for line in comments] == [
        "# filters",
        "# parameters",
        "# generation",
        "# computed_at",
    ]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[len(comments) :]))))
    assert rows, path


def test_funding_years_are_numbers_and_collaborations_have_no_sector(client):
    flows = client.get("/analysis/funding").json()["flows"]
    assert flows
    assert all(flow["year"] is None or isinstance(flow["year"], int) for flow in flows)
    assert all(flow["recipient_sector"] != "collaboration" for flow in flows)
    to_collaborations = [f for f in flows if f["recipient"] == "collaboration"]
    assert to_collaborations and all(f["recipient_sector"] is None for f in to_collaborations)


@pytest.mark.parametrize("path", ["/actors", "/collaborations"])
def test_a_region_is_taken_in_every_form_the_analyses_take(client, path):
    answers = [
        {item["id"] for item in client.get(path, params={"region": form}).json()["items"]}
        for form in ("Skåne län", "Skåne", "Region Skåne", "12")
    ]
    assert answers[0] and all(answer == answers[0] for answer in answers)


def test_the_brokers_between_two_sectors(client):
    body = client.get(
        "/analysis/brokers", params={"sector_a": "public", "sector_b": "civil_society"}
    ).json()
    assert body["sectors"] == ["public", "civil_society"]
    shares = [broker["between_sectors"] for broker in body["brokers"]]
    assert shares == sorted(shares, reverse=True) and shares[0] > 0
    assert body["scope"]["parameters"]["sector_a"] == "public"
    error = client.get("/analysis/brokers", params={"sector_a": "public"}).json()["error"]
    assert error["parameter"] == "sector_b"
