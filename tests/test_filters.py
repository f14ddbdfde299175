"""Every filter is declared once (mapper.filters); the API's query parameters, the CLI's options
and the stores' queries are derived from it. `subsector` was added to every scope this way."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.cli import cli
from mapper.errors import InvalidParameter
from mapper.filters import ActorFilter, CollaborationFilter, Scope, options
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).resolve().parents[1] / "seed_data"


def seed_subsectors() -> dict[str, str]:
    with open(SEED / "actors.csv", encoding="utf-8") as file:
        return {row["id"]: row["subsector"] for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    path = tmp_path_factory.mktemp("filters") / "map.db"
    result = CliRunner().invoke(cli, ["--store", str(path), "load", str(SEED)])
    assert result.exit_code == 0, result.output
    service = MapperService(EmbeddedStore(path))
    yield path, TestClient(create_app(service))
    service.close()


def query_parameters(client: TestClient, path: str) -> set[str]:
    return {
        p["name"] for p in client.get("/openapi.json").json()["paths"][path]["get"]["parameters"]
    }


@pytest.mark.parametrize(
    ("path", "filter_set"),
    [
        ("/actors", ActorFilter),
        ("/collaborations", CollaborationFilter),
        ("/analysis/gaps", Scope),
        ("/analysis/mixing", Scope),
        ("/map", Scope),
    ],
)
def test_the_api_takes_every_declared_filter_with_its_description(seeded, path, filter_set):
    _, client = seeded
    schema = client.get("/openapi.json").json()["paths"][path]["get"]["parameters"]
    described = {p["name"]: p.get("description") for p in schema}
    for name, _, _, details in options(filter_set):
        assert described[name] == details.description


def test_the_cli_takes_every_scope_filter():
    names = {param.name for param in cli.commands["gaps"].params}
    assert {name for name, *_ in options(Scope)} <= names
    result = CliRunner().invoke(cli, ["gaps", "--help"])
    assert "--subsector" in result.output and "--no-shared" in result.output


def test_a_subsector_scope_keeps_only_its_actors_on_the_api_and_the_cli(seeded):
    path, client = seeded
    universities = sorted(a for a, s in seed_subsectors().items() if s == "university")
    assert len(universities) >= 2
    body = client.get("/analysis/mixing", params={"subsector": "university"}).json()
    assert sum(body["actors"].values()) == len(universities)
    assert body["actors"]["academia"] == len(universities)
    result = CliRunner().invoke(
        cli, ["--store", str(path), "mixing", "--subsector", "university", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == body
    listed = client.get("/actors", params={"subsector": "university", "limit": 1000}).json()
    assert sorted(actor["id"] for actor in listed["items"]) == universities


def test_an_unknown_subsector_is_a_422_naming_it(seeded):
    _, client = seeded
    response = client.get("/analysis/gaps", params={"subsector": "universty"})
    assert response.status_code == 422
    assert "subsector" in json.dumps(response.json())
    with pytest.raises(InvalidParameter, match="parameter 'subsector'"):
        Scope(subsector="universty")


def test_actors_take_a_region_in_every_form_the_analysis_takes(seeded):
    _, client = seeded
    forms = ["Skåne län", "Skåne", "Region Skåne", "12"]
    answers = [client.get("/actors", params={"region": form}).json()["items"] for form in forms]
    assert answers[0] and all(answer == answers[0] for answer in answers)
