"""Brokerage: which actors connect otherwise separate parts of the ecosystem, across sectors."""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import numpy as np
import scipy.sparse as sp

from mapper.analysis._shared import SECTORS, check_count, sectors_of, without_unknown
from mapper.analysis.compact import CompactGraph
from mapper.errors import InvalidParameter

__all__ = [
    "ROLES",
    "between_sectors",
    "betweenness",
    "brokerage",
    "brokers",
    "cross_sector_betweenness",
]

ROLES = ("coordinator", "itinerant", "representative_gatekeeper", "liaison")
_DIGITS = 12  # scores are ranked rounded to this many decimals, so float noise breaks no tie


def brokerage(G) -> dict[str, dict[str, int]]:
    """Count each actor's Gould-Fernandez brokerage roles in the actor graph `G`.

    Every open two-path u - v - w (u and w both linked to v but not to each other) makes v a
    broker between u and w. By sector:

    - coordinator: u, v and w in the same sector;
    - itinerant: u and w in the same sector, v in another;
    - representative_gatekeeper: v shares its sector with exactly one of u and w. In a directed
      graph the direction tells a representative from a gatekeeper; the actor graph is
      undirected, so the two are one role here;
    - liaison: u, v and w in three different sectors.

    Returns, per actor, the count of each role and their `total` (the number of open two-paths
    through the actor).

    >>> G = nx.star_graph(["impact-hub", "kth", "lund", "ikea"])
    >>> nx.set_node_attributes(G, {"impact-hub": "civil_society", "kth": "academia",
    ...     "lund": "academia", "ikea": "private"}, "sector")
    >>> brokerage(G)["impact-hub"]
    {'coordinator': 0, 'itinerant': 1, 'representative_gatekeeper': 0, 'liaison': 2, 'total': 3}
    """
    if isinstance(G, CompactGraph):
        counts = _compact_roles(G)
        return {actor: _role_dict(row) for actor, row in zip(G.ids.tolist(), counts, strict=True)}
    sector = sectors_of(G)
    roles = {}
    for v in G:
        neighbours = set(G[v]) - {v}
        pairs = _neighbour_pairs(Counter(sector[u] for u in neighbours))
        closed = Counter(  # every linked pair of neighbours, seen once from either end
            _key(sector[u], sector[w]) for u in neighbours for w in neighbours.intersection(G[u])
        )
        open_pairs = {key: count - closed[key] // 2 for key, count in pairs.items()}
        roles[v] = _roles(sector[v], open_pairs)
    return roles


def betweenness(G, *, k: int | None = None, seed: int = 0, weight: str | None = None):
    """Normalised betweenness of every actor (networkx `betweenness_centrality`).

    `k` estimates it from `k` sampled source actors (chosen from `seed`); None, or a `k` of at
    least the number of actors, computes it exactly. `weight` names an edge attribute read as a
    length; the actor graph's `weight` is a strength, so use `weight="distance"` (1 / weight)
    for paths that prefer strong links.

    >>> betweenness(nx.path_graph(["kth", "impact-hub", "vinnova"]))
    {'kth': 0.0, 'impact-hub': 1.0, 'vinnova': 0.0}
    """
    k = _sample_size(G, k)
    if isinstance(G, CompactGraph):
        between, _, _ = _compact_scores(G, k, seed, weight)
        return dict(zip(G.ids.tolist(), between.tolist(), strict=True))
    scores = nx.betweenness_centrality(G, k=k, normalized=True, weight=weight, seed=seed)
    return {node: float(score) for node, score in scores.items()}


def cross_sector_betweenness(
    G, *, k: int | None = None, seed: int = 0, weight: str | None = None
) -> dict[str, float]:
    """Betweenness over the shortest paths between actors of different sectors only.

    For actor v in sector a: the sum over unordered pairs {s, t} of actors in different sectors,
    both other than v, of sigma_st(v) / sigma_st (the share of the shortest s-t paths through v),
    divided by the number of such pairs, X - (n - n_a), where X is the number of cross-sector
    pairs. So 1.0 means every shortest path between every cross-sector pair passes through v.
    `k`, `seed` and `weight` as in `betweenness`; with `k`, the sum is estimated from `k` sampled
    source actors and scaled by n / k.

    >>> G = nx.path_graph(["kth", "lund", "vinnova"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "lund": "academia",
    ...     "vinnova": "public"}, "sector")
    >>> cross_sector_betweenness(G)
    {'kth': 0.0, 'lund': 1.0, 'vinnova': 0.0}
    """
    k = _sample_size(G, k)
    if isinstance(G, CompactGraph):
        _, cross, _ = _compact_scores(G, k, seed, weight)
        return dict(zip(G.ids.tolist(), cross.tolist(), strict=True))
    sector = sectors_of(G)
    sources = list(G) if k is None else random.Random(seed).sample(list(G), k)
    totals = dict.fromkeys(G, 0.0)
    for a in SECTORS:
        inside = [s for s in sources if sector[s] == a]
        outside = [t for t in G if sector[t] != a]
        if inside and outside:
            # Undirected: a pair counts 1/2 from either end, so 1 in the sum over sectors.
            part = nx.betweenness_centrality_subset(G, inside, outside, weight=weight)
            for node, value in part.items():
                totals[node] += value
    scale = 1.0 if k is None else len(G) / k
    sizes = Counter(sector.values())
    cross_pairs = (len(G) ** 2 - sum(size * size for size in sizes.values())) // 2
    return {
        node: _share(totals[node] * scale, cross_pairs - (len(G) - sizes[sector[node]]))
        for node in G
    }


def between_sectors(G, a: str, b: str, *, k: int | None = None, seed: int = 0) -> dict:
    """Betweenness between two sectors: for actor v, the share of the shortest paths between
    an actor of sector `a` and one of sector `b` (neither v) that pass through v, averaged
    over those pairs (0-1; `a` may be `b`). `k` estimates it from that many sampled actors of
    `a`. A `CompactGraph` is computed with compiled code, a networkx graph with networkx.

    >>> G = nx.path_graph(["kth", "impact-hub", "vinnova", "skr"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "impact-hub": "civil_society",
    ...     "vinnova": "public", "skr": "public"}, "sector")
    >>> between_sectors(G, "academia", "public")
    {'kth': 0.0, 'impact-hub': 1.0, 'vinnova': 1.0, 'skr': 0.0}
    """
    for sector in (a, b):
        if sector not in SECTORS:
            raise InvalidParameter("sector", f"{sector!r} is not one of {', '.join(SECTORS)}")
    if isinstance(G, CompactGraph):
        return dict(zip(map(str, G.ids), _compact_between(G, a, b, k, seed).tolist(), strict=True))
    sector = sectors_of(G)
    sources = sorted((v for v in G if sector[v] == a), key=str)
    targets = [v for v in G if sector[v] == b]
    chosen = sources if k is None or k >= len(sources) else _sample(sources, k, seed)
    raw = nx.betweenness_centrality_subset(G, chosen, targets, normalized=False)
    # networkx halves an undirected graph's sums: a pair within one sector is then counted
    # once, a pair across two only half
    factor = (1.0 if a == b else 2.0) * (len(sources) / len(chosen) if chosen else 0.0)
    return {v: _pair_share(raw[v] * factor, len(sources), len(targets), sector[v], a, b) for v in G}


def _sample(nodes: list, k: int, seed: int) -> list:
    picked = np.random.default_rng(seed).choice(len(nodes), size=k, replace=False)
    return [nodes[i] for i in sorted(picked.tolist())]


def _pair_share(through: float, n_a: int, n_b: int, own: str, a: str, b: str) -> float:
    """`through` (paths through v summed over the pairs) as a share of the pairs without v."""
    n_a -= own == a
    n_b -= own == b
    pairs = n_a * (n_a - 1) / 2 if a == b else n_a * n_b
    return through / pairs if pairs > 0 else 0.0


def _compact_between(G: CompactGraph, a: str, b: str, k, seed) -> np.ndarray:
    from mapper.analysis._kernels import betweenness_sums  # numba: imported when first needed

    ia, ib = SECTORS.index(a), SECTORS.index(b)
    members = np.flatnonzero(G.sectors == ia)
    n_a, n_b = len(members), int((G.sectors == ib).sum())
    if k is not None and k < n_a:
        members = np.sort(np.random.default_rng(seed).choice(members, size=k, replace=False))
    if not len(members):
        return np.zeros(len(G))
    _, through = betweenness_sums(G.weights.indptr, G.weights.indices, G.sectors, members, only=ib)
    through = through * (n_a / len(members)) / (2.0 if a == b else 1.0)  # ordered pairs in a
    own_a = (G.sectors == ia).astype(float)
    own_b = (G.sectors == ib).astype(float)
    left, right = n_a - own_a, n_b - own_b
    pairs = left * (left - 1) / 2 if a == b else left * right
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, through / pairs, 0.0)


