"""MapperService: the one thing the API and the CLI call.

Every question the tool answers is a method here, so that the HTTP API, the CLI and the maps
give the same answer to the same question, on either store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from mapper.errors import InvalidParameter
from mapper.model import Actor, Collaboration, Relation, Sector
from mapper.settings import Settings, open_store
from mapper.stores.base import Counts, GraphStore, Page

__all__ = ["LIMITS", "MapperService", "Scope", "StoreInfo", "open_service"]


@dataclass(frozen=True)
class Limits:
    """The largest values a caller may ask for; beyond them a request is refused, not slow."""

    page_size: int = 1000
    depth: int = 3
    max_hops: int = 6
    paths: int = 20
    permutations: int = 2000
    top: int = 500


LIMITS = Limits()


@dataclass(frozen=True)
class Scope:
    """What part of the ecosystem an analysis looks at: the actor graph's parameters."""

    relation_types: tuple[str, ...] | None = None
    shared_collaborations: bool = True
    region: str | None = None
    year_from: int | None = None
    year_to: int | None = None


@dataclass
class StoreInfo:
    kind: str
    location: str
    counts: Counts


def _within(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidParameter(name, f"{value} is outside the allowed range {low}..{high}")
    return value


class MapperService:
    """Questions about the ecosystem, answered from one store."""

    def __init__(self, store: GraphStore):
        self.store = store

    def close(self) -> None:
        self.store.close()

    # -- records -----------------------------------------------------------------------------

    def info(self) -> StoreInfo:
        kind = "neo4j" if type(self.store).__name__ == "Neo4jStore" else "embedded"
        return StoreInfo(kind=kind, location=self.store.location, counts=self.store.counts())

    def actor(self, actor_id: str) -> Actor:
        """Raises ActorNotFound."""
        return self.store.get_actor(actor_id)

    def actors(
        self,
        *,
        sector: Sector | None = None,
        kind: str | None = None,
        region: str | None = None,
        q: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page:
        _within("limit", limit, 1, LIMITS.page_size)
        _within("offset", offset, 0, 10**9)
        return self.store.list_actors(
            sector=sector, kind=kind, region=region, q=q, limit=limit, offset=offset
        )

    def collaboration(self, collaboration_id: str) -> Collaboration:
        """Raises CollaborationNotFound."""
        return self.store.get_collaboration(collaboration_id)

    def collaborations(
        self,
        *,
        kind: str | None = None,
        region: str | None = None,
        year: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page:
        _within("limit", limit, 1, LIMITS.page_size)
        _within("offset", offset, 0, 10**9)
        return self.store.list_collaborations(
            kind=kind, region=region, year=year, limit=limit, offset=offset
        )

    def relations(self, record_id: str) -> list[Relation]:
        """Every relation from or to an actor or collaboration, ordered by key."""
        outgoing = self.store.list_relations(source=record_id)
        incoming = self.store.list_relations(target=record_id)
        return sorted({r.key: r for r in outgoing + incoming}.values(), key=lambda r: r.key)

    def neighbours(self, actor_id: str, *, depth: int = 1) -> list[tuple[Actor, int]]:
        """Actors within `depth` steps, nearest first, then by id. Raises ActorNotFound."""
        _within("depth", depth, 1, LIMITS.depth)
        found = self.store.neighbours(actor_id, depth=depth)
        ordered = sorted(found.items(), key=lambda item: (item[1], item[0]))
        return [(self.store.get_actor(other), distance) for other, distance in ordered]


@contextmanager
def open_service(store: str | None = None) -> Iterator[MapperService]:
    """A service on the store named by `store`, MAPPER_STORE, NEO4J_URI or the default file."""
    service = MapperService(open_store(Settings.from_env(store)))
    try:
        yield service
    finally:
        service.close()
