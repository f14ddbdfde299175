"""The compact graph core gives exactly the networkx answers: built from either store's rows, and
every analysis on it, on random ecosystems (hypothesis)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapper.analysis.actor_graph import actor_graph
from mapper.analysis.brokers import betweenness, brokerage, brokers, cross_sector_betweenness
from mapper.analysis.compact import (
    CompactGraph,
    IndexedRows,
    compact_graph,
    compact_graph_from_rows,
)
from mapper.analysis.gaps import gaps
from mapper.analysis.mixing import mixing
from mapper.analysis.paths import connections, shortest_paths
from mapper.analysis.suggestions import suggest_partners
from mapper.filters import Scope
from mapper.model import Actor, Batch, Collaboration, Relation
from mapper.stores.embedded import EmbeddedStore

SECTORS = ("public", "private", "civil_society", "academia")
COUNTIES = ("Skåne län", "Stockholms län", None)
ACTOR_TYPES = ("COLLABORATES_WITH", "FUNDS", "PART_OF", "MEMBER_OF")
SUBSECTORS = ("municipality", "university", None)


def _year(draw, low=2010, high=2024):
    return draw(st.one_of(st.none(), st.integers(low, high)))


@st.composite
def ecosystems(draw, max_actors=14, max_collaborations=6, max_relations=40) -> Batch:
    """A random valid batch: actors, collaborations with periods and counties, relations."""
    n = draw(st.integers(1, max_actors))
    actors = [
        Actor(id=f"a{i}", name=f"Actor {i}", sector=draw(st.sampled_from(SECTORS)),
              region=draw(st.sampled_from(COUNTIES)),
              subsector=draw(st.sampled_from(SUBSECTORS)))
        for i in range(n)
    ]
    collaborations = []
    for i in range(draw(st.integers(0, max_collaborations))):
        start = _year(draw)
        end = None if start is None else draw(st.one_of(st.none(), st.integers(start, 2026)))
        collaborations.append(Collaboration(
            id=f"c{i}", name=f"Collaboration {i}", kind="project",
            start=None if start is None else str(start), end=None if end is None else str(end),
            region=draw(st.sampled_from(COUNTIES)),
        ))
    relations = {}
    for _ in range(draw(st.integers(0, max_relations))):
        source = f"a{draw(st.integers(0, n - 1))}"
        year = _year(draw)
        if collaborations and draw(st.booleans()):
            target = f"c{draw(st.integers(0, len(collaborations) - 1))}"
            kind = draw(st.sampled_from(("PARTICIPATES_IN", "PARTICIPATES_IN", "FUNDS")))
            relation = Relation(type=kind, source=source, target=target, year=year)
        else:
            target = f"a{draw(st.integers(0, n - 1))}"
            if target == source:
                continue  # the model refuses a relation of an actor with itself
            kind = draw(st.sampled_from(ACTOR_TYPES))
            start = _year(draw)
            end = None if start is None else draw(st.one_of(st.none(), st.integers(start, 2026)))
            relation = Relation(
                type=kind, source=source, target=target, year=year,
                start=None if start is None else f"{start}-03-01",
                end=None if end is None else f"{end}-10-31",
            )
        relations[relation.key] = relation
    return Batch(actors=actors, collaborations=collaborations, relations=list(relations.values()))


scopes = st.fixed_dictionaries({
    "relation_types": st.one_of(st.none(), st.lists(st.sampled_from(ACTOR_TYPES), min_size=1,
                                                    max_size=4, unique=True)),
    "shared_collaborations": st.booleans(),
    "region": st.sampled_from((None, "Skåne län", "Region Stockholm")),
    "year_from": st.one_of(st.none(), st.integers(2008, 2026)),
    "year_to": st.one_of(st.none(), st.integers(2008, 2026)),
    "subsector": st.sampled_from(SUBSECTORS),
}).filter(lambda s: s["year_from"] is None or s["year_to"] is None
          or s["year_from"] <= s["year_to"])


def assert_same_graph(C: CompactGraph, A: nx.Graph) -> None:
    reference = compact_graph(A)
    assert C.ids.tolist() == reference.ids.tolist()
    assert C.sectors.tolist() == reference.sectors.tolist()
    assert C.regions.tolist() == reference.regions.tolist()
    assert C.names.tolist() == reference.names.tolist()
    assert (C.weights != reference.weights).nnz == 0
    assert C.number_of_links() == A.number_of_edges()


@pytest.mark.slow(store="neo4j")
@pytest.mark.parametrize("kind", ["embedded", "neo4j"])
def test_built_from_the_store_rows_it_is_the_actor_graph(kind, request):
    store = request.getfixturevalue(f"{kind}_store")

    @settings(max_examples=40 if kind == "embedded" else 15, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(batch=ecosystems(), scope=st.lists(scopes, min_size=3, max_size=3))
    def check(batch, scope):
        target = empty(store)
        target.apply(batch)
        generation, rows = target.analysis_rows()
        assert generation == target.generation()
        indexed = IndexedRows.from_rows(rows)
        for fields in scope:
            options = Scope(**fields).graph_options()
            C = compact_graph_from_rows(indexed, **options)
            A = actor_graph(target.snapshot(), **options)
            assert_same_graph(C, A)
            assert_same_answers(C, A)

    check()


def empty(store):
    """The store emptied: Neo4j's shared database cleared, an embedded store made anew."""
    if store.kind == "neo4j":
        store.clear()
        return store
    return EmbeddedStore(":memory:")


