"""The GraphStore protocol, the one contract of the embedded and the Neo4j store.

Semantics both stores keep:

- Upsert replaces a record as a whole (sources included); the same record twice is `unchanged`.
- A relation's identity is `Relation.key`: (type, source, target, role, year).
- `apply(batch)` is all or nothing. Relations must point at ids that exist in the batch or the
  store, with the right record type: PARTICIPATES_IN actor -> collaboration; PART_OF, MEMBER_OF,
  COLLABORATES_WITH actor -> actor; FUNDS actor -> actor or collaboration.
- An id names one actor or one collaboration, never both.
- Deleting an actor or a collaboration deletes every relation that touches it (detach delete).
- `snapshot()` is a `networkx.MultiDiGraph`: one node per actor (`node_type="actor"`) and per
  collaboration (`node_type="collaboration"`) with the record's fields as attributes, and one edge
  per relation, keyed by `Relation.key`, with `type` and the relation's fields as attributes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import networkx as nx

from mapper._gc import paused_gc
from mapper.errors import InvalidBatch, UnknownReference
from mapper.model import (
    Actor,
    AnalysisRows,
    ApplyReport,
    Batch,
    Collaboration,
    Relation,
    RelationType,
    Sector,
)

__all__ = [
    "Counts",
    "GraphStore",
    "Page",
    "StoredRecordInvalid",
    "build_snapshot",
    "check_batch",
    "referenced_ids",
    "search_text",
    "snapshot_from_json",
]


@dataclass
class Page:
    """One page of a listing and the total number of matches."""

    items: list[Any]
    total: int


@dataclass
class Counts:
    """How much is in a store."""

    actors: int = 0
    collaborations: int = 0
    relations: int = 0
    actors_by_sector: dict[str, int] = field(default_factory=dict)
    actors_by_kind: dict[str, int] = field(default_factory=dict)
    collaborations_by_kind: dict[str, int] = field(default_factory=dict)
    relations_by_type: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class GraphStore(Protocol):
    """Where the ecosystem lives. Implemented by EmbeddedStore and Neo4jStore."""

    location: str

    def apply(self, batch: Batch) -> ApplyReport:
        """Write a whole batch, all or nothing. Raises InvalidBatch (UnknownReference)."""
        ...

    def upsert_actor(self, actor: Actor) -> ApplyReport: ...

    def upsert_collaboration(self, collaboration: Collaboration) -> ApplyReport: ...

    def upsert_relation(self, relation: Relation) -> ApplyReport:
        """Raises UnknownReference when an end is missing."""
        ...

    def get_actor(self, actor_id: str) -> Actor:
        """Raises ActorNotFound."""
        ...

    def get_actors(self, actor_ids: Iterable[str]) -> list[Actor]:
        """The stored actors among `actor_ids`, in that order (ids not stored are left out)."""
        ...

    def get_collaboration(self, collaboration_id: str) -> Collaboration:
        """Raises CollaborationNotFound."""
        ...

    def get_relation(self, key: str) -> Relation:
        """Raises RelationNotFound."""
        ...

    def delete_actor(self, actor_id: str) -> int:
        """Delete an actor and its relations; return the number of relations removed.

        Raises ActorNotFound."""
        ...

    def delete_collaboration(self, collaboration_id: str) -> int:
        """Delete a collaboration and its relations; return the number of relations removed.

        Raises CollaborationNotFound."""
        ...

    def delete_relation(self, key: str) -> None:
        """Raises RelationNotFound."""
        ...

    def clear(self) -> None:
        """Delete everything."""
        ...

    def list_actors(
        self,
        *,
        sector: Sector | None = None,
        kind: str | None = None,
        region: str | None = None,
        q: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Page:
        """Actors ordered by id. `q` matches name, English name or alias, case-insensitively."""
        ...

    def list_collaborations(
        self,
        *,
        kind: str | None = None,
        region: str | None = None,
        year: int | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Page:
        """Collaborations ordered by id; `year` keeps those active that year (undated: never)."""
        ...

    def list_relations(
        self,
        *,
        type: RelationType | None = None,
        source: str | None = None,
        target: str | None = None,
    ) -> list[Relation]:
        """Relations ordered by key."""
        ...

    def neighbours(self, actor_id: str, *, depth: int = 1) -> dict[str, int]:
        """Actors within `depth` steps of an actor, with their distance.

        One step is a direct relation between two actors or a collaboration both take part in.
        Raises ActorNotFound."""
        ...

    def counts(self) -> Counts: ...

    def snapshot(self) -> nx.MultiDiGraph:
        """The whole graph as networkx: the reference input of the analyses, and exports."""
        ...

    def analysis_rows(self) -> tuple[int, AnalysisRows]:
        """(generation, the store as plain columns) from one consistent read: what the compact
        analysis graph is built from, without record models."""
        ...

    def generation(self) -> int:
        """A number that changes with every committed write."""
        ...

    def close(self) -> None: ...


def search_text(actor: Actor) -> str:
    """What a name search (`q`) looks in: name, English name and aliases, case-folded."""
    return "\n".join([actor.name, actor.name_en or "", *actor.aliases]).casefold()


def referenced_ids(batch: Batch) -> set[str]:
    """Every id a batch's relations point at."""
    return {end for relation in batch.relations for end in (relation.source, relation.target)}


