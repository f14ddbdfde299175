"""Brokerage: which actors connect otherwise separate parts of the ecosystem, across sectors."""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx

from mapper.analysis._shared import SECTORS, check_count, sectors_of

__all__ = ["ROLES", "betweenness", "brokerage", "brokers", "cross_sector_betweenness"]

ROLES = ("coordinator", "itinerant", "representative_gatekeeper", "liaison")


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
    sector = sectors_of(G)
    k = _sample_size(G, k)
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


def brokers(
    G, *, top: int = 10, k: int | None = None, seed: int = 0, weight: str | None = None
) -> list[dict]:
    """The `top` actors by cross-sector betweenness, then betweenness, then id.

    Each: `{actor, name, sector, cross_sector_betweenness, betweenness, brokerage}`, where
    `brokerage` holds the actor's role counts from `brokerage(G)`.

    >>> G = nx.path_graph(["kth", "impact-hub", "vinnova"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "impact-hub": "civil_society",
    ...     "vinnova": "public"}, "sector")
    >>> [(b["actor"], b["cross_sector_betweenness"], b["brokerage"]["liaison"])
    ...  for b in brokers(G, top=2)]
    [('impact-hub', 1.0, 1), ('kth', 0.0, 0)]
    """
    check_count("top", top)
    cross = cross_sector_betweenness(G, k=k, seed=seed, weight=weight)
    between = betweenness(G, k=k, seed=seed, weight=weight)
    roles = brokerage(G)
    ranked = sorted(G, key=lambda node: (-cross[node], -between[node], node))[:top]
    return [
        {
            "actor": node,
            "name": G.nodes[node].get("name"),
            "sector": G.nodes[node]["sector"],
            "cross_sector_betweenness": cross[node],
            "betweenness": between[node],
            "brokerage": roles[node],
        }
        for node in ranked
    ]


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
