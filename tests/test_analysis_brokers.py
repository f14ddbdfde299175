"""Brokerage roles, betweenness and cross-sector betweenness, by hand and by brute force."""

import itertools
import json
import random

import networkx as nx
import pytest

from mapper.analysis.brokers import (
    ROLES,
    betweenness,
    brokerage,
    brokers,
    cross_sector_betweenness,
)
from mapper.analysis.compact import compact_graph

SECTORS = ("public", "private", "civil_society", "academia")


def graph(edges, sectors):
    G = nx.Graph()
    G.add_nodes_from(
        (node, {"sector": sector, "name": node.upper()}) for node, sector in sectors.items()
    )
    G.add_edges_from(edges)
    return G


def random_graph(n, p, seed):
    G = nx.gnp_random_graph(n, p, seed=seed)
    rng = random.Random(seed)
    nx.set_node_attributes(G, {node: rng.choice(SECTORS) for node in G}, "sector")
    return nx.relabel_nodes(G, {node: f"actor-{node:02d}" for node in G})


def test_brokerage_roles_by_hand():
    # hub (civil society) with neighbours a1, a2 (academia, linked to each other), p1, p2
    # (public) and c1, c2 (civil society). Of the 15 pairs of neighbours, a1-a2 is closed:
    #   coordinator (c, hub, c): c1-c2                                    -> 1
    #   itinerant (same sector, not the hub's): p1-p2                     -> 1  (a1-a2 closed)
    #   representative/gatekeeper (one end in the hub's sector): {c1, c2} x {a1, a2, p1, p2} -> 8
    #   liaison (three sectors): {a1, a2} x {p1, p2}                      -> 4
    G = graph(
        [("hub", x) for x in ("a1", "a2", "p1", "p2", "c1", "c2")] + [("a1", "a2")],
        {
            "hub": "civil_society",
            "a1": "academia",
            "a2": "academia",
            "p1": "public",
            "p2": "public",
            "c1": "civil_society",
            "c2": "civil_society",
        },
    )
    roles = brokerage(G)
    assert roles["hub"] == {
        "coordinator": 1,
        "itinerant": 1,
        "representative_gatekeeper": 8,
        "liaison": 4,
        "total": 14,
    }
    # a1's neighbours hub and a2 are linked: no open two-path through a1
    assert roles["a1"]["total"] == 0
    assert roles["p1"]["total"] == 0


def brute_force_brokerage(G):
    roles = {}
    for v in G:
        counts = dict.fromkeys(ROLES, 0)
        for u, w in itertools.combinations(G[v], 2):
            if G.has_edge(u, w):
                continue
            su, sv, sw = (G.nodes[x]["sector"] for x in (u, v, w))
            if su == sv == sw:
                counts["coordinator"] += 1
            elif su == sw:
                counts["itinerant"] += 1
            elif sv in (su, sw):
                counts["representative_gatekeeper"] += 1
            else:
                counts["liaison"] += 1
        counts["total"] = sum(counts.values())
        roles[v] = counts
    return roles


def test_brokerage_matches_brute_force():
    G = random_graph(40, 0.15, seed=3)
    assert brokerage(G) == brute_force_brokerage(G)


def brute_force_cross_sector(G, weight=None):
    """Share of the cross-sector pairs {s, t} (both other than v) whose shortest paths pass v."""
    sector = nx.get_node_attributes(G, "sector")
    through = dict.fromkeys(G, 0.0)
    for s, t in itertools.combinations(G, 2):
        if sector[s] == sector[t] or not nx.has_path(G, s, t):
            continue
        paths = list(nx.all_shortest_paths(G, s, t, weight=weight))
        for path in paths:
            for v in path[1:-1]:
                through[v] += 1 / len(paths)
    shares = {}
    for v in G:
        pairs = sum(
            1 for s, t in itertools.combinations(G, 2) if sector[s] != sector[t] and v not in (s, t)
        )
        shares[v] = through[v] / pairs if pairs else 0.0
    return shares


def test_cross_sector_betweenness_matches_brute_force():
    G = random_graph(30, 0.12, seed=5)
    got = cross_sector_betweenness(G)
    assert got == pytest.approx(brute_force_cross_sector(G))
    assert any(value > 0 for value in got.values())


def test_cross_sector_betweenness_weighted_matches_brute_force():
    G = random_graph(25, 0.2, seed=8)
    rng = random.Random(8)
    nx.set_edge_attributes(G, {edge: rng.randint(1, 3) for edge in G.edges()}, "distance")
    got = cross_sector_betweenness(G, weight="distance")
    assert got == pytest.approx(brute_force_cross_sector(G, weight="distance"))


def test_cross_sector_and_plain_betweenness_by_hand():
    # centre (civil society) with leaves a (academia), p (public), c2, c3 (civil society); a-p
    # linked. Plain: 5 of the 6 leaf pairs go through the centre -> 5/6. Cross-sector: of the
    # pairs not involving the centre, a-p, a-c2, a-c3, p-c2, p-c3 are cross-sector and all but
    # a-p go through it -> 4/5.
    G = graph(
        [("centre", x) for x in ("a", "p", "c2", "c3")] + [("a", "p")],
        {
            "centre": "civil_society",
            "a": "academia",
            "p": "public",
            "c2": "civil_society",
            "c3": "civil_society",
        },
    )
    assert betweenness(G)["centre"] == pytest.approx(5 / 6)
    assert cross_sector_betweenness(G)["centre"] == pytest.approx(4 / 5)
    assert cross_sector_betweenness(G)["a"] == 0.0


