"""Paths and connections: how two actors, or two sectors, are joined in the actor graph."""

from __future__ import annotations

from itertools import islice, pairwise, takewhile

import networkx as nx
import numpy as np

from mapper.analysis._shared import ALL_SECTORS, SECTORS, check_count, check_sector, sectors_of
from mapper.analysis.compact import CompactGraph
from mapper.errors import ActorNotFound

__all__ = ["connections", "shortest_paths"]


def shortest_paths(G, source: str, target: str, *, k: int = 3, max_hops: int = 4) -> list[list]:
    """Up to `k` shortest simple paths from `source` to `target`, none longer than `max_hops` links.

    Paths are counted in links (hops), shortest first (networkx `shortest_simple_paths` on the
    part of `G` such paths can pass, the actors v with d(source, v) + d(v, target) <= max_hops,
    taken in id order; that order decides between paths of the same length). Each
    path is a list of steps `{actor, name, sector, via}`; `via` is None for the first step and,
    for every later one, `{collaborations, relations}`: what links it to the previous actor (the
    shared collaboration ids and the keys of the direct relations, which start with the type).
    No path within `max_hops` gives `[]`. Raises ActorNotFound for an unknown actor, ValueError
    for `k` or `max_hops` below 1.

    >>> G = nx.Graph()
    >>> G.add_node("kth", name="KTH", sector="academia")
    >>> G.add_node("vinnova", name="Vinnova", sector="public")
    >>> G.add_edge("kth", "vinnova", collaborations=["lab"], relations=[])
    >>> [step["actor"] for step in shortest_paths(G, "kth", "vinnova")[0]]
    ['kth', 'vinnova']
    >>> shortest_paths(G, "kth", "vinnova")[0][1]["via"]
    {'collaborations': ['lab'], 'relations': []}
    """
    check_count("k", k)
    check_count("max_hops", max_hops)
    for actor in (source, target):
        if actor not in G:
            raise ActorNotFound(actor)
    if isinstance(G, CompactGraph):
        H = _compact_near(G, source, target, max_hops)
        steps = _compact_steps
    else:
        H, steps = _near(G, source, target, max_hops), _steps
    if H is None:
        return []
    found = nx.shortest_simple_paths(H, source, target)
    short = takewhile(lambda path: len(path) - 1 <= max_hops, found)
    return [steps(G, path) for path in islice(short, k)]


def _ordered(nodes, links) -> nx.Graph:
    """A graph of `nodes` and `links` added in sorted order, so that its adjacency is sorted."""
    H = nx.Graph()
    H.add_nodes_from(sorted(nodes, key=str))
    H.add_edges_from(sorted((min(u, v, key=str), max(u, v, key=str)) for u, v in links))
    return H


def _near(G, source, target, max_hops: int) -> nx.Graph | None:
    """The actors a path of at most `max_hops` links from `source` to `target` can pass."""
    before = nx.single_source_shortest_path_length(G, source, cutoff=max_hops)
    after = nx.single_source_shortest_path_length(G, target, cutoff=max_hops)
    near = {v for v, d in before.items() if v in after and d + after[v] <= max_hops}
    if not near:
        return None
    return _ordered(near, ((u, v) for u, v in G.subgraph(near).edges() if u != v))


def connections(G, sector_a: str, sector_b: str, *, limit: int | None = 50) -> dict:
    """The links joining `sector_a` and `sector_b` (the same sector: links within it).

    Ranked by weight, highest first, then by the two ids. Each link:
    `{actors: [{actor, name, sector}, {...}], weight, collaborations, relations}`, the actor in
    `sector_a` first (within a sector: the smaller id first). Returns `{sectors, total, links}`
    where `total` counts all such links and `links` holds at most `limit` (None: all). Raises
    ValueError for an unknown sector or a `limit` below 1.

    >>> G = nx.Graph()
    >>> G.add_node("kth", name="KTH", sector="academia")
    >>> G.add_node("vinnova", name="Vinnova", sector="public")
    >>> G.add_edge("kth", "vinnova", weight=2, collaborations=["lab"], relations=[])
    >>> result = connections(G, "public", "academia")
    >>> result["total"], [actor["actor"] for actor in result["links"][0]["actors"]]
    (1, ['vinnova', 'kth'])
    """
    sector_a, sector_b = check_sector(sector_a, "sector_a"), check_sector(sector_b, "sector_b")
    if limit is not None:
        check_count("limit", limit)
    if isinstance(G, CompactGraph):
        return _compact_connections(G, sector_a, sector_b, limit)
    sector = sectors_of(G)
    links = []
    for u, v, data in G.edges(data=True):
        if {sector[u], sector[v]} == {sector_a, sector_b} and u != v:
            first, second = sorted((u, v)) if sector_a == sector_b else (u, v)
            if sector[first] != sector_a:
                first, second = second, first
            links.append(_link(G, first, second, data))
    links.sort(key=lambda link: (-link["weight"], *(actor["actor"] for actor in link["actors"])))
    return {"sectors": [sector_a, sector_b], "total": len(links), "links": links[:limit]}


