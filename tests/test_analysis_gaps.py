"""gaps(): the configuration-model expectation, the degree-binned permutation test, the flags."""

import itertools
import json
import math

import networkx as nx
import numpy as np
import pytest

from mapper.analysis.gaps import (
    _arrays,
    _benjamini_hochberg,
    _bins_of_active,
    _compiled_counts,
    _numpy_counts,
    _permuted_counts,
    gaps,
)

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


def test_expected_is_the_mean_of_the_shuffle_by_hand():
    # bins=10: the ends {a, d} (degree 1) form one bin, the middles {b, c} (degree 2) another,
    # each holding one public and one private label. The end-middle links a-b and c-d join
    # public and private with probability 1/2 each (1/4 public-public, 1/4 private-private);
    # the middle link b-c always does.
    result = gaps(PATH, permutations=10)
    assert pair(result, "public", "private")["expected"] == pytest.approx(2.0)
    assert pair(result, "public", "public")["expected"] == pytest.approx(0.5)
    assert pair(result, "private", "private")["expected"] == pytest.approx(0.5)
    assert pair(result, "public", "private")["observed"] == 1
    assert pair(result, "public", "private")["ratio"] == pytest.approx(1 / 2)
    assert sum(p["expected"] for p in result["pairs"]) == pytest.approx(3)  # adds up to m


def test_expected_configuration_by_hand():
    result = gaps(PATH, permutations=10)
    # D_public = 1 + 2 = 3, D_private = 2 + 1 = 3, m = 3
    assert pair(result, "public", "private")["expected_configuration"] == pytest.approx(1.5)
    assert pair(result, "public", "public")["expected_configuration"] == pytest.approx(0.75)
    assert pair(result, "private", "private")["expected_configuration"] == pytest.approx(0.75)
    assert sum(p["expected_configuration"] for p in result["pairs"]) == pytest.approx(3)


def test_pairs_without_expected_links_are_not_tested():
    result = gaps(PATH, permutations=10)
    untested = pair(result, "academia", "civil_society")
    assert untested["expected"] == untested["expected_configuration"] == 0
    assert untested["null_low"] == untested["null_high"] == 0
    for field in ("ratio", "z", "p_value", "p_value_more", "p_adjusted"):
        assert untested[field] is None, field
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


def exact_null(G, bins):
    """Brute force: enumerate every arrangement of the labels within the degree bins.

    Returns, per unordered pair of sectors, P(count <= observed), P(count >= observed) and the
    mean count.
    """
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
    keys = {frozenset(pair) for pair in itertools.combinations_with_replacement(SECTORS, 2)}
    at_most, at_least, total_count = (dict.fromkeys(keys, 0) for _ in range(3))
    total = 0
    for parts in itertools.product(*arrangements):
        found = counts({k: v for part in parts for k, v in part.items()})
        total += 1
        for key in keys:
            at_most[key] += found.get(key, 0) <= observed.get(key, 0)
            at_least[key] += found.get(key, 0) >= observed.get(key, 0)
            total_count[key] += found.get(key, 0)
    return {
        key: (at_most[key] / total, at_least[key] / total, total_count[key] / total)
        for key in keys
    }


def test_expected_and_p_values_match_an_exact_enumeration():
    G = random_sectors(nx.gnm_random_graph(11, 16, seed=4), seed=4)
    G.add_edges_from([(0, 1), (0, 2), (0, 3)])  # a hub, so the bins differ in degree
    exact = exact_null(G, bins=3)
    result = gaps(G, permutations=20000, seed=2, bins=3)
    for p in result["pairs"]:
        fewer, more, mean = exact[frozenset(p["sectors"])]
        assert p["expected"] == pytest.approx(mean, rel=1e-12, abs=1e-12), p["sectors"]
        if p["p_value"] is not None:
            assert p["p_value"] == pytest.approx(fewer, abs=0.015), p["sectors"]
            assert p["p_value_more"] == pytest.approx(more, abs=0.015), p["sectors"]


def hub_graph(seed):
    """A clique of 8 hubs, 6 of them private, each with 80 leaves of the other sectors."""
    rng = np.random.default_rng(seed)
    G = nx.complete_graph(8)
    for hub in range(8):
        G.add_edges_from((hub, f"{hub}-{leaf}") for leaf in range(80))
    G.add_edges_from((f"{rng.integers(8)}-{rng.integers(80)}", f"{rng.integers(8)}-"
                      f"{rng.integers(80)}") for _ in range(200))
    G.remove_edges_from(list(nx.selfloop_edges(G)))
    others = ("public", "civil_society", "academia")
    sectors = {node: others[rng.integers(3)] for node in G}
    sectors.update(dict.fromkeys(range(6), "private"))
    nx.set_node_attributes(G, sectors, "sector")
    return G


