"""Light reads run on the event loop when the store answers them at once (api.work.light_read):
an embedded store with its search index built; otherwise, and always on Neo4j, in a thread."""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from mapper.filters import ActorFilter
from mapper.model import Actor, Batch, Sector
from mapper.service import MapperService
from tests.test_store_contract import seeded


def _on_the_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # a thread of the pool has no running loop
        return False
    return True


@pytest.fixture
def watched(store):
    """A client, and where each of the service's record reads ran: True on the event loop."""
    service = MapperService(seeded(store))
    ran: list[tuple[str, bool]] = []
    for name in ("actor", "actors", "relations", "collaboration", "collaborations"):
        read = getattr(service, name)

        def spy(*args, _read=read, _name=name, **kwargs):
            ran.append((_name, _on_the_loop()))
            return _read(*args, **kwargs)

        setattr(service, name, spy)
    with TestClient(create_app(service)) as client:
        yield client, service, ran


def test_answers_at_once_once_the_search_index_is_built(store):
    service = MapperService(seeded(store))
    assert not service.answers_at_once("actors")
    service.actors(ActorFilter(q="malmö"))
    assert service.answers_at_once("actors") is (store.kind == "embedded")
    assert not service.answers_at_once("collaborations")  # its own index, not built yet
    service.store.apply(Batch(actors=[Actor(id="ny", name="Ny", sector=Sector.PUBLIC)]))
    assert not service.answers_at_once("actors")  # a write: the index is stale


def test_reads_run_in_a_thread_until_the_index_is_built_then_on_the_loop(watched, store):
    client, _, ran = watched
    assert client.get("/actors", params={"q": "malmö"}).status_code == 200
    assert client.get("/actors/malmo-universitet").status_code == 200
    assert client.get("/collaborations/strategy").status_code == 200
    assert client.get("/collaborations", params={"q": "strategi"}).status_code == 200
    assert client.get("/collaborations", params={"q": "strategi"}).status_code == 200
    on_loop = store.kind == "embedded"  # Neo4j is asked over the network: always a thread
    assert ran == [
        ("actors", False),  # builds the actors' search index
        ("actor", on_loop),
        ("relations", on_loop),
        ("collaboration", False),  # the collaborations' index is not built yet
        ("relations", False),
        ("collaborations", False),  # builds it
        ("collaborations", on_loop),
    ]


def test_a_missing_id_on_the_loop_still_gets_suggestions(watched, store):
    client, _, ran = watched
    client.get("/actors", params={"q": "warm"})
    answer = client.get("/actors/malmo-universitett")
    assert answer.status_code == 404
    assert "malmo-universitet" in answer.text
    assert ran[-1] == ("actor", store.kind == "embedded")