def check_batch(
    batch: Batch, stored_actors: Iterable[str], stored_collaborations: Iterable[str]
) -> None:
    """Raise InvalidBatch unless every relation of `batch` points at the right kind of record.

    `stored_actors` and `stored_collaborations` are the ids already in the store (at least those
    among `referenced_ids(batch)` and the batch's own ids).
    """
    actor_ids = set(stored_actors) | {actor.id for actor in batch.actors}
    collaboration_ids = set(stored_collaborations) | {c.id for c in batch.collaborations}
    both = actor_ids & collaboration_ids
    if both:
        raise InvalidBatch(
            f"id {sorted(both)[0]!r} would name both an actor and a collaboration; "
            "ids must be unique across both; nothing was written"
        )
    for relation in batch.relations:
        if relation.source not in actor_ids:
            raise UnknownReference(relation.key, "source", relation.source, "actor")
        wants_collaboration = relation.target_is_collaboration
        if wants_collaboration is None:
            if relation.target not in actor_ids and relation.target not in collaboration_ids:
                raise UnknownReference(
                    relation.key, "target", relation.target, "actor or collaboration"
                )
        elif wants_collaboration and relation.target not in collaboration_ids:
            raise UnknownReference(relation.key, "target", relation.target, "collaboration")
        elif not wants_collaboration and relation.target not in actor_ids:
            raise UnknownReference(relation.key, "target", relation.target, "actor")


def node_attributes(record: Actor | Collaboration) -> dict[str, Any]:
    """The snapshot attributes of an actor or collaboration node."""
    attributes = record.model_dump(mode="json")
    attributes["node_type"] = "actor" if isinstance(record, Actor) else "collaboration"
    return attributes


def edge_attributes(relation: Relation) -> dict[str, Any]:
    """The snapshot attributes of a relation edge."""
    return relation.model_dump(mode="json")


def build_snapshot(
    actors: Iterable[Actor],
    collaborations: Iterable[Collaboration],
    relations: Iterable[Relation],
) -> nx.MultiDiGraph:
    """Build the snapshot graph both stores return, from records."""
    with paused_gc():
        G = nx.MultiDiGraph()
        for record in (*actors, *collaborations):
            G.add_node(record.id, **node_attributes(record))
        for relation in relations:
            G.add_edge(
                relation.source, relation.target, key=relation.key, **edge_attributes(relation)
            )
    return G


class StoredRecordInvalid(ValueError):
    """A stored record that is not the JSON of a record; the stores report it as StoreCorrupt."""


_SECTORS = frozenset(sector.value for sector in Sector)
_RELATION_TYPES = frozenset(relation_type.value for relation_type in RelationType)


def snapshot_from_json(
    actors: Iterable[str],
    collaborations: Iterable[str],
    relations: Iterable[tuple[str, str]],
) -> nx.MultiDiGraph:
    """`build_snapshot`'s graph, straight from the stored JSON records (`model_dump_json`).

    Records were validated when they were written, and a record's JSON is exactly its snapshot
    attributes, so reading them back skips the models: five times faster at 1M relations.
    `relations` are (key, JSON) pairs. Each record is checked for the fields the graph is built
    on; anything else raises StoredRecordInvalid.

    >>> a = Actor(id="kth", name="KTH", sector="academia")
    >>> c = Collaboration(id="lab", name="Lab", kind="project")
    >>> r = Relation(type="PARTICIPATES_IN", source="kth", target="lab")
    >>> fast = snapshot_from_json(
    ...     [a.model_dump_json()], [c.model_dump_json()], [(r.key, r.model_dump_json())])
    >>> slow = build_snapshot([a], [c], [r])
    >>> list(fast.nodes(data=True)) == list(slow.nodes(data=True))
    True
    >>> list(fast.edges(keys=True, data=True)) == list(slow.edges(keys=True, data=True))
    True
    """
    loads = json.loads
    with paused_gc():
        nodes = []
        for text in actors:
            attributes = _stored(loads, text, "actor", ("id", "name"))
            if attributes.get("sector") not in _SECTORS:
                raise StoredRecordInvalid(f"stored actor {attributes['id']!r} has no valid sector")
            attributes["node_type"] = "actor"
            nodes.append((attributes["id"], attributes))
        for text in collaborations:
            attributes = _stored(loads, text, "collaboration", ("id", "name", "kind"))
            attributes["node_type"] = "collaboration"
            nodes.append((attributes["id"], attributes))
        edges = []
        for key, text in relations:
            attributes = _stored(loads, text, "relation", ("source", "target", "type"))
            if attributes["type"] not in _RELATION_TYPES:
                raise StoredRecordInvalid(f"stored relation {key!r} has no valid type")
            edges.append((attributes["source"], attributes["target"], key, attributes))
        G = nx.MultiDiGraph()
        G.add_nodes_from(nodes)
        known = len(G)
        G.add_edges_from(edges)
        if len(G) != known:
            raise StoredRecordInvalid("a stored relation points at a record that is not stored")
    return G


def _stored(loads, text: str, kind: str, fields: tuple[str, ...]) -> dict[str, Any]:
    try:
        attributes = loads(text)
    except (TypeError, ValueError) as error:
        raise StoredRecordInvalid(f"a stored {kind} is not JSON ({error})") from None
    if not isinstance(attributes, dict) or not all(
        isinstance(attributes.get(name), str) for name in fields
    ):
        raise StoredRecordInvalid(f"a stored {kind} lacks one of {', '.join(fields)}: {text[:80]}")
    return attributes
