"""Work budgets (issue 18, part 1): an analysis or map that would do more work than the budget
allows is refused before it starts, with a 422 naming the parameter to reduce and how far."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from ingest import read_batch
from mapper.cli import cli
from mapper.errors import OverBudget
from mapper.service import MapperService, Scope
from mapper.settings import Budget
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent.parent / "seed_data"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("budget") / "map.db")
    store.apply(read_batch([SEED]))
    return store


@pytest.fixture(scope="module")
def size(store) -> tuple[int, int]:
    C = MapperService(store).compact(Scope())
    return len(C), C.number_of_links()


def service(store, **budget: int) -> MapperService:
    return MapperService(store, budget=Budget(**budget))


def test_a_sample_over_the_budget_is_refused_naming_the_largest_that_fits(store, size):
    _, links = size
    tight = service(store, link_visits=20 * links)
    with pytest.raises(OverBudget) as refused:
        tight.brokers(Scope(), sample=21)
    assert refused.value.name == "sample"
    assert "sample <= 20" in str(refused.value)
    assert refused.value.estimate == 21 * links and refused.value.budget == 20 * links
    assert tight.brokers(Scope(), sample=20)["sources"] == 20


def test_a_sample_larger_than_the_graph_costs_only_the_graph(store, size):
    actors, links = size
    exact = service(store, link_visits=actors * links).brokers(Scope(), sample=100_000)
    assert exact["sources"] == actors


def test_without_a_sample_betweenness_is_estimated_within_the_budget_and_says_so(store, size):
    actors, links = size
    answer = service(store, link_visits=20 * links).brokers(Scope())
    assert answer["exact"] is False and answer["sources"] == 20 < actors
    assert service(store, link_visits=actors * links).brokers(Scope())["exact"] is True


def test_gap_permutations_over_the_budget_are_refused(store, size):
    _, links = size
    tight = service(store, link_visits=50 * links)
    with pytest.raises(OverBudget, match=r"permutations <= 50") as refused:
        tight.gaps(Scope(), permutations=51)
    assert refused.value.name == "permutations"
    assert tight.gaps(Scope(), permutations=50)["parameters"]["permutations"] == 50


def test_a_map_over_the_budget_is_refused_and_a_narrower_one_drawn(store, size):
    actors, links = size
    tight = service(store, map_elements=actors + links - 1)
    with pytest.raises(OverBudget, match="MAPPER_MAP_BUDGET") as refused:
        tight.actor_map(Scope())
    assert refused.value.name == "sector"
    assert "<html" in tight.actor_map(Scope(), sectors=("private",)).lower()


def test_the_api_answers_422_naming_the_parameter(store, size):
    _, links = size
    client = TestClient(create_app(service(store, link_visits=20 * links)))
    refused = client.get("/analysis/brokers", params={"sample": 21})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["type"] == "OverBudget" and error["parameter"] == "sample"
    assert "sample <= 20" in error["message"]
    assert client.get("/analysis/gaps", params={"permutations": 21}).status_code == 422
    assert client.get("/map/gaps", params={"permutations": 21}).status_code == 422
    assert client.get("/analysis/brokers", params={"sample": 20}).status_code == 200


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, Budget()),
        ({"MAPPER_WORK_BUDGET": "1_000", "MAPPER_MAP_BUDGET": "500"}, Budget(1000, 500)),
        ({"MAPPER_WORK_BUDGET": " "}, Budget()),
    ],
)
def test_budgets_come_from_the_environment(env, expected):
    assert Budget.from_env(env) == expected


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1e9"])
def test_a_bad_budget_names_the_variable(value):
    with pytest.raises(ValueError, match="MAPPER_WORK_BUDGET"):
        Budget.from_env({"MAPPER_WORK_BUDGET": value})


def test_the_cli_refuses_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPPER_STORE", str(tmp_path / "map.db"))
    runner = CliRunner()
    assert runner.invoke(cli, ["load", str(SEED)]).exit_code == 0
    monkeypatch.setenv("MAPPER_WORK_BUDGET", "1000")
    refused = runner.invoke(cli, ["brokers", "--sample", "30"])
    assert refused.exit_code == 1
    assert "MAPPER_WORK_BUDGET" in refused.output and "Traceback" not in refused.output
    monkeypatch.setenv("MAPPER_WORK_BUDGET", "many")
    bad = runner.invoke(cli, ["brokers"])
    assert bad.exit_code == 1 and "'many' is not a positive whole number" in bad.output
