"""Partner suggestions: actors in other sectors that an actor is not yet linked to, and why."""

from __future__ import annotations

import math

import networkx as nx

from mapper.analysis._shared import check_count
from mapper.errors import ActorNotFound, InvalidParameter

__all__ = ["suggest_partners"]


def suggest_partners(
    G,
    actor_id: str,
    *,
    k: int = 10,
    region_weight: float = 0.5,
    funder_weight: float = 0.5,
) -> list[dict]:
    """The `k` best-scoring actors in other sectors that `actor_id` is not linked to in `G`.

    `G` is the actor graph; its nodes' `funders` attribute (the actors that fund each actor
    directly, set by `actor_graph`) supplies the shared funders. For a candidate c:

        score = adamic_adar(actor, c) + region_weight·[same region, both known]
                + funder_weight·|funders(actor) ∩ funders(c)|

    where adamic_adar is the sum over common neighbours z of 1 / log(degree(z)) (networkx
    `adamic_adar_index`). Each suggestion: `{actor, name, sector, score, parts: {adamic_adar,
    shared_region, shared_funders}, common_neighbours, shared_funders}`; the parts add up to the
    score. Highest score first, ties by id; candidates scoring 0 are left out. Raises
    ActorNotFound for an unknown actor, ValueError for `k` below 1 or a negative weight.

    >>> G = nx.Graph()
    >>> G.add_node("kth", sector="academia", region="Stockholms län", funders=["vinnova"])
    >>> G.add_node("impact-hub", sector="civil_society", region=None, funders=[])
    >>> G.add_node("ikea", sector="private", region="Stockholms län", funders=["vinnova"])
    >>> G.add_edges_from([("kth", "impact-hub"), ("impact-hub", "ikea")])
    >>> [suggestion] = suggest_partners(G, "kth")
    >>> suggestion["actor"], suggestion["parts"]["shared_region"], suggestion["shared_funders"]
    ('ikea', 0.5, ['vinnova'])
    >>> suggestion["common_neighbours"], round(suggestion["score"], 3)
    (['impact-hub'], 2.443)
    """
    if actor_id not in G:
        raise ActorNotFound(actor_id)
    check_count("k", k)
    for name, value in (("region_weight", region_weight), ("funder_weight", funder_weight)):
        if not (math.isfinite(value) and value >= 0):
            raise InvalidParameter(name, f"must be a number >= 0, got {value!r}")
    candidates = [
        node
        for node in G
        if node != actor_id
        and node not in G[actor_id]
        and G.nodes[node].get("sector") != G.nodes[actor_id].get("sector")
    ]
    two_steps = {node for neighbour in G[actor_id] for node in G[neighbour]}
    pairs = [(actor_id, candidate) for candidate in candidates if candidate in two_steps]
    adamic_adar = {candidate: score for _, candidate, score in nx.adamic_adar_index(G, pairs)}
    suggestions = [
        _suggestion(
            G, actor_id, candidate, adamic_adar.get(candidate, 0.0), region_weight, funder_weight
        )
        for candidate in candidates
    ]
    suggestions = [suggestion for suggestion in suggestions if suggestion["score"] > 0]
    suggestions.sort(key=lambda suggestion: (-suggestion["score"], suggestion["actor"]))
    return suggestions[:k]


def _suggestion(G, actor_id, candidate, adamic_adar, region_weight, funder_weight) -> dict:
    own, other = G.nodes[actor_id], G.nodes[candidate]
    same_region = own.get("region") is not None and own.get("region") == other.get("region")
    funders = sorted(set(own.get("funders") or ()) & set(other.get("funders") or ()))
    parts = {
        "adamic_adar": float(adamic_adar),
        "shared_region": float(region_weight) if same_region else 0.0,
        "shared_funders": float(funder_weight * len(funders)),
    }
    return {
        "actor": candidate,
        "name": other.get("name"),
        "sector": other.get("sector"),
        "score": sum(parts.values()),
        "parts": parts,
        "common_neighbours": sorted(nx.common_neighbors(G, actor_id, candidate))
        if adamic_adar
        else [],
        "shared_funders": funders,
    }