def brokers(
    G,
    *,
    top: int = 10,
    k: int | None = None,
    seed: int = 0,
    weight: str | None = None,
    sectors: tuple[str, str] | None = None,
) -> dict:
    """The `top` actors by cross-sector betweenness, then betweenness, then id; with
    `sectors` (a, b), by `between_sectors` first: the brokers between those two sectors.

    Returns `{brokers, exact, sources, actors}`: `exact` is False when the betweenness values
    are estimated from `sources` sampled source actors (`k` below the number of actors). Each
    broker: `{actor, name, sector, cross_sector_betweenness, betweenness, brokerage}`, where
    `brokerage` holds the actor's role counts from `brokerage(G)`. Actors of unknown sector are
    left out, with their links (`unknown_sector_actors` says how many). A `CompactGraph` is
    computed with compiled code (unweighted paths only); a networkx graph with networkx.

    >>> G = nx.path_graph(["kth", "impact-hub", "vinnova"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "impact-hub": "civil_society",
    ...     "vinnova": "public"}, "sector")
    >>> result = brokers(G, top=2)
    >>> [(b["actor"], b["cross_sector_betweenness"], b["brokerage"]["liaison"])
    ...  for b in result["brokers"]], result["exact"]
    ([('impact-hub', 1.0, 1), ('kth', 0.0, 0)], True)
    """
    check_count("top", top)
    G, unknown = without_unknown(G)
    k = _sample_size(G, k)
    pair = None if sectors is None else between_sectors(G, *sectors, k=k, seed=seed)
    if isinstance(G, CompactGraph):
        ranked = _compact_brokers(G, top, k, seed, weight, pair)
    else:
        ranked = _networkx_brokers(G, top, k, seed, weight, pair)
    return {
        "sectors": None if sectors is None else list(sectors),
        "brokers": ranked,
        "exact": k is None,
        "sources": len(G) if k is None else k,
        "actors": len(G),
        "unknown_sector_actors": unknown,
    }


