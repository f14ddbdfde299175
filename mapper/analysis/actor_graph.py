"""The actor graph: which actors are linked, and by what; every other analysis runs on it.

Definition. Given a store snapshot `G`, the actor graph is an undirected simple graph:

- Its nodes are the kept actors (all actors, unless `region` is given), with the attributes
  `sector`, `name`, `region`, `kinds` and `subsector` copied from the snapshot, plus `funders`:
  the sorted ids of the actors with a FUNDS relation to this actor (within the years, if given;
  whatever `relation_types` says).
- An actor *takes part* in a collaboration when it has a PARTICIPATES_IN or a FUNDS relation to
  it. With `shared_collaborations=True`, two actors are linked by every kept collaboration they
  both take part in.
- Two actors are also linked by every direct actor -> actor relation between them whose type is
  in `relation_types` (default: COLLABORATES_WITH, FUNDS, PART_OF, MEMBER_OF), in either direction.
- A link's `weight` = (number of shared collaborations) + (number of direct relations), so
  `weight == len(collaborations) + len(relations)`. Edge attributes: `weight`, `collaborations`
  (sorted collaboration ids), `relations` (sorted `Relation.key` strings, which start with the
  type) and `distance` = 1 / weight, for path algorithms that read an attribute as a length.

Filters:

- `year_from`/`year_to` keep a collaboration when its period overlaps [year_from, year_to] (a
  start without an end counts as the start year, as in `Collaboration.active_in`), and a direct
  relation when its period overlaps it (period: `start`..`end`, else its `year`). Undated
  collaborations and relations are always kept.
- `region` (a county, e.g. "Skåne län"; any form `normalise_region` accepts) keeps only the
  collaborations in that county, and only the actors located in it or taking part in a kept
  collaboration. Links join kept actors only.
- `attributes` (e.g. `{"subsector": "municipality"}`, from `Scope.actor_attributes()`) keeps only
  the actors whose field of each name has the value, after the region.

Kept actors without links are nodes of degree 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

import networkx as nx

from mapper.analysis._shared import (
    check_region,
    check_relation_types,
    check_years,
    collaboration_period,
    overlaps,
    relation_period,
)
from mapper.memory import paused_gc

__all__ = ["actor_graph"]

_TAKES_PART = {"PARTICIPATES_IN", "FUNDS"}
_NODE_FIELDS = ("sector", "name", "region", "kinds", "subsector", "country")


def actor_graph(
    G,
    *,
    relation_types: Iterable[str] | None = None,
    shared_collaborations: bool = True,
    region: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    attributes: Mapping[str, Any] | None = None,
    with_partners: bool = False,
) -> nx.Graph:
    """Return the actor graph of the snapshot `G` (see the module docstring).

    `relation_types=None` means all of ACTOR_RELATION_TYPES. `attributes` keeps only the actors
    whose field of each name has that value, e.g. `{"subsector": "municipality"}`;
    `with_partners` adds every actor linked to one of those, and the links among all. Raises
    InvalidParameter for a relation type that is not one of ACTOR_RELATION_TYPES, a region that
    is not a county, or `year_from` after `year_to`.

    >>> from mapper.model import Actor, Collaboration, Relation
    >>> from mapper.stores.common import build_snapshot
    >>> G = build_snapshot(
    ...     [Actor(id="kth", name="KTH", sector="academia"),
    ...      Actor(id="vinnova", name="Vinnova", sector="public"),
    ...      Actor(id="coompanion", name="Coompanion", sector="civil_society")],
    ...     [Collaboration(id="lab", name="Lab", kind="project", start="2019")],
    ...     [Relation(type="PARTICIPATES_IN", source="kth", target="lab"),
    ...      Relation(type="FUNDS", source="vinnova", target="lab", year=2019),
    ...      Relation(type="FUNDS", source="vinnova", target="kth", year=2020)])
    >>> A = actor_graph(G)
    >>> A["kth"]["vinnova"]["collaborations"], A["kth"]["vinnova"]["relations"]
    (['lab'], ['FUNDS:vinnova->kth@2020'])
    >>> A["kth"]["vinnova"]["weight"], A.degree("coompanion"), A.nodes["kth"]["funders"]
    (2, 0, ['vinnova'])
    >>> actor_graph(G, year_to=2019)["kth"]["vinnova"]["weight"]
    1
    """
    types = check_relation_types(relation_types)
    county = check_region(region)
    check_years(year_from, year_to)
    with paused_gc():
        A = _build(G, types, county, shared_collaborations, year_from, year_to)
        return _with_attributes(A, attributes or {}, with_partners)


def _with_attributes(A: nx.Graph, attributes: Mapping[str, Any], with_partners: bool) -> nx.Graph:
    """The actor graph `A` of the actors whose fields have the `attributes`' values (and, with
    partners, of every actor linked to one of those), in `A`'s order."""
    if not attributes:
        return A
    nodes = A.nodes
    chosen = {a for a in A if all(nodes[a].get(n) == v for n, v in attributes.items())}
    if with_partners:
        chosen |= {other for actor in chosen for other in A[actor]}
    H = nx.Graph()
    H.add_nodes_from((actor, nodes[actor]) for actor in A if actor in chosen)
    H.add_edges_from((u, v, d) for u, v, d in A.edges(data=True) if u in chosen and v in chosen)
    return H


