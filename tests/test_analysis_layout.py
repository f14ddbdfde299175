"""Communities (Louvain) on graphs with known answers and against networkx's; the layout's
promises: its shape and scale, determinism, communities together, discs apart."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from mapper.analysis.compact import compact_graph
from mapper.analysis.layout import communities, layout, layout_discs, modularity
from mapper.errors import InvalidParameter

SECTORS = ("public", "private", "civil_society", "academia")


def actor_graph(G: nx.Graph) -> nx.Graph:
    """`G` with actor ids that sort as its nodes do (a-0007...) and a sector on every node."""
    H = nx.relabel_nodes(G, {node: f"a-{node:04d}" for node in G})
    nx.set_node_attributes(H, {node: SECTORS[i % 4] for i, node in enumerate(sorted(H))}, "sector")
    return H


def planted(groups=8, size=30, p_in=0.3, p_out=0.02, seed=1) -> nx.Graph:
    return actor_graph(nx.planted_partition_graph(groups, size, p_in, p_out, seed=seed))


def as_sets(labels) -> set[frozenset[int]]:
    return {frozenset(np.flatnonzero(labels == label).tolist()) for label in np.unique(labels)}


def test_two_cliques_joined_by_one_link_are_two_communities():
    G = nx.complete_graph(5)
    G.add_edges_from(itertools.combinations(range(5, 9), 2))
    G.add_edge(4, 5)
    labels = communities(actor_graph(G))
    assert labels.tolist() == [0] * 5 + [1] * 4  # the larger clique is community 0


def test_a_ring_of_cliques_is_one_community_per_clique():
    labels = communities(actor_graph(nx.ring_of_cliques(8, 5)))
    assert as_sets(labels) == {frozenset(range(i * 5, i * 5 + 5)) for i in range(8)}
    assert labels[0] == 0 and labels[-1] == 7  # same sizes: numbered by smallest member


def test_weights_decide():
    G = nx.complete_graph(6)  # one community, unweighted; two heavy triangles, weighted
    assert as_sets(communities(actor_graph(G))) == {frozenset(range(6))}
    nx.set_edge_attributes(G, 1, "weight")
    for u, v in itertools.combinations(range(3), 2):
        G[u][v]["weight"] = G[u + 3][v + 3]["weight"] = 10
    assert as_sets(communities(actor_graph(G))) == {frozenset(range(3)), frozenset(range(3, 6))}


def test_modularity_at_least_networkx_louvain_on_a_planted_partition():
    G = planted()
    labels = communities(G)
    ours = nx.community.modularity(G, [set(np.array(sorted(G))[labels == c]) for c in set(labels)])
    theirs = nx.community.modularity(G, nx.community.louvain_communities(G, seed=0))
    assert ours >= theirs - 0.01
    assert modularity(G, labels) == pytest.approx(ours)
    assert len(set(labels.tolist())) == 8


def test_modularity_matches_networkx_with_weights_and_resolution():
    G = planted(groups=4, size=10, seed=3)
    rng = np.random.default_rng(0)
    nx.set_edge_attributes(G, {edge: int(rng.integers(1, 5)) for edge in G.edges}, "weight")
    labels = rng.integers(0, 3, len(G))
    parts = [set(np.array(sorted(G))[labels == c]) for c in range(3)]
    for resolution in (0.5, 1.0, 2.0):
        assert modularity(G, labels, resolution=resolution) == pytest.approx(
            nx.community.modularity(G, parts, resolution=resolution)
        )


def test_communities_are_numbered_by_size_and_isolated_actors_are_their_own():
    G = nx.Graph([(0, 1), (1, 2), (2, 0), (4, 5)])
    G.add_nodes_from([3, 6])
    assert communities(actor_graph(G)).tolist() == [0, 0, 0, 2, 1, 1, 3]


def test_communities_are_deterministic_for_a_seed_and_resolution_splits():
    G = planted(groups=6, size=20, p_out=0.05, seed=2)
    assert communities(G, seed=4).tolist() == communities(G, seed=4).tolist()
    coarse = len(set(communities(G, resolution=0.05).tolist()))
    fine = len(set(communities(G, resolution=5.0).tolist()))
    assert coarse < 6 < fine


def test_a_compact_graph_gives_the_same_communities():
    G = planted(groups=4, size=15, seed=5)
    assert communities(compact_graph(G)).tolist() == communities(G).tolist()


@pytest.mark.parametrize("resolution", [0, -1.0, float("nan"), "1", True])
def test_a_bad_resolution_is_refused(resolution):
    with pytest.raises(InvalidParameter) as error:
        communities(planted(groups=2, size=4), resolution=resolution)
    assert error.value.name == "resolution"


def test_empty_and_one_actor_graphs():
    empty = actor_graph(nx.Graph())
    assert communities(empty).shape == (0,)
    assert layout(empty).shape == (0, 2)
    assert modularity(empty, []) == 0.0
    one = actor_graph(nx.empty_graph(1))
    assert communities(one).tolist() == [0]
    assert layout(one).tolist() == [[0.0, 0.0]]


def test_a_graph_without_links_is_a_ring():
    xy = layout(actor_graph(nx.empty_graph(6)))
    assert np.allclose(np.linalg.norm(xy, axis=1), np.linalg.norm(xy, axis=1)[0], atol=1e-3)
    assert np.isclose(np.abs(xy).max(), 1.0)


def check_layout(xy: np.ndarray, n: int, *, centred: bool = True) -> None:
    assert xy.shape == (n, 2) and xy.dtype == np.float32
    assert np.isfinite(xy).all()
    assert np.isclose(np.abs(xy).max(), 1.0)
    if centred:  # unless a ring of a few actors without links tips the box
        assert np.all(np.abs(xy.min(axis=0) + xy.max(axis=0)) < 0.2)


def test_layout_shape_scale_and_determinism():
    G = planted()
    G.add_nodes_from(["lone-1", "lone-2"], sector="public")
    xy = layout(G, seed=3)
    check_layout(xy, len(G))
    assert np.array_equal(xy, layout(G, seed=3))
    assert not np.array_equal(xy, layout(G, seed=4))
    assert np.array_equal(xy, layout_discs(G, seed=3)[0])


def test_members_of_a_community_are_closer_than_members_of_different_ones():
    G = planted()
    labels = communities(G)
    xy = layout(G, communities=labels).astype(np.float64)
    distance = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    same = labels[:, None] == labels[None]
    np.fill_diagonal(same, False)
    different = labels[:, None] != labels[None]
    assert distance[same].mean() < 0.5 * distance[different].mean()


def test_discs_do_not_overlap_and_hold_their_members():
    G = actor_graph(nx.ring_of_cliques(6, 4))
    G = nx.union(G, planted(groups=5, size=40, seed=7), rename=("r", "p"))
    G.add_nodes_from(["lone-1", "lone-2", "lone-3"], sector="academia")
    C = compact_graph(G)
    labels = communities(C)
    xy, centres, radii = layout_discs(C, communities=labels)
    check_layout(xy, len(C), centred=False)
    linked = C.degree > 0
    discs = np.flatnonzero(radii > 0)
    assert set(discs) == set(labels[linked])
    for i, j in itertools.combinations(discs, 2):
        assert np.linalg.norm(centres[i] - centres[j]) > radii[i] + radii[j]
    inside = np.linalg.norm(xy[linked] - centres[labels[linked]], axis=1)
    assert (inside <= radii[labels[linked]] * (1 + 1e-5)).all()
    low = (centres[discs] - radii[discs, None]).min(axis=0)
    high = (centres[discs] + radii[discs, None]).max(axis=0)
    assert np.allclose(low + high, 0.0, atol=1e-6)  # the discs centred on 0
    outermost = np.max(np.linalg.norm(centres[discs], axis=1) + radii[discs])
    assert (np.linalg.norm(xy[~linked], axis=1) > outermost).all()  # the ring around them
    sizes = np.bincount(labels[linked])
    ratio = radii[discs] / np.sqrt(sizes[discs])
    assert np.allclose(ratio, ratio[0])  # radius ~ sqrt(members)


def test_layout_takes_any_communities():
    G = planted(groups=4, size=20, seed=8)
    C = compact_graph(G)
    by_sector = C.sectors.astype(np.int64) * 7  # any integers: one disc per distinct label
    xy, centres, radii = layout_discs(C, communities=by_sector, iterations=0)
    check_layout(xy, len(C))
    assert centres.shape == (4, 2) and (radii > 0).all()
    with pytest.raises(InvalidParameter) as error:
        layout(C, communities=by_sector[:-1])
    assert error.value.name == "communities"
    with pytest.raises(InvalidParameter):
        layout(C, iterations=-1)