def _actor(G, node) -> dict:
    return {"actor": node, "name": G.nodes[node].get("name"), "sector": G.nodes[node].get("sector")}


def _via(data: dict) -> dict:
    return {
        "collaborations": list(data.get("collaborations", [])),
        "relations": list(data.get("relations", [])),
    }


def _steps(G, path: list) -> list[dict]:
    steps = [{**_actor(G, path[0]), "via": None}]
    for previous, node in pairwise(path):
        steps.append({**_actor(G, node), "via": _via(G[previous][node])})
    return steps


def _link(G, first, second, data: dict) -> dict:
    return {
        "actors": [_actor(G, first), _actor(G, second)],
        "weight": data.get("weight", 1),
        **_via(data),
    }


# -- on a CompactGraph: the same answers; what makes up a link comes from its provenance --------


def _compact_actor(G: CompactGraph, i: int) -> dict:
    name = G.names[i] if G.names is not None else None
    return {"actor": str(G.ids[i]), "name": name, "sector": ALL_SECTORS[G.sectors[i]]}


def _compact_via(G: CompactGraph, u: int, v: int) -> dict:
    if G.provenance is None:
        return {"collaborations": [], "relations": []}
    return G.provenance.via(u, v)


def _compact_connections(G: CompactGraph, sector_a: str, sector_b: str, limit) -> dict:
    a, b = SECTORS.index(sector_a), SECTORS.index(sector_b)
    u, v, w = G.links()  # u < v, and ids are sorted: the smaller id first
    su, sv = G.sectors[u], G.sectors[v]
    match = ((su == a) & (sv == b)) | ((su == b) & (sv == a))
    u, v, w = u[match], v[match], w[match]
    if a != b:  # the actor in sector_a first
        flip = G.sectors[u] != a
        u, v = np.where(flip, v, u), np.where(flip, u, v)
    order = np.lexsort((v, u, -w.astype(np.int64)))[:limit]
    links = [
        {
            "actors": [_compact_actor(G, int(u[i])), _compact_actor(G, int(v[i]))],
            "weight": int(w[i]),
            **_compact_via(G, int(u[i]), int(v[i])),
        }
        for i in order.tolist()
    ]
    return {"sectors": [sector_a, sector_b], "total": int(match.sum()), "links": links}


def _compact_near(G: CompactGraph, source: str, target: str, max_hops: int) -> nx.Graph | None:
    """`_near` on a CompactGraph: breadth-first distances from both ends by scipy."""
    from scipy.sparse.csgraph import dijkstra  # imported when first needed: 0.1 s

    ends = [G.index(source), G.index(target)]
    distance = dijkstra(G.weights, directed=False, indices=ends, unweighted=True, limit=max_hops)
    near = np.flatnonzero(distance[0] + distance[1] <= max_hops)
    if len(near) == 0:
        return None
    part = G.weights[near][:, near].tocoo()
    upper = part.row < part.col
    ids = G.ids[near]
    return _ordered(ids.tolist(), zip(ids[part.row[upper]], ids[part.col[upper]], strict=True))


def _compact_steps(G: CompactGraph, path: list[str]) -> list[dict]:
    index = [G.index(actor) for actor in path]
    steps = [{**_compact_actor(G, index[0]), "via": None}]
    for previous, node in pairwise(index):
        steps.append({**_compact_actor(G, node), "via": _compact_via(G, previous, node)})
    return steps