def _networkx_brokers(G, top, k, seed, weight, pair) -> list[dict]:
    cross = cross_sector_betweenness(G, k=k, seed=seed, weight=weight)
    between = betweenness(G, k=k, seed=seed, weight=weight)
    roles = brokerage(G)
    first = pair or dict.fromkeys(G, 0.0)
    ranked = sorted(
        G,
        key=lambda node: (
            -round(first[node], _DIGITS),
            -round(cross[node], _DIGITS),
            -round(between[node], _DIGITS),
            node,
        ),
    )[:top]
    return [
        {
            "actor": node,
            "name": G.nodes[node].get("name"),
            "sector": G.nodes[node]["sector"],
            "cross_sector_betweenness": cross[node],
            "betweenness": between[node],
            "between_sectors": None if pair is None else pair[node],
            "brokerage": roles[node],
        }
        for node in ranked
    ]


def _compact_brokers(G: CompactGraph, top, k, seed, weight, pair) -> list[dict]:
    between, cross, _ = _compact_scores(G, k, seed, weight)
    first = np.zeros(len(G)) if pair is None else np.fromiter(pair.values(), float, len(G))
    keys = (np.arange(len(G)), -np.round(between, _DIGITS), -np.round(cross, _DIGITS))
    order = np.lexsort((*keys, -np.round(first, _DIGITS)))[:top]
    roles = _compact_roles(G, only=order)
    return [
        {
            "actor": str(G.ids[i]),
            "name": G.names[i] if G.names is not None else None,
            "sector": SECTORS[G.sectors[i]],
            "cross_sector_betweenness": float(cross[i]),
            "betweenness": float(between[i]),
            "between_sectors": None if pair is None else float(first[i]),
            "brokerage": _role_dict(roles[row]),
        }
        for row, i in enumerate(order.tolist())
    ]