def _build(G, types, county, shared_collaborations, year_from, year_to) -> nx.Graph:
    actors = {node for node, kind in G.nodes(data="node_type") if kind == "actor"}
    collaborations = _kept_collaborations(G, county, year_from, year_to)
    participants = _participants(G, actors, collaborations)
    kept = _kept_actors(G, actors, participants, county)
    links = _direct_links(G, kept, types, year_from, year_to)
    if shared_collaborations:
        links = _shared_links(participants, kept, links)
    funders = _funders(G, kept, year_from, year_to)
    A = nx.Graph()
    nodes = G.nodes
    A.add_nodes_from(
        (
            actor,
            {field: _copy(nodes[actor].get(field)) for field in _NODE_FIELDS}
            | {"funders": funders.get(actor, [])},
        )
        for actor in sorted(kept)
    )
    A.add_edges_from(
        (
            u,
            v,
            {
                "weight": len(shared) + len(relations),
                "distance": 1 / (len(shared) + len(relations)),
                "collaborations": sorted(shared),
                "relations": sorted(relations),
            },
        )
        for (u, v), (shared, relations) in sorted(links.items())
    )
    return A


def _copy(value):
    """A list attribute (kinds) copied, so that changing the actor graph leaves G alone."""
    return list(value) if isinstance(value, list) else value


def _kept_collaborations(G, county, year_from, year_to) -> set[str]:
    return {
        node
        for node, data in G.nodes(data=True)
        if data.get("node_type") == "collaboration"
        and (county is None or data.get("region") == county)
        and overlaps(collaboration_period(data), year_from, year_to)
    }


def _participants(G, actors, collaborations) -> dict[str, set[str]]:
    participants = defaultdict(set)
    for u, v, kind in G.edges(data="type"):
        if kind in _TAKES_PART and u in actors and v in collaborations:
            participants[v].add(u)
    return dict(sorted(participants.items()))


def _direct_links(G, kept, types, year_from, year_to) -> dict:
    """(u, v) with u < v -> ([], [relation keys]) for the kept direct relations."""
    links = defaultdict(lambda: ([], []))
    for u, v, key, data in G.edges(keys=True, data=True):
        direct = u in kept and v in kept and u != v and data.get("type") in types
        if direct and overlaps(relation_period(data), year_from, year_to):
            links[min(u, v), max(u, v)][1].append(key)
    return links


def _shared_links(participants, kept, links) -> dict:
    """Add each kept collaboration to the links of every pair of its kept participants."""
    for collaboration, members in participants.items():
        for u, v in combinations(sorted(members & kept), 2):
            links[u, v][0].append(collaboration)
    return links


def _funders(G, kept, year_from, year_to) -> dict[str, list[str]]:
    """Kept actor -> sorted ids of the actors that fund it directly (within the years)."""
    funders = defaultdict(set)
    for u, v, data in G.edges(data=True):
        funds = v in kept and u != v and data.get("type") == "FUNDS"
        if funds and overlaps(relation_period(data), year_from, year_to):
            funders[v].add(u)
    return {actor: sorted(ids) for actor, ids in funders.items()}


def _kept_actors(G, actors, participants, county) -> set[str]:
    if county is None:
        return set(actors)
    located = {actor for actor in actors if G.nodes[actor].get("region") == county}
    return located.union(*participants.values())
