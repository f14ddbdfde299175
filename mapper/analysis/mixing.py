"""Sector mixing: how many links join each pair of sectors, and how inward-looking each one is."""

from __future__ import annotations

import numpy as np

from mapper.analysis._shared import SECTORS, sectors_of, without_unknown
from mapper.analysis.compact import CompactGraph

__all__ = ["mixing", "mixing_from_counts"]


def mixing(G) -> dict:
    """Return the sector x sector link matrix of the actor graph `G`, its density and E-I indices.

    - `actors[a]`: number of actors in sector a (n_a).
    - `links[a][b]`: number of links between a and b (symmetric; `links[a][a]` within a).
    - `weights[a][b]`: the summed `weight` of those links (1 per link without a weight).
    - `density[a][b]`: links / possible pairs, n_a·n_b for a != b and n_a(n_a-1)/2 within;
      None when there is no possible pair.
    - `ei_index[a]`: Krackhardt and Stern's (E - I) / (E + I) over the links touching a, with
      E = links from a to other sectors and I = links within a (each link counted once); from -1
      (all links inside the sector) to +1 (all links to other sectors); None when a has no link.
    - `ei_index_overall`: the same over all links: E = cross-sector, I = within-sector links.

    Every sector appears in every table, with zeros when it has no actors. Actors of unknown
    sector are left out, with their links; `unknown_sector_actors` says how many. `G` is a networkx
    graph or a `CompactGraph` (counted with numpy).

    >>> import networkx as nx
    >>> G = nx.path_graph(["kth", "lund", "vinnova", "region-skane"])
    >>> nx.set_node_attributes(G, {"kth": "academia", "lund": "academia",
    ...     "vinnova": "public", "region-skane": "public"}, "sector")
    >>> result = mixing(G)
    >>> result["links"]["academia"]["public"], result["density"]["academia"]["public"]
    (1, 0.25)
    >>> result["ei_index"]["academia"], result["ei_index_overall"]
    (0.0, -0.3333333333333333)
    """
    G, unknown = without_unknown(G)
    result = _compact_mixing(G) if isinstance(G, CompactGraph) else _networkx_mixing(G)
    return result | {"unknown_sector_actors": unknown}


def _networkx_mixing(G) -> dict:
    sector = sectors_of(G)
    actors = dict.fromkeys(SECTORS, 0)
    for value in sector.values():
        actors[value] += 1
    pairs: dict[tuple[str, str], list] = {}
    for u, v, weight in G.edges(data="weight", default=1):
        if u != v:
            pair = pairs.setdefault(tuple(sorted((sector[u], sector[v]))), [0, 0])
            pair[0] += 1
            pair[1] += weight
    return mixing_from_counts(actors, {pair: tuple(sums) for pair, sums in pairs.items()})


def mixing_from_counts(actors: dict[str, int], pairs: dict[tuple[str, str], tuple]) -> dict:
    """The `mixing` result from actors per sector and (links, weight) per unordered sector pair.

    This is how a store that counts links itself (Neo4j, in Cypher) gives the same answer.

    >>> result = mixing_from_counts({"public": 2, "academia": 2}, {("academia", "public"): (1, 3)})
    >>> result["weights"]["public"]["academia"], result["ei_index"]["public"]
    (3, 1.0)
    """
    actors = {a: actors.get(a, 0) for a in SECTORS}
    links = {a: dict.fromkeys(SECTORS, 0) for a in SECTORS}
    weights = {a: dict.fromkeys(SECTORS, 0) for a in SECTORS}
    for (a, b), (count, weight) in pairs.items():
        for x, y in {(a, b), (b, a)}:
            links[x][y] += count
            weights[x][y] += weight
    return {
        "sectors": list(SECTORS),
        "actors": actors,
        "links": links,
        "weights": weights,
        "density": _density(actors, links),
        "ei_index": {a: _ei(_external(links, a), links[a][a]) for a in SECTORS},
        "ei_index_overall": _ei(
            sum(_external(links, a) for a in SECTORS) // 2, sum(links[a][a] for a in SECTORS)
        ),
    }


def _compact_mixing(G: CompactGraph) -> dict:
    k = len(SECTORS)
    sizes = np.bincount(G.sectors, minlength=k)
    u, v, w = G.links()
    a, b = G.sectors[u].astype(np.intp), G.sectors[v].astype(np.intp)
    code = np.minimum(a, b) * k + np.maximum(a, b)
    counts = np.bincount(code, minlength=k * k)
    sums = np.bincount(code, weights=w, minlength=k * k)
    pairs = {
        (SECTORS[i], SECTORS[j]): (int(counts[i * k + j]), int(sums[i * k + j]))
        for i in range(k)
        for j in range(i, k)
        if counts[i * k + j]
    }
    return mixing_from_counts(dict(zip(SECTORS, sizes.tolist(), strict=True)), pairs)


def _external(links: dict, a: str) -> int:
    return sum(count for b, count in links[a].items() if b != a)


def _ei(external: int, internal: int) -> float | None:
    total = external + internal
    return (external - internal) / total if total else None


def _density(actors: dict, links: dict) -> dict:
    density = {}
    for a in SECTORS:
        density[a] = {}
        for b in SECTORS:
            pairs = actors[a] * (actors[a] - 1) // 2 if a == b else actors[a] * actors[b]
            density[a][b] = links[a][b] / pairs if pairs else None
    return density