def _compact_scores(G: CompactGraph, k, seed, weight):
    """(betweenness, cross-sector betweenness, sources) of every actor, normalised as networkx."""
    if weight is not None:
        raise InvalidParameter(
            "weight", f"{weight!r}: a CompactGraph has unweighted paths only; use networkx"
        )
    n = len(G)
    if k is None:
        sources = np.arange(n)
    else:
        sources = np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))
    from mapper.analysis._kernels import betweenness_sums  # numba: imported when first needed

    total, cross = betweenness_sums(G.weights.indptr, G.weights.indices, G.sectors, sources)
    scale = 1.0 if k is None else n / k
    pairs = (n - 1) * (n - 2)
    between = total * (scale / pairs) if pairs > 0 else total * scale / 2
    sizes = np.bincount(G.sectors, minlength=len(SECTORS))
    cross_pairs = (n * n - int((sizes * sizes).sum())) // 2
    possible = (cross_pairs - (n - sizes[G.sectors])).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(possible > 0, cross * (scale / 2) / possible, 0.0)
    return between, shares, len(sources)


# role of an open two-path u - v - w by (sector of v, sector of u, sector of w): an index in ROLES
_ROLE_OF = np.array(
    [
        [
            [
                (0 if s == own else 1) if s == t else (2 if own in (s, t) else 3)
                for t in range(len(SECTORS))
            ]
            for s in range(len(SECTORS))
        ]
        for own in range(len(SECTORS))
    ]
)


def _compact_roles(G: CompactGraph, only: np.ndarray | None = None) -> np.ndarray:
    """Role counts (rows: actors, or the actors in `only`; columns: ROLES) by array arithmetic.

    Open two-paths through v with ends in sectors s and t = pairs of v's neighbours in s and t
    minus the links among them (triangles through v, from the compiled triangle listing).
    """
    k = len(SECTORS)
    A = G.weights
    linked = sp.csr_array((np.ones(A.nnz), A.indices, A.indptr), shape=A.shape)
    by_sector = (linked @ np.eye(k)[G.sectors]).astype(np.int64) if len(G) else np.zeros((0, k))
    pairs = by_sector[:, :, None] * by_sector[:, None, :]
    diagonal = np.arange(k)
    pairs[:, diagonal, diagonal] = by_sector * (by_sector - 1) // 2
    pairs = np.triu(pairs)  # s <= t only, as the triangles are counted
    from mapper.analysis._kernels import sector_triangles  # numba: imported when first needed

    closed = sector_triangles(A.indptr, A.indices, G.sectors, k)
    rows = np.arange(len(G)) if only is None else only
    open_paths = (pairs[rows] - closed[rows]).reshape(len(rows), k * k)
    roles = _ROLE_OF[G.sectors[rows]].reshape(len(rows), k * k)
    counts = np.zeros((len(rows), len(ROLES)), dtype=np.int64)
    for role in range(len(ROLES)):
        counts[:, role] = (open_paths * (roles == role)).sum(axis=1)
    return counts


def _role_dict(row) -> dict[str, int]:
    roles = {name: int(count) for name, count in zip(ROLES, row, strict=True)}
    roles["total"] = sum(roles.values())
    return roles


def _sample_size(G, k: int | None) -> int | None:
    if k is None:
        return None
    check_count("k", k)
    return k if k < len(G) else None


def _key(s: str, t: str) -> tuple[str, str]:
    return (s, t) if SECTORS.index(s) <= SECTORS.index(t) else (t, s)


def _neighbour_pairs(by_sector: Counter) -> Counter:
    """Unordered pairs of neighbours per (sector, sector) key."""
    pairs = Counter()
    for s, count in by_sector.items():
        pairs[s, s] += count * (count - 1) // 2
        for t, other in by_sector.items():
            if SECTORS.index(s) < SECTORS.index(t):
                pairs[s, t] += count * other
    return pairs


def _roles(own: str, open_pairs: dict) -> dict[str, int]:
    roles = dict.fromkeys(ROLES, 0)
    for (s, t), count in open_pairs.items():
        if s == t:
            role = "coordinator" if s == own else "itinerant"
        else:
            role = "representative_gatekeeper" if own in (s, t) else "liaison"
        roles[role] += count
    roles["total"] = sum(roles.values())
    return roles


def _share(total: float, pairs: int) -> float:
    return float(total / pairs) if pairs > 0 else 0.0