def test_sampling():
    G = random_graph(30, 0.15, seed=2)
    assert cross_sector_betweenness(G, k=30) == cross_sector_betweenness(G)
    assert betweenness(G, k=100) == betweenness(G)
    sampled = cross_sector_betweenness(G, k=10, seed=4)
    assert sampled == cross_sector_betweenness(G, k=10, seed=4)
    assert sampled != cross_sector_betweenness(G)
    assert betweenness(G, k=10, seed=4) == betweenness(G, k=10, seed=4)


def test_brokers_ranked_by_cross_sector_betweenness():
    # kth (academia) - impact-hub (civil society) - vinnova - region-skane (both public).
    # Cross-sector pairs: 5 (all but vinnova-region-skane).
    #   impact-hub: the 2 not involving it (kth-vinnova, kth-region-skane) both pass it -> 1
    #   vinnova: of the 3 not involving it, kth-region-skane and impact-hub-region-skane -> 2/3
    #   kth and region-skane: 0, a tie broken by id.
    # Plain betweenness: impact-hub and vinnova each lie on 2 of the 3 pairs without them.
    G = graph(
        [("kth", "impact-hub"), ("impact-hub", "vinnova"), ("vinnova", "region-skane")],
        {
            "kth": "academia",
            "impact-hub": "civil_society",
            "vinnova": "public",
            "region-skane": "public",
        },
    )
    result = brokers(G, top=4)
    assert (result["exact"], result["sources"], result["actors"]) == (True, 4, 4)
    ranked = result["brokers"]
    assert [b["actor"] for b in ranked] == ["impact-hub", "vinnova", "kth", "region-skane"]
    assert [b["cross_sector_betweenness"] for b in ranked] == pytest.approx([1, 2 / 3, 0, 0])
    assert [b["betweenness"] for b in ranked] == pytest.approx([2 / 3, 2 / 3, 0, 0])
    first = ranked[0]
    assert first["brokerage"] == {
        "coordinator": 0,
        "itinerant": 0,
        "representative_gatekeeper": 0,
        "liaison": 1,
        "total": 1,
    }
    assert (first["name"], first["sector"]) == ("IMPACT-HUB", "civil_society")
    assert [b["actor"] for b in brokers(G, top=1)["brokers"]] == ["impact-hub"]
    assert json.loads(json.dumps(ranked)) == ranked


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda G: brokers(G, top=0), "'top': must be an integer >= 1, got 0"),
        (lambda G: betweenness(G, k=0), "'k': must be an integer >= 1, got 0"),
        (lambda G: cross_sector_betweenness(G, k=-1), "'k': must be an integer >= 1, got -1"),
    ],
)
def test_bad_parameters(call, message):
    with pytest.raises(ValueError, match=message):
        call(random_graph(5, 0.5, seed=1))


def _through_by_hand(G, a, b) -> dict:
    """For each actor: over the pairs of an `a` actor and a `b` actor (itself in neither), the
    average share of their shortest paths that pass through it; every path listed."""
    sector = nx.get_node_attributes(G, "sector")
    pairs = {frozenset((s, t)) for s in G if sector[s] == a for t in G if sector[t] == b and s != t}
    shares = {}
    for v in G:
        counted = [tuple(pair) for pair in pairs if v not in pair]
        total = 0.0
        for s, t in counted:
            if nx.has_path(G, s, t):
                paths = list(nx.all_shortest_paths(G, s, t))
                total += sum(v in path[1:-1] for path in paths) / len(paths)
        shares[v] = total / len(counted) if counted else 0.0
    return shares


@pytest.mark.parametrize("trial", range(12))
def test_between_sectors_is_the_share_of_paths_by_hand_on_both_graphs(trial):
    from mapper.analysis.brokers import between_sectors

    rng = random.Random(trial)
    G = nx.gnp_random_graph(rng.randint(4, 14), 0.3, seed=trial)
    G = nx.relabel_nodes(G, {v: f"a{v}" for v in G})
    sectors = ["public", "private", "civil_society", "academia"]
    nx.set_node_attributes(G, {v: rng.choice(sectors) for v in G}, "sector")
    for a, b in [("public", "private"), ("public", "public"), ("academia", "civil_society")]:
        expected = _through_by_hand(G, a, b)
        for found in (between_sectors(G, a, b), between_sectors(compact_graph(G), a, b)):
            assert found == pytest.approx(expected, abs=1e-9), (a, b)


def test_brokers_between_two_sectors_rank_by_them():
    G = nx.path_graph(["kth", "hub", "vinnova", "skr", "coompanion"])
    sectors = {
        "kth": "academia",
        "hub": "civil_society",
        "vinnova": "public",
        "skr": "public",
        "coompanion": "civil_society",
    }
    nx.set_node_attributes(G, sectors, "sector")
    for graph in (G, compact_graph(G)):
        result = brokers(graph, top=2, sectors=("academia", "public"))
        assert result["sectors"] == ["academia", "public"]
        found = {b["actor"]: b["between_sectors"] for b in result["brokers"]}
        assert found == {"hub": 1.0, "vinnova": 1.0}  # every academia-public path
        assert brokers(graph, top=1)["brokers"][0]["between_sectors"] is None