@pytest.mark.parametrize("seed", range(4))
def test_expected_is_the_permutation_mean_where_the_configuration_formula_is_not(seed):
    G = hub_graph(seed)
    permutations = 4000
    result = gaps(G, permutations=permutations, seed=seed)
    hubs = pair(result, "private", "private")
    # 9 private hubs can share at most 36 links, but their degree sum predicts far more
    assert hubs["expected_configuration"] > 2 * hubs["expected"]
    for p in result["pairs"]:
        if p["z"] is None:
            continue
        spread = (p["observed"] - p["expected"]) / p["z"]  # the permuted counts' deviation
        monte_carlo = p["expected"]  # checked below against the mean of fresh permutations
        assert spread > 0
    null = _null_counts(G, permutations, seed)
    for i, p in enumerate(result["pairs"]):
        error = null[:, i].std(ddof=1) / math.sqrt(permutations)
        monte_carlo = null[:, i].mean()
        assert abs(p["expected"] - monte_carlo) <= 4 * error + 1e-9, (p["sectors"], monte_carlo)
        if p["ratio"] is not None:
            assert (p["ratio"] < 1) == (p["observed"] < p["expected"])
            assert not (p["ratio"] > 1 and p["p_value"] < 0.5), p
            assert not (p["ratio"] < 1 and p["p_value_more"] < 0.5), p
            assert p["null_low"] <= p["expected"] <= p["null_high"]


def _null_counts(G, permutations, seed):
    """The permuted counts gaps() draws, one row per permutation, in its pair order."""
    nodes, labels, u, v = _arrays(G)
    degree = np.bincount(u, minlength=len(nodes)) + np.bincount(v, minlength=len(nodes))
    return _permuted_counts(labels, degree, _bins_of_active(degree, 10), u, v, permutations,
                            np.random.default_rng(seed))


@pytest.mark.parametrize("seed", range(6))
def test_colour_words_and_test_never_disagree(seed):
    # On random graphs with hubs, a pair above its expectation never has a "fewer" p below 1/2
    # and one below never has a "more" p below 1/2; z has the sign of observed - expected.
    G = random_sectors(nx.barabasi_albert_graph(400, 3, seed=seed), seed)
    for p in gaps(G, permutations=500, seed=seed)["pairs"]:
        if p["ratio"] is None:
            continue
        if p["ratio"] > 1:
            assert p["p_value"] >= 0.5 and p["z"] > 0, p
        if p["ratio"] < 1:
            assert p["p_value_more"] >= 0.5 and p["z"] < 0, p


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
@pytest.mark.parametrize("compiled", [False, True])
def test_lane_counts_match_counting_link_by_link(m, compiled):
    rng = np.random.default_rng(5)
    n = 1000
    codes = np.array([0, 1, 3, 7], dtype=np.uint8)
    labels = rng.integers(0, 4, (n, 8))
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = u != v
    u, v = u[keep], v[keep]
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    lanes = np.vstack([codes[labels], np.full((1, 8), 15, dtype=np.uint8)])
    count = _compiled_counts if compiled else _numpy_counts
    got = count(lanes.view(np.uint64).ravel(), degree, u, v)
    pairs = [(a, b) for a in range(4) for b in range(a, 4)]
    for lane in range(8):
        low = np.minimum(labels[u, lane], labels[v, lane])
        high = np.maximum(labels[u, lane], labels[v, lane])
        found = np.bincount(low * 4 + high, minlength=16)
        assert got[lane].tolist() == [found[a * 4 + b] for a, b in pairs]


def test_compiled_and_numpy_counting_give_the_same_answer(monkeypatch):
    import mapper.analysis.gaps as module

    G = random_sectors(nx.barabasi_albert_graph(3000, 3, seed=4), seed=4)
    monkeypatch.setattr(module, "COMPILED_FROM", 10**18)
    in_numpy = gaps(G, permutations=24, seed=3)
    monkeypatch.setattr(module, "COMPILED_FROM", 0)
    assert gaps(G, permutations=24, seed=3) == in_numpy


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
        "permutations": 1000, "seed": 7, "bins": 10, "ratio_threshold": 0.5, "alpha": 0.05,
    }


def test_every_permutation_counts_every_link_once():
    G = random_sectors(nx.barabasi_albert_graph(500, 2, seed=2), 2)
    result = gaps(G, permutations=3)  # 3 is not a multiple of the 8 lanes
    assert sum(p["observed"] for p in result["pairs"]) == G.number_of_edges()
    p_values = [p[side] for p in result["pairs"] for side in ("p_value", "p_value_more")]
    assert all(p in (0.25, 0.5, 0.75, 1.0) for p in p_values)  # (1 + hits) / (1 + 3)


def test_empty_graph():
    result = gaps(nx.Graph())
    assert result["links"] == 0
    assert all(p["p_value"] is None and not p["gap"] for p in result["pairs"])
    assert not math.isnan(sum(p["expected"] for p in result["pairs"]))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"permutations": 0}, "parameter 'permutations': must be an integer >= 1, got 0"),
        ({"bins": 0}, "parameter 'bins': must be an integer >= 1, got 0"),
        ({"alpha": 1.5}, "parameter 'alpha': must be between 0 and 1, got 1.5"),
        ({"ratio_threshold": 0}, "parameter 'ratio_threshold': must be > 0, got 0"),
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