def assert_same_answers(C: CompactGraph, A: nx.Graph) -> None:
    """Connections, paths and suggestions, which need what makes up each link."""
    for a, b in itertools.combinations_with_replacement(SECTORS, 2):
        assert connections(C, a, b, limit=None) == connections(A, a, b, limit=None)
    ids = sorted(A)
    for source, target in itertools.islice(itertools.product(ids, ids), 0, None, 7):
        assert shortest_paths(C, source, target, k=4, max_hops=3) == shortest_paths(
            A, source, target, k=4, max_hops=3
        )
    for actor in ids[::3]:
        fast, slow = suggest_partners(C, actor), suggest_partners(A, actor)
        assert [s["actor"] for s in fast] == [s["actor"] for s in slow]
        for x, y in zip(fast, slow, strict=True):
            assert x["score"] == pytest.approx(y["score"], abs=1e-12)
            assert (x["common_neighbours"], x["shared_funders"], x["name"]) == (
                y["common_neighbours"], y["shared_funders"], y["name"]
            )


def random_actor_graph(n, p, seed) -> nx.Graph:
    G = nx.gnp_random_graph(n, p, seed=seed)
    rng = np.random.default_rng(seed)
    hub = int(rng.integers(n)) if n else None
    if hub is not None:  # a hub, so that degrees and brokerage differ
        G.add_edges_from((hub, int(v)) for v in rng.choice(n, size=n // 3, replace=False))
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    G = nx.relabel_nodes(G, {v: f"actor-{v:03d}" for v in G})
    for node in G:
        G.nodes[node].update(sector=SECTORS[rng.integers(4)], name=node.upper(), region=None)
    nx.set_edge_attributes(G, {e: int(rng.integers(1, 4)) for e in G.edges()}, "weight")
    return G


graphs = st.builds(random_actor_graph, st.integers(0, 45), st.floats(0.0, 0.3),
                   st.integers(0, 10_000))


@settings(max_examples=60, deadline=None)
@given(G=graphs)
def test_every_analysis_on_the_compact_graph_is_the_networkx_answer(G):
    C = compact_graph(G)
    assert mixing(C) == mixing(G)
    assert brokerage(C) == brokerage(G)
    for compiled, reference in ((betweenness(C), betweenness(G)),
                                (cross_sector_betweenness(C), cross_sector_betweenness(G))):
        assert compiled.keys() == reference.keys()
        for node, value in reference.items():
            assert compiled[node] == pytest.approx(value, abs=1e-12), node
    top = max(len(G), 1)
    fast, slow = brokers(C, top=top), brokers(G, top=top)
    assert [b["actor"] for b in fast["brokers"]] == [b["actor"] for b in slow["brokers"]]
    assert [b["brokerage"] for b in fast["brokers"]] == [b["brokerage"] for b in slow["brokers"]]
    assert gaps(C, permutations=20) == gaps(G, permutations=20)


def test_networkx_round_trip():
    G = random_actor_graph(30, 0.2, seed=3)
    back = compact_graph(G).to_networkx()
    assert nx.utils.graphs_equal(back, G)


def test_sampled_betweenness_says_so_and_scales():
    G = random_actor_graph(200, 0.05, seed=1)
    C = compact_graph(G)
    sampled = brokers(C, top=10, k=50, seed=2)
    assert (sampled["exact"], sampled["sources"], sampled["actors"]) == (False, 50, 200)
    exact = cross_sector_betweenness(C)
    estimate = cross_sector_betweenness(C, k=150, seed=2)
    total_exact, total_estimate = sum(exact.values()), sum(estimate.values())
    assert total_estimate == pytest.approx(total_exact, rel=0.1)  # n / k keeps the scale


def test_weighted_paths_need_networkx():
    with pytest.raises(ValueError, match="unweighted paths only"):
        betweenness(compact_graph(random_actor_graph(5, 0.5, seed=1)), weight="distance")


def test_a_scope_is_checked_and_normalised_once_when_made():
    from mapper.errors import InvalidParameter
    from mapper.service import Scope

    assert Scope(relation_types=("FUNDS", "COLLABORATES_WITH"), region="12") == Scope(
        relation_types=["COLLABORATES_WITH", "FUNDS"], region="Region Skåne"
    )
    assert Scope(relation_types=("MEMBER_OF", "PART_OF", "FUNDS", "COLLABORATES_WITH")) == Scope()
    for fields, name in [
        ({"region": "Atlantis"}, "region"),
        ({"relation_types": ("PARTICIPATES_IN",)}, "relation_types"),
        ({"year_from": 2020, "year_to": 2010}, "year_from"),
        ({"year_to": 1200}, "year_to"),
    ]:
        with pytest.raises(InvalidParameter) as caught:
            Scope(**fields)
        assert caught.value.name == name


def test_analysis_errors_carry_the_parameter_name():
    from mapper.errors import InvalidParameter

    G = random_actor_graph(10, 0.3, seed=1)
    for call, name in [
        (lambda: gaps(G, alpha=2), "alpha"),
        (lambda: gaps(G, permutations=0), "permutations"),
        (lambda: brokers(G, top=0), "top"),
        (lambda: compact_graph_from_rows(_empty_rows(), region="Atlantis"), "region"),
    ]:
        with pytest.raises(InvalidParameter) as caught:
            call()
        assert caught.value.name == name
        assert isinstance(caught.value, ValueError)  # as the analysis docstrings say


def _empty_rows() -> IndexedRows:
    from mapper.model import AnalysisRows

    return IndexedRows.from_rows(AnalysisRows())
