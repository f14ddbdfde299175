"""gaps(): the configuration-model expectation, the degree-binned permutation test, the flags."""

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest

from mapper.analysis.gaps import _benjamini_hochberg, _lane_counts, gaps

SECTORS = ("public", "private", "civil_society", "academia")


def graph(edges, sectors):
    G = nx.Graph()
    G.add_nodes_from((actor, {"sector": sector}) for actor, sector in sectors.items())
    G.add_edges_from(edges)
    return G


def pair(result, a, b):
    wanted = sorted((a, b), key=SECTORS.index)
    return next(p for p in result["pairs"] if p["sectors"] == wanted)


def random_sectors(G, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(SECTORS), len(G))
    nx.set_node_attributes(G, {node: SECTORS[i] for node, i in zip(G, labels, strict=True)},
                           "sector")
    return G


# a - b - c - d with a, b public and c, d private: degrees 1, 2, 2, 1
PATH = graph(
    [("a", "b"), ("b", "c"), ("c", "d")],
    {"a": "public", "b": "public", "c": "private", "d": "private"},
)


def test_expected_is_the_configuration_model_by_hand():
    result = gaps(PATH, permutations=10)
    # D_public = 1 + 2 = 3, D_private = 2 + 1 = 3, m = 3
    assert pair(result, "public", "private")["expected"] == pytest.approx(3 * 3 / (2 * 3))  # 1.5
    assert pair(result, "public", "public")["expected"] == pytest.approx(3**2 / (4 * 3))  # 0.75
    assert pair(result, "private", "private")["expected"] == pytest.approx(0.75)
    assert pair(result, "public", "private")["observed"] == 1
    assert pair(result, "public", "private")["ratio"] == pytest.approx(1 / 1.5)
    assert sum(p["expected"] for p in result["pairs"]) == pytest.approx(3)  # adds up to m


def test_pairs_without_expected_links_are_not_tested():
    result = gaps(PATH, permutations=10)
    untested = pair(result, "academia", "civil_society")
    assert untested["expected"] == 0
    assert untested["ratio"] is untested["p_value"] is untested["p_adjusted"] is None
    assert untested["gap"] is False


def test_p_value_by_hand_within_degree_bins():
    # bins=2: the ends {a, d} (degree 1) form one bin and {b, c} (degree 2) the other. The four
    # equally likely arrangements (swap the ends or not, swap the middles or not) give 1, 3, 3, 1
    # public-private links, so P(count <= 1) = 1/2.  Public-public gets 1, 0, 0, 1: always <= 1.
    result = gaps(PATH, permutations=4000, seed=1, bins=2)
    assert pair(result, "public", "private")["p_value"] == pytest.approx(0.5, abs=0.03)
    assert pair(result, "public", "public")["p_value"] == 1.0


def test_p_value_by_hand_with_one_bin():
    # bins=1: the 6 placements of the two public labels on the path a-b-c-d give
    # {a,b}: 1, {a,c}: 3, {a,d}: 2, {b,c}: 2, {b,d}: 3, {c,d}: 1 public-private links,
    # so P(count <= 1) = 2/6.
    result = gaps(PATH, permutations=4000, seed=1, bins=1)
    assert pair(result, "public", "private")["p_value"] == pytest.approx(1 / 3, abs=0.03)


