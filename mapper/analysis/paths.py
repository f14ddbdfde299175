"""Paths and connections: how two actors, or two sectors, are joined in the actor graph."""

from __future__ import annotations

from itertools import islice, pairwise, takewhile

import networkx as nx

from mapper.analysis._shared import check_count, check_sector, sectors_of
from mapper.errors import ActorNotFound

__all__ = ["connections", "shortest_paths"]


def shortest_paths(G, source: str, target: str, *, k: int = 3, max_hops: int = 4) -> list[list]:
    """Up to `k` shortest simple paths from `source` to `target`, none longer than `max_hops` links.

    Paths are counted in links (hops), shortest first (networkx `shortest_simple_paths`). Each
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
    try:
        found = nx.shortest_simple_paths(G, source, target)
        short = takewhile(lambda path: len(path) - 1 <= max_hops, found)
        return [_steps(G, path) for path in islice(short, k)]
    except nx.NetworkXNoPath:
        return []


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
