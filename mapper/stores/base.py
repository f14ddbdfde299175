"""The GraphStore protocol, the one contract of the embedded and the Neo4j store.

Semantics both stores keep:

- `apply(batch)` is all or nothing. A record replaces the stored one as a whole (sources
  included); the same record twice is `unchanged`. A relation's identity is `Relation.key`:
  (type, source, target, role, year). Relations must point at ids that exist in the batch or
  the store, with the right record type: PARTICIPATES_IN actor -> collaboration; PART_OF,
  MEMBER_OF, COLLABORATES_WITH actor -> actor; FUNDS actor -> actor or collaboration.
- An id merged into another actor (`merge`) names that actor in every later `apply`.
- An id names one actor or one collaboration, never both.
- `snapshot()` is a `networkx.MultiDiGraph`: one node per actor (`node_type="actor"`) and per
  collaboration (`node_type="collaboration"`) with the record's fields as attributes, and one edge
  per relation, keyed by `Relation.key`, with `type` and the relation's fields as attributes.
- Every read sees one committed state; `generation()` changes with every committed write, from
  any process, so that what was computed from a read can be cached until then.

What a store can do beyond the contract is a capability, a small protocol checked with
`isinstance` (`RemoteStore`). The logic both stores share is in `mapper.stores.common`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import networkx as nx

from mapper.filters import Listing
from mapper.model import Actor, AnalysisRows, ApplyReport, Batch, Collaboration, Relation

__all__ = ["Counts", "DatasetInfo", "GraphStore", "LocalStore", "Page", "RemoteStore"]


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


@dataclass
class DatasetInfo:
    """One dataset: what it holds now and when it was last loaded (ISO 8601, UTC)."""

    name: str
    actors: int = 0
    collaborations: int = 0
    relations: int = 0
    loaded_at: str | None = None
    loads: int = 0


@runtime_checkable
class GraphStore(Protocol):
    """Where the ecosystem lives. Implemented by EmbeddedStore and Neo4jStore."""

    kind: ClassVar[str]  # "embedded" or "neo4j"
    location: str  # a file path or a server URI

    def apply(
        self, batch: Batch, *, dataset: str | None = None, replace: bool = False
    ) -> ApplyReport:
        """Write a whole batch, all or nothing. Raises InvalidBatch (UnknownReference).

        Every record of the batch becomes part of `dataset` (if given). With `replace`, the
        records of `dataset` that the batch does not hold leave it, and those that no dataset
        holds any more are removed, with their relations, in the same transaction (the report
        lists them); an actor or collaboration that a relation staying in the store points at
        or names stays too."""
        ...

    def remove(self, record_type: str, record_id: str) -> ApplyReport:
        """Remove one actor or collaboration ("actor", "collaboration") and every relation from,
        to or naming it. Raises ActorNotFound or CollaborationNotFound."""
        ...

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset, by name, with its counts and last load time."""
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

    def find(self, filters: Listing, *, limit: int | None = None, offset: int = 0) -> Page:
        """The actors (for an ActorFilter) or collaborations (CollaborationFilter) matching
        every filter that is set, ordered by id, one page of them and their total. With a name
        search (`q`), ordered by `mapper.search.tier`, then folded name, then id, from an index
        (never a scan of every record per query)."""
        ...

    def merge(self, merges: Mapping[str, Sequence[str]]) -> ApplyReport:
        """Make each kept actor's merged actors (`merges`: kept id -> merged ids) part of it,
        all in one transaction (mapper.merging.plan_merge): the kept actor is updated, the
        others removed, their relations moved and their datasets' memberships given to what
        replaces them, and each merge recorded, so that a later `apply` holding a merged id
        updates the kept actor (mapper.merging.resolve_merges). Raises ActorNotFound."""
        ...

    def merges(self) -> dict[str, str]:
        """Every merged actor id and the id of the actor it is part of now."""
        ...

    def relations(self, record_id: str) -> list[Relation]:
        """Every relation from or to an actor or collaboration, ordered by key."""
        ...

    def neighbours(self, actor_id: str, *, depth: int = 1) -> dict[str, int]:
        """Actors within `depth` steps of an actor, with their distance.

        One step is a direct relation between two actors or a collaboration both take part in.
        Raises ActorNotFound."""
        ...

    def counts(self) -> Counts: ...

    def snapshot(self) -> nx.MultiDiGraph:
        """The whole graph as networkx, frozen: the reference input of the analyses, exports."""
        ...

    def analysis_rows(self) -> tuple[int, AnalysisRows]:
        """(generation, the store as plain columns) from one consistent read: what the compact
        analysis graph is built from, without record models."""
        ...

    def generation(self) -> int:
        """A number that changes with every committed write."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class LocalStore(Protocol):
    """A store in a file this process reads: it can say whether a read would wait."""

    def answers_at_once(self, kind: str) -> bool:
        """True when a read of `kind` ("actors" or "collaborations": one record, a page, a
        search) waits for nothing: no server to ask, and its search index of the current
        generation built (the first search after a write builds it: seconds at 100k)."""
        ...


@runtime_checkable
class RemoteStore(Protocol):
    """A store on a server: it can be asked whether it answers, and what it runs."""

    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers."""
        ...

    def server_version(self) -> str:
        """The server's version and edition, e.g. `5.26.0 community`."""
        ...