def exact_p_values(G, bins):
    """Brute force: enumerate every arrangement of the labels within the degree bins."""
    active = [node for node in G if G.degree(node) > 0]
    degree = {node: G.degree(node) for node in active}
    smaller = {node: sum(degree[other] < degree[node] for other in active) for node in active}
    groups = {}
    for node in active:
        groups.setdefault(smaller[node] * bins // len(active), []).append(node)

    def counts(sector):
        found = {}
        for u, v in G.edges():
            key = frozenset((sector[u], sector[v]))
            found[key] = found.get(key, 0) + 1
        return found

    observed = counts(nx.get_node_attributes(G, "sector"))
    arrangements = [
        [dict(zip(members, labels, strict=True)) for labels in
         set(itertools.permutations([G.nodes[n]["sector"] for n in members]))]
        for members in groups.values()
    ]
    at_most = dict.fromkeys(observed, 0)
    total = 0
    for parts in itertools.product(*arrangements):
        found = counts({k: v for part in parts for k, v in part.items()})
        total += 1
        for key in observed:
            at_most[key] += found.get(key, 0) <= observed[key]
    return {key: hits / total for key, hits in at_most.items()}


def test_p_values_match_an_exact_enumeration():
    G = random_sectors(nx.gnm_random_graph(11, 16, seed=4), seed=4)
    G.add_edges_from([(0, 1), (0, 2), (0, 3)])  # a hub, so the bins differ in degree
    exact = exact_p_values(G, bins=3)
    result = gaps(G, permutations=20000, seed=2, bins=3)
    for p in result["pairs"]:
        key = frozenset(p["sectors"])
        if key in exact:
            assert p["p_value"] == pytest.approx(exact[key], abs=0.015), p["sectors"]


def test_random_sectors_give_no_gap():
    for seed in range(3):
        G = random_sectors(nx.barabasi_albert_graph(2000, 3, seed=seed), seed)
        result = gaps(G)
        assert [p["sectors"] for p in result["pairs"] if p["gap"]] == []
        assert all(0.8 < p["ratio"] < 1.25 for p in result["pairs"])


def test_a_planted_gap_is_found_and_only_it():
    G = random_sectors(nx.barabasi_albert_graph(2000, 3, seed=0), 0)
    sector = nx.get_node_attributes(G, "sector")
    between = [(u, v) for u, v in G.edges() if {sector[u], sector[v]} == {"private", "academia"}]
    G.remove_edges_from(between[: int(0.9 * len(between))])
    result = gaps(G)
    assert [p["sectors"] for p in result["pairs"] if p["gap"]] == [["private", "academia"]]
    assert pair(result, "private", "academia")["ratio"] < 0.5


def test_hub_sector_does_not_make_false_gaps():
    # 20 public hubs of degree 60 and 400 other actors of degree 3, wired at random: no pair
    # is under-connected given the degrees. A naive label shuffle expects the non-hub sectors to
    # link far more than they do (their actors have few links); the configuration model does not.
    degrees = [60] * 20 + [3] * 400
    G = nx.Graph(nx.configuration_model(degrees, seed=3))
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    rng = np.random.default_rng(3)
    others = ("private", "civil_society", "academia")
    nx.set_node_attributes(
        G, {node: "public" if node < 20 else others[rng.integers(0, 3)] for node in G}, "sector"
    )
    n, m = len(G), G.number_of_edges()
    size = {s: sum(1 for _, x in G.nodes(data="sector") if x == s) for s in SECTORS}
    naive = m * size["private"] * size["civil_society"] / (n * (n - 1) / 2)

    binned = pair(gaps(G, bins=10), "private", "civil_society")
    unbinned = pair(gaps(G, bins=1), "private", "civil_society")

    assert binned["observed"] / naive < 0.5  # the naive expectation would call this a gap
    assert 0.8 < binned["ratio"] < 1.25 and binned["gap"] is False
    assert binned["expected"] < naive / 2
    assert binned["p_value"] > 0.05  # shuffling among similar degrees: nothing unusual
    assert unbinned["p_value"] < 0.01  # shuffling hub labels onto leaves: looks unusual


@pytest.mark.parametrize("m", [2 * 255, 300_000])  # one pass, and several cache-sized chunks
def test_lane_counts_match_counting_link_by_link(m):
    rng = np.random.default_rng(5)
    n = 1000
    codes = np.array([0, 1, 3, 7], dtype=np.uint8)
    labels = rng.integers(0, 4, (n, 8))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    pad = -len(u) % 255
    lanes = np.vstack([codes[labels], np.full((1, 8), 15, dtype=np.uint8)])
    got = _lane_counts(
        lanes.view(np.uint64).ravel(), degree,
        np.concatenate([u, np.full(pad, n)]), np.concatenate([v, np.full(pad, n)]),
    )
    pairs = [(a, b) for a in range(4) for b in range(a, 4)]
    for lane in range(8):
        low = np.minimum(labels[u, lane], labels[v, lane])
        high = np.maximum(labels[u, lane], labels[v, lane])
        found = np.bincount(low * 4 + high, minlength=16)
        assert got[lane].tolist() == [found[a * 4 + b] for a, b in pairs]


def test_benjamini_hochberg_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.2 -> times 4/rank: 0.04, 0.06, 0.0533, 0.2 -> running minimum
    # from the top: 0.04, 0.0533, 0.0533, 0.2
    adjusted = _benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    assert adjusted.tolist() == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_isolated_actors_and_sectors_without_cross_links():
    G = graph(
        [("kth", "lund"), ("vinnova", "ikea")],
        {"kth": "academia", "lund": "academia", "vinnova": "public", "ikea": "private",
         "stadsmissionen": "civil_society"},
    )
    result = gaps(G, permutations=10)
    assert result["isolated_actors"] == ["stadsmissionen"]
    assert result["sectors_without_cross_links"] == ["civil_society", "academia"]
    assert (result["actors"], result["links"]) == (5, 2)


def test_same_seed_same_answer_and_json_ready():
    G = random_sectors(nx.barabasi_albert_graph(300, 2, seed=1), 1)
    first, second = gaps(G, seed=7), gaps(G, seed=7)
    assert first == second
    assert json.loads(json.dumps(first)) == first
    assert first["parameters"] == {
        "permutations": 200, "seed": 7, "bins": 10, "ratio_threshold": 0.5, "alpha": 0.05,
    }


def test_every_permutation_counts_every_link_once():
    G = random_sectors(nx.barabasi_albert_graph(500, 2, seed=2), 2)
    result = gaps(G, permutations=3)  # 3 is not a multiple of the 8 lanes
    assert sum(p["observed"] for p in result["pairs"]) == G.number_of_edges()
    p_values = [p["p_value"] for p in result["pairs"]]
    assert all(p in (0.25, 0.5, 0.75, 1.0) for p in p_values)  # (1 + hits) / (1 + 3)


def test_empty_graph():
    result = gaps(nx.Graph())
    assert result["links"] == 0
    assert all(p["p_value"] is None and not p["gap"] for p in result["pairs"])
    assert not math.isnan(sum(p["expected"] for p in result["pairs"]))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"permutations": 0}, "permutations must be an integer >= 1, got 0"),
        ({"bins": 0}, "bins must be an integer >= 1, got 0"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1, got 1.5"),
        ({"ratio_threshold": 0}, "ratio_threshold must be > 0, got 0"),
    ],
)
def test_bad_parameters(parameters, message):
    with pytest.raises(ValueError, match=message):
        gaps(PATH, **parameters)


def test_unknown_sector_names_the_actor():
    with pytest.raises(ValueError, match="actor 'x' has sector 'church'"):
        gaps(graph([], {"x": "church"}))


def test_nodes_with_equal_hashes():
    # hash(-1) == hash(-2) in CPython: the links are still read correctly
    assert hash(-1) == hash(-2)
    G = nx.Graph([(-1, -2), (-2, 0), (0, 1)])
    nx.set_node_attributes(G, {-1: "public", -2: "public", 0: "private", 1: "academia"}, "sector")
    result = gaps(G, permutations=10)
    observed = {tuple(p["sectors"]): p["observed"] for p in result["pairs"] if p["observed"]}
    assert observed == {("public", "public"): 1, ("public", "private"): 1,
                        ("private", "academia"): 1}
