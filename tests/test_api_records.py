"""The API's record endpoints over an embedded store, and its one error shape."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.service import MapperService
from tests.test_store_contract import RICH_ACTOR, seeded


@pytest.fixture
def client(embedded_store):
    return TestClient(create_app(MapperService(seeded(embedded_store))))


def test_list_actors_with_filters_and_total(client):
    body = client.get("/actors", params={"sector": "public", "limit": 1}).json()
    assert ([a["id"] for a in body["items"]], body["total"]) == (["region-skane"], 2)


def test_search_by_alias(client):
    body = client.get("/actors", params={"q": "malmö högskola"}).json()
    assert [a["id"] for a in body["items"]] == ["malmo-universitet"]


def test_read_actor_with_its_relations(client):
    body = client.get("/actors/malmo-universitet").json()
    assert body["actor"] == RICH_ACTOR.model_dump(mode="json")
    assert [r["type"] for r in body["relations"]] == ["COLLABORATES_WITH", "PARTICIPATES_IN"]


def test_neighbours_with_depth(client):
    body = client.get("/actors/impact-hub/neighbours", params={"depth": 2}).json()
    assert [(n["actor"]["id"], n["distance"]) for n in body["items"]] == [
        ("malmo-universitet", 1),
        ("region-skane", 2),
    ]


def test_neighbours_come_in_pages_with_a_total(client):
    whole = client.get("/actors/impact-hub/neighbours", params={"depth": 3}).json()
    assert whole["total"] == len(whole["items"]) == 3
    page = client.get(
        "/actors/impact-hub/neighbours", params={"depth": 3, "limit": 1, "offset": 1}
    ).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert page["items"] == whole["items"][1:2]


def test_collaborations_by_year(client):
    body = client.get("/collaborations", params={"year": 2019}).json()
    assert [c["id"] for c in body["items"]] == ["strategy"]
    detail = client.get("/collaborations/strategy").json()
    assert len(detail["relations"]) == 2


def test_sectors_in_swedish_and_english(client):
    sectors = {s["sector"]: s for s in client.get("/sectors").json()}
    assert sectors["civil_society"]["label_sv"] == "Civilsamhälle"
    assert sectors["public"]["actors"] == 2


def test_health_names_the_store(client):
    body = client.get("/health").json()
    assert (body["status"], body["store"], body["actors"]) == ("ok", "embedded", 4)


@pytest.mark.parametrize(
    ("path", "status", "kind", "needle"),
    [
        ("/actors/nobody", 404, "ActorNotFound", "no actor with id 'nobody'"),
        ("/collaborations/nothing", 404, "CollaborationNotFound", "'nothing'"),
        ("/actors/nobody/neighbours", 404, "ActorNotFound", "'nobody'"),
        ("/actors?sector=public%20sector", 422, "InvalidParameter", "parameter 'sector'"),
        ("/actors?limit=100000", 422, "InvalidParameter", "less than or equal to 1000"),
        ("/actors?offset=-1", 422, "InvalidParameter", "parameter 'offset'"),
        ("/actors/vinnova/neighbours?depth=4", 422, "InvalidParameter", "parameter 'depth'"),
        ("/collaborations?year=twenty", 422, "InvalidParameter", "parameter 'year'"),
        ("/no/such/path", 404, "NotFound", "Not Found"),
    ],
)
def test_errors_have_one_shape(client, path, status, kind, needle):
    response = client.get(path)
    assert response.status_code == status
    error = response.json()["error"]
    assert (error["status"], error["type"]) == (status, kind)
    assert needle in error["message"]


def test_the_store_being_down_is_a_503_that_does_not_name_its_address(tmp_path):
    from mapper.stores.neo4j import Neo4jStore

    store = Neo4jStore("bolt://127.0.0.1:9")
    client = TestClient(create_app(MapperService(store)))
    response = client.get("/actors")
    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "cannot be reached" in message and "127.0.0.1" not in message  # the log names it


def test_datasets_list_what_each_load_holds(embedded_store):
    from mapper.model import Batch

    embedded_store.apply(Batch(actors=[RICH_ACTOR]), dataset="seed")
    client = TestClient(create_app(MapperService(embedded_store)))
    [dataset] = client.get("/datasets").json()
    assert (dataset["name"], dataset["actors"], dataset["relations"], dataset["loads"]) == (
        "seed", 1, 0, 1,
    )
    assert dataset["loaded_at"].endswith("+00:00")
