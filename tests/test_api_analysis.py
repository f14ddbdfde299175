"""The analysis endpoints on the seed data: shapes, CSV variants, parameters and their limits."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from ingest import read_batch
from mapper.service import MapperService

SEED = Path(__file__).parent.parent / "seed_data"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from mapper.stores.embedded import EmbeddedStore

    store = EmbeddedStore(tmp_path_factory.mktemp("api") / "map.db")
    store.apply(read_batch([SEED]))
    return TestClient(create_app(MapperService(store)))


def _csv(response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    return _table(response.text)


def _table(text: str) -> list[dict[str, str]]:
    """A CSV answer's rows, after its `#` comment lines (the question it answers)."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    return list(csv.DictReader(io.StringIO("".join(line for line in lines if line[:1] != "#"))))


def test_gaps_cover_all_ten_sector_pairs_and_add_up(client):
    body = client.get("/analysis/gaps").json()
    assert len(body["pairs"]) == 10
    assert sum(pair["observed"] for pair in body["pairs"]) == body["links"]
    assert sum(pair["expected"] for pair in body["pairs"]) == pytest.approx(body["links"])
    assert body["parameters"]["permutations"] == 1000


def test_public_academia_is_the_gap_in_the_seed_data(client):
    body = client.get("/analysis/gaps").json()
    flagged = [pair["sectors"] for pair in body["pairs"] if pair["gap"]]
    assert flagged == [["public", "academia"]]


def test_gaps_are_reproducible_from_the_seed(client):
    first = client.get("/analysis/gaps", params={"seed": 3, "permutations": 50}).json()
    again = client.get("/analysis/gaps", params={"seed": 3, "permutations": 50}).json()
    assert first == again


def test_gaps_as_csv(client):
    rows = _csv(client.get("/analysis/gaps", params={"format": "csv"}))
    body = client.get("/analysis/gaps").json()
    assert len(rows) == 10
    assert list(rows[0]) == [
        "sector_a", "sector_b", "observed", "expected", "ratio", "z", "null_low", "null_high",
        "p_value", "p_value_more", "p_adjusted", "gap", "expected_configuration",
    ]
    first = body["pairs"][0]
    assert [rows[0]["sector_a"], rows[0]["sector_b"]] == first["sectors"]
    assert float(rows[0]["p_value_more"]) == pytest.approx(first["p_value_more"])


def test_gap_figures_come_from_one_null(client):
    for pair in client.get("/analysis/gaps").json()["pairs"]:
        if pair["ratio"] is None:
            continue
        assert pair["null_low"] <= pair["expected"] <= pair["null_high"], pair
        assert (pair["ratio"] > 1) == (pair["z"] > 0) == (pair["observed"] > pair["expected"])
        assert not (pair["ratio"] > 1 and pair["p_value"] < 0.5), pair


def test_mixing_is_symmetric(client):
    body = client.get("/analysis/mixing").json()
    for a in body["sectors"]:
        for b in body["sectors"]:
            assert body["links"][a][b] == body["links"][b][a]


def test_region_filter_accepts_the_region_name(client):
    by_region = client.get("/analysis/mixing", params={"region": "Region Skåne"}).json()
    by_county = client.get("/analysis/mixing", params={"region": "Skåne län"}).json()
    everything = client.get("/analysis/mixing").json()
    assert by_region == by_county
    assert sum(by_region["actors"].values()) < sum(everything["actors"].values())


def test_brokers_rank_by_cross_sector_betweenness(client):
    body = client.get("/analysis/brokers", params={"top": 5}).json()
    scores = [broker["cross_sector_betweenness"] for broker in body["brokers"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    assert (body["exact"], body["sources"], body["actors"]) == (True, 32, 32)


def test_brokers_say_when_they_are_estimated(client):
    body = client.get("/analysis/brokers", params={"sample": 10}).json()
    assert (body["exact"], body["sources"], body["actors"]) == (False, 10, 32)
    rows = _csv(client.get("/analysis/brokers", params={"sample": 10, "format": "csv"}))
    assert {(row["exact"], row["sources"]) for row in rows} == {("False", "10")}


def test_paths_name_what_links_each_step(client):
    body = client.get("/paths", params={"source": "vinnova", "target": "lsv", "k": 2}).json()
    first = body["paths"][0]
    assert (first[0]["actor"], first[-1]["actor"]) == ("vinnova", "lsv")
    assert first[0]["via"] is None
    assert all(step["via"]["collaborations"] or step["via"]["relations"] for step in first[1:])


def test_connections_between_two_sectors(client):
    body = client.get("/connections", params={"sector_a": "public", "sector_b": "academia"}).json()
    assert body["total"] == len(body["links"]) > 0
    assert all(link["actors"][0]["sector"] == "public" for link in body["links"])
    assert len(_csv(client.get("/connections?sector_a=public&sector_b=academia&format=csv"))) == (
        body["total"]
    )


def test_suggestions_are_in_other_sectors_and_explained(client):
    body = client.get("/actors/vinnova/suggestions", params={"k": 5}).json()
    assert body["suggestions"]
    for suggestion in body["suggestions"]:
        assert suggestion["sector"] != "public"
        assert sum(suggestion["parts"].values()) == pytest.approx(suggestion["score"])


def test_funding_holds_the_governments_150_msek(client):
    body = client.get("/analysis/funding").json()
    assert body["totals"]["SEK"]["amount"] >= 150_000_000


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/analysis/gaps?permutations=2001", 422, "permutations"),
        ("/analysis/gaps?alpha=1.5", 422, "alpha"),
        ("/analysis/gaps?region=Atlantis", 422, "region"),
        ("/analysis/gaps?year_from=2020&year_to=2010", 422, "year_from"),
        ("/analysis/mixing?relation_types=PARTICIPATES_IN", 422, "relation_types"),
        ("/analysis/brokers?top=0", 422, "top"),
        ("/paths?source=vinnova&target=lsv&max_hops=7", 422, "max_hops"),
        ("/paths?source=vinnova&target=lsv&k=21", 422, "k"),
        ("/paths?source=vinnova", 422, "target"),
        ("/connections?sector_a=public&sector_b=government", 422, "sector_b"),
        ("/actors/vinnova/suggestions?k=100000", 422, "k"),
    ],
)
def test_bad_parameters_are_422_naming_the_parameter(client, path, status, parameter):
    response = client.get(path)
    assert response.status_code == status
    assert response.json()["error"]["parameter"] == parameter


@pytest.mark.parametrize(
    "path",
    [
        "/paths?source=nobody&target=lsv",
        "/paths?source=vinnova&target=nobody",
        "/actors/nobody/suggestions",
    ],
)
def test_unknown_actors_are_404_naming_the_id(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["id"] == "nobody"
