"""Server-side placement for maps too large for the browser's physics, and the aggregated view.

`sector_layout` is O(n log n): each sector gets its own disc on a circle of sectors, and inside it
the actors lie on a sunflower (Vogel) spiral, best connected in the middle. Nothing is iterated,
so 10,000 actors are placed in milliseconds and the browser only has to draw them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping

import networkx as nx

from mapper.model import Sector

__all__ = ["aggregate", "sector_layout"]

_GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
_SECTOR_ORDER = [sector.value for sector in Sector]


def sector_layout(
    G: nx.Graph, scores: Mapping[Hashable, float] | None = None, *, spacing: float = 30.0
) -> dict[Hashable, tuple[float, float]]:
    """Positions for every node of `G`: one disc per `sector`, highest `scores` (degree) inside.

    >>> G = nx.Graph([("a", "b")])
    >>> nx.set_node_attributes(G, {"a": "public", "b": "academia"}, "sector")
    >>> sorted(sector_layout(G))
    ['a', 'b']
    """
    scores = scores if scores is not None else dict(G.degree())
    members = _by_sector(G)
    radii = {sector: spacing * math.sqrt(len(nodes)) for sector, nodes in members.items()}
    centres = _sector_centres(radii, spacing)
    positions: dict[Hashable, tuple[float, float]] = {}
    for sector, nodes in members.items():
        ranked = sorted(nodes, key=lambda node: (-scores.get(node, 0), str(node)))
        cx, cy = centres[sector]
        for rank, node in enumerate(ranked):
            radius, angle = spacing * math.sqrt(rank + 0.5), rank * _GOLDEN_ANGLE
            positions[node] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    return positions


def _by_sector(G: nx.Graph) -> dict[str, list[Hashable]]:
    members: dict[str, list[Hashable]] = defaultdict(list)
    for node, sector in G.nodes(data="sector"):
        members[str(sector)].append(node)
    order = {sector: index for index, sector in enumerate(_SECTOR_ORDER)}
    return dict(sorted(members.items(), key=lambda item: (order.get(item[0], 99), item[0])))


def _sector_centres(radii: Mapping[str, float], spacing: float) -> dict[str, tuple[float, float]]:
    """Centres on a circle wide enough that neighbouring discs do not overlap."""
    if len(radii) <= 1:
        return dict.fromkeys(radii, (0.0, 0.0))
    largest = max(radii.values())
    ring = (2 * largest + 4 * spacing) / (2 * math.sin(math.pi / len(radii)))
    return {
        sector: (
            ring * math.cos(2 * math.pi * index / len(radii) - math.pi / 2),
            ring * math.sin(2 * math.pi * index / len(radii) - math.pi / 2),
        )
        for index, sector in enumerate(radii)
    }


def aggregate(G: nx.Graph) -> nx.Graph:
    """One node per (sector, region) with `count` actors; edges with `links` between the groups.

    Actors without a region form the group (sector, None).

    >>> G = nx.Graph([("a", "b"), ("a", "c")])
    >>> nx.set_node_attributes(G, {"a": "public", "b": "public", "c": "academia"}, "sector")
    >>> nx.set_node_attributes(G, {"a": "Skåne län", "b": "Skåne län"}, "region")
    >>> H = aggregate(G)
    >>> H.nodes[("public", "Skåne län")]["count"], H[("public", "Skåne län")][("academia", None)]
    (2, {'links': 1})
    """
    group = {node: (data.get("sector"), data.get("region")) for node, data in G.nodes(data=True)}
    H = nx.Graph()
    for key, count in sorted(Counter(group.values()).items(), key=lambda item: str(item[0])):
        H.add_node(key, sector=key[0], region=key[1], count=count)
    links: Counter[tuple] = Counter()
    for u, v in G.edges():
        a, b = group[u], group[v]
        if a != b:
            links[tuple(sorted((a, b), key=str))] += 1
    for (a, b), count in links.items():
        H.add_edge(a, b, links=count)
    return H
