"""Both stores: a load that fails half-way leaves the store as it was; both hold the same graph."""

from __future__ import annotations

import networkx as nx
import pytest

from mapper.model import Actor, Batch, Relation
from tests.test_store_contract import seeded, state


class Boom(RuntimeError):
    pass


def test_a_batch_that_fails_half_way_changes_nothing(store, monkeypatch):
    seeded(store)
    before = state(store)
    original = type(store)._write_relations

    def fail_half_way(self, tx, relations, report, *rest):
        original(self, tx, relations[: len(relations) // 2], report, *rest)
        raise Boom("the connection dropped half-way")

    monkeypatch.setattr(type(store), "_write_relations", fail_half_way)
    actors = [Actor(id=f"actor-{i}", name=f"Aktör {i}", sector="civil_society") for i in range(300)]
    relations = [
        Relation(type="COLLABORATES_WITH", source=f"actor-{i}", target=f"actor-{i + 1}")
        for i in range(299)
    ]
    with pytest.raises(Boom):
        store.apply(Batch(actors=actors, relations=relations))
    assert state(store) == before
    assert store.counts().actors == 4


def _comparable(G: nx.MultiDiGraph) -> tuple:
    nodes = sorted((node, sorted(data.items())) for node, data in G.nodes(data=True))
    edges = sorted(
        (u, v, key, sorted(data.items())) for u, v, key, data in G.edges(keys=True, data=True)
    )
    return repr(nodes), repr(edges)


def test_both_stores_return_the_same_snapshot(embedded_store, neo4j_store):
    left, right = seeded(embedded_store).snapshot(), seeded(neo4j_store).snapshot()
    assert _comparable(left) == _comparable(right)
    for node, data in left.nodes(data=True):
        assert right.nodes[node] == data, node
    for u, v, key, data in left.edges(keys=True, data=True):
        assert right.edges[u, v, key] == data, key


def test_a_routing_uri_reaches_the_same_server(neo4j_store, neo4j_uri):
    """neo4j:// (routing, as for a cluster or Aura) works unchanged against a single server."""
    from mapper.settings import Settings, open_store

    seeded(neo4j_store)
    routed = open_store(Settings.from_env(neo4j_uri.replace("bolt://", "neo4j://")))
    try:
        assert routed.counts().actors == 4
        assert routed.get_actor("vinnova").kinds == neo4j_store.get_actor("vinnova").kinds
    finally:
        routed.close()
