"""Partner suggestions: actors in other sectors that an actor is not yet linked to, and why."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import scipy.sparse as sp

from mapper.analysis._shared import ALL_SECTORS, check_count
from mapper.analysis.compact import CompactGraph
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
    if isinstance(G, CompactGraph):
        return _compact_suggestions(G, G.index(actor_id), k, region_weight, funder_weight)
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
    # rounded, so that float noise in the sums breaks no tie (as on a CompactGraph)
    suggestions.sort(key=lambda suggestion: (-round(suggestion["score"], 12), suggestion["actor"]))
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


def _compact_suggestions(G: CompactGraph, i: int, k, region_weight, funder_weight) -> list[dict]:
    """The same scores with sparse products: Adamic-Adar as (1/log d over i's neighbours)·A,
    shared funders as F·F[i]ᵀ; a candidate's common neighbours are summed in id order."""
    A = G.weights
    neighbours = A.indices[A.indptr[i] : A.indptr[i + 1]]
    degree = G.degree
    linked = sp.csr_array((np.ones(A.nnz), A.indices, A.indptr), shape=A.shape)
    inverse_log = np.zeros(len(G))
    common = neighbours[degree[neighbours] >= 2]  # only those can be a common neighbour
    inverse_log[common] = 1 / np.log(degree[common])
    adamic_adar = linked @ inverse_log  # symmetric: row c sums over c's neighbours
    same_region = np.zeros(len(G), dtype=bool)
    if G.regions[i] is not None:
        same_region = G.regions == G.regions[i]
    F = G.provenance.funders if G.provenance is not None else sp.csr_array((len(G), 1))
    shared = F @ F[[i]].T.toarray().ravel() if F.shape[1] else np.zeros(len(G))
    score = adamic_adar + region_weight * same_region + funder_weight * shared
    candidate = G.sectors != G.sectors[i]
    candidate[neighbours] = False
    candidate[i] = False
    chosen = np.flatnonzero(candidate & (score > 0))
    order = np.lexsort((chosen, -np.round(score[chosen], 12)))[:k]
    return [
        _compact_suggestion(G, i, int(c), adamic_adar[c] > 0, region_weight, funder_weight)
        for c in chosen[order].tolist()
    ]


def _compact_suggestion(G: CompactGraph, i, c, common, region_weight, funder_weight) -> dict:
    A = G.weights
    mine = A.indices[A.indptr[i] : A.indptr[i + 1]]
    both = np.intersect1d(mine, A.indices[A.indptr[c] : A.indptr[c + 1]]) if common else []
    adamic_adar = sum(1 / math.log(int(G.degree[z])) for z in both)
    same_region = G.regions[i] is not None and G.regions[i] == G.regions[c]
    funders = []
    if G.provenance is not None:
        funders = sorted(set(G.provenance.funders_of(i)) & set(G.provenance.funders_of(c)))
    parts = {
        "adamic_adar": float(adamic_adar),
        "shared_region": float(region_weight) if same_region else 0.0,
        "shared_funders": float(funder_weight * len(funders)),
    }
    return {
        "actor": str(G.ids[c]),
        "name": G.names[c] if G.names is not None else None,
        "sector": ALL_SECTORS[G.sectors[c]],
        "score": sum(parts.values()),
        "parts": parts,
        "common_neighbours": sorted(G.ids[both].tolist()) if len(both) else [],
        "shared_funders": funders,
    }
