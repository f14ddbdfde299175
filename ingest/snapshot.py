"""Records back out of a snapshot graph, the input of every export."""

from __future__ import annotations

import networkx as nx

from mapper.model import Actor, Batch, Collaboration, Relation

__all__ = ["batch_from_graph", "record_kinds"]


def record_kinds(G: nx.MultiDiGraph) -> dict[str, str]:
    """Every id in a snapshot graph and its kind, "actor" or "collaboration": the `known_ids`
    to validate seed files that point at records already in the store.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("msi", node_type="actor")
    >>> record_kinds(G)
    {'msi': 'actor'}
    """
    return {node: kind for node, kind in G.nodes(data="node_type", default="actor")}


def batch_from_graph(G: nx.MultiDiGraph) -> Batch:
    """The actors, collaborations and relations of a snapshot graph, nodes and edges in order.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("msi", node_type="actor", id="msi", name="MSI", sector="academia")
    >>> batch_from_graph(G).actors[0].sector.value
    'academia'
    """
    actors, collaborations = [], []
    for _, attributes in G.nodes(data=True):
        fields = {name: value for name, value in attributes.items() if name != "node_type"}
        if attributes.get("node_type") == "collaboration":
            collaborations.append(Collaboration.model_validate(fields))
        else:
            actors.append(Actor.model_validate(fields))
    relations = [Relation.model_validate(fields) for _, _, fields in G.edges(data=True)]
    return Batch(actors=actors, collaborations=collaborations, relations=relations)
