"""What both stores do the same way, written once: batch checks, change counting, the snapshot
cache, breadth-first neighbours and the snapshot built from stored JSON.

A store module holds only what differs: how it talks to its database.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import networkx as nx

from mapper.errors import InvalidBatch, UnknownReference
from mapper.memory import paused_gc, thaw
from mapper.model import (
    Actor,
    Batch,
    Collaboration,
    Relation,
    RelationType,
    Sector,
    TypeReport,
    merge_sources,
)
from mapper.search import SearchIndex
from mapper.stores.base import Page

__all__ = [
    "SearchIndexCache",
    "SnapshotCache",
    "StoredRecordInvalid",
    "batch_ids",
    "breadth_first",
    "build_snapshot",
    "by_kind",
    "changed_records",
    "check_batch",
    "conditions",
    "dataset_keys",
    "kept_orphans",
    "now",
    "search_page",
    "snapshot_from_json",
    "with_shared_sources",
]


def batch_ids(batch: Batch) -> list[str]:
    """Every id a batch names, its own records' and its relations' ends, sorted."""
    ends = {end for relation in batch.relations for end in (relation.source, relation.target)}
    ends.update(r.collaboration for r in batch.relations if r.collaboration is not None)
    own = {actor.id for actor in batch.actors} | {c.id for c in batch.collaborations}
    return sorted(ends | own)


def check_batch(
    batch: Batch, stored_actors: Iterable[str], stored_collaborations: Iterable[str]
) -> None:
    """Raise InvalidBatch unless every relation of `batch` points at the right kind of record.

    `stored_actors` and `stored_collaborations` are the ids already in the store (at least those
    among `batch_ids(batch)`).
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
        if relation.collaboration is not None and relation.collaboration not in collaboration_ids:
            raise UnknownReference(
                relation.key, "collaboration", relation.collaboration, "collaboration"
            )


def dataset_keys(batch: Batch) -> list[tuple[str, str]]:
    """(kind, key) of every record of a batch: what a dataset holds of it."""
    return (
        [("actor", actor.id) for actor in batch.actors]
        + [("collaboration", c.id) for c in batch.collaborations]
        + [("relation", relation.key) for relation in batch.relations]
    )


def by_kind(records: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(kind, key) pairs as the keys of each kind, every kind present, in the given order.

    >>> by_kind([("actor", "a"), ("relation", "R"), ("actor", "b")])
    {'actor': ['a', 'b'], 'collaboration': [], 'relation': ['R']}
    """
    grouped: dict[str, list[str]] = {"actor": [], "collaboration": [], "relation": []}
    for kind, key in records:
        grouped[kind].append(key)
    return grouped


def with_shared_sources(batch: Batch, shared: Mapping[str, Mapping[str, str]]) -> Batch:
    """`batch` with the stored sources of the records another dataset holds added to each.

    `shared` maps a kind ("actor", "collaboration", "relation") to the stored JSON of those of
    the batch's records that another dataset holds, by id or key. A record two datasets share
    keeps both as provenance: the fields are the last load's, the sources are both loads'.

    >>> from mapper.model import Source
    >>> a = Actor(id="umu", name="UMU", sector="academia", sources=[Source(url="https://a.se")])
    >>> b = a.model_copy(update={"sources": (Source(url="https://b.se"),)})
    >>> united = with_shared_sources(Batch(actors=[b]), {"actor": {"umu": a.model_dump_json()}})
    >>> [source.url for source in united.actors[0].sources]
    ['https://b.se', 'https://a.se']
    """
    if not any(shared.values()):
        return batch

    def united(kind: str, record: Any, key: str) -> Any:
        stored = shared.get(kind, {}).get(key)
        if stored is None:
            return record
        sources = merge_sources(record.sources, type(record).model_validate_json(stored).sources)
        return (
            record if sources == record.sources else record.model_copy(update={"sources": sources})
        )

    return Batch.model_construct(  # validated records: not validated again
        actors=[united("actor", a, a.id) for a in batch.actors],
        collaborations=[united("collaboration", c, c.id) for c in batch.collaborations],
        relations=[united("relation", r, r.key) for r in batch.relations],
    )


def kept_orphans(
    orphans: list[tuple[str, str]], referencing: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The orphans (kind, key) a replace may remove: relations, and the actors and
    collaborations that no relation staying in the store points at or names.

    `referencing` are (relation key, id it points at or names) for the relations from, to or
    naming an orphan actor or collaboration. A record that another dataset's relation needs
    stays: removing it would silently take that relation with it.

    >>> kept_orphans([("actor", "a"), ("actor", "b"), ("relation", "R1")],
    ...              [("R1", "a"), ("R2", "b")])
    [('actor', 'a'), ('relation', 'R1')]
    """
    leaving = {key for kind, key in orphans if kind == "relation"}
    needed = {record for key, record in referencing if key not in leaving}
    return [(kind, key) for kind, key in orphans if kind == "relation" or key not in needed]


def now() -> str:
    """The time of a load, ISO 8601 in UTC to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def conditions(
    filters: Any, written: Mapping[str, str], **prepare: Callable[[Any], Any]
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of the filters that are set, as a store writes them, and its parameters
    by name. `written` maps every filter's name to its condition on the parameter of that name;
    `prepare` turns a value into what a condition takes (a LIKE pattern). A declared filter
    without a condition raises KeyError naming it.

    >>> from mapper.filters import ActorFilter
    >>> written = {"sector": "sector = :sector", "q": "search LIKE :q"}
    >>> conditions(ActorFilter(sector="public", q="Malmö"), written, q=lambda v: f"%{v}%")
    ('WHERE sector = :sector AND search LIKE :q', {'sector': 'public', 'q': '%Malmö%'})
    >>> conditions(ActorFilter(), written)
    ('', {})
    """
    where = [written[name] for name, value in vars(filters).items() if value is not None]
    params = {
        name: prepare.get(name, _plain)(value)
        for name, value in vars(filters).items()
        if value is not None
    }
    return ("WHERE " + " AND ".join(where) if where else ""), params


def _plain(value: Any) -> Any:
    """An enum member as its value; anything else as it is."""
    return getattr(value, "value", value)


def changed_records(
    rows: list[Any],
    stored: dict[str, str],
    key: Callable[[Any], str],
    record: Callable[[Any], str],
    report: TypeReport,
) -> list[tuple[Any, bool]]:
    """The rows whose record JSON differs from what is `stored` under their key, each with
    whether it is new; counts created, updated and unchanged in `report`.

    A key that comes twice in `rows` counts against the first: the last one wins.
    """
    changed = []
    unchanged = created = 0  # counted here: a report's fields are validated on every set
    for row in rows:
        row_key, new = key(row), record(row)
        old = stored.get(row_key)
        if old == new:
            unchanged += 1
            continue
        created += old is None
        stored[row_key] = new
        changed.append((row, old is None))
    report.unchanged += unchanged
    report.created += created
    report.updated += len(changed) - created
    return changed


def breadth_first(
    start: str, depth: int, step: Callable[[list[str]], Iterable[str]]
) -> dict[str, int]:
    """The ids within `depth` steps of `start` (not itself), with their distance.

    `step(frontier)` returns the ids one step from any id of the frontier.

    >>> links = {"a": ["b"], "b": ["a", "c"], "c": ["b"]}
    >>> breadth_first("a", 2, lambda ids: [o for i in ids for o in links[i]])
    {'b': 1, 'c': 2}
    """
    found = {start: 0}
    frontier = [start]
    for distance in range(1, depth + 1):
        frontier = [other for other in dict.fromkeys(step(frontier)) if other not in found]
        found.update(dict.fromkeys(frontier, distance))
        if not frontier:
            break
    del found[start]
    return found


class SnapshotCache:
    """The last snapshot a store built and the generation it is of.

    The old graph is dropped before the next is built and frozen: a reference kept meanwhile
    would freeze the old graph together with the new one, for good (mapper.memory).
    """

    def __init__(self) -> None:
        self._entry: tuple[int, nx.MultiDiGraph] | None = None

    def get(self, generation: int) -> nx.MultiDiGraph | None:
        """The cached snapshot of `generation`, or None (and the stale one is dropped)."""
        entry = self._entry
        if entry is not None and entry[0] == generation:
            return entry[1]
        self._entry = None
        thaw()
        return None

    def build(
        self,
        generation: int,
        actors: Iterable[str],
        collaborations: Iterable[str],
        relations: Iterable[tuple[str, str]],
    ) -> nx.MultiDiGraph:
        """Build, freeze and keep the snapshot of `generation` from stored JSON records."""
        self._entry = None
        thaw()
        G = nx.freeze(snapshot_from_json(actors, collaborations, relations))
        G.graph["generation"] = generation
        self._entry = (generation, G)
        return G


def _node_attributes(record: Actor | Collaboration) -> dict[str, Any]:
    """The snapshot attributes of an actor or collaboration node."""
    attributes = record.model_dump(mode="json")
    attributes["node_type"] = "actor" if isinstance(record, Actor) else "collaboration"
    return attributes


def build_snapshot(
    actors: Iterable[Actor],
    collaborations: Iterable[Collaboration],
    relations: Iterable[Relation],
) -> nx.MultiDiGraph:
    """Build the snapshot graph both stores return, from records."""
    with paused_gc():
        G = nx.MultiDiGraph()
        for record in (*actors, *collaborations):
            G.add_node(record.id, **_node_attributes(record))
        for relation in relations:
            G.add_edge(
                relation.source,
                relation.target,
                key=relation.key,
                **relation.model_dump(mode="json"),
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


class SearchIndexCache:
    """Each kind's search index (mapper.search.SearchIndex) and the generation it is of; one
    thread builds a stale one, the others wait for it."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[int, SearchIndex]] = {}
        self._lock = threading.Lock()

    def holds(self, kind: str, generation: int) -> bool:
        """Whether the index of `kind` at `generation` is built (`get` would not wait)."""
        entry = self._entries.get(kind)
        return entry is not None and entry[0] == generation

    def get(self, kind: str, generation: int, build: Callable[[], SearchIndex]) -> SearchIndex:
        """The index of `kind` at `generation`, built if stale, with the collector paused and
        then frozen (mapper.memory), as the snapshot is: it is kept until the next write, and a
        full collection need not walk it."""
        with self._lock:
            entry = self._entries.get(kind)
            if entry is None or entry[0] != generation:
                if entry is not None:
                    self._entries.pop(kind)
                    thaw()  # the stale index is collected before the new one is frozen
                with paused_gc(freeze=True):
                    entry = self._entries[kind] = (generation, build())
            return entry[1]


def search_page(
    index: SearchIndex,
    query: str,
    *,
    limit: int | None,
    offset: int,
    keep: Callable[[list[str]], set[str]] | None,
    fetch: Callable[[list[str]], dict[str, str]],
    model: Any,
) -> Page:
    """One page of the records `index` ranks for the folded `query`, and their total: `keep`
    (when other filters are set) says which of the ranked ids pass them, `fetch` gives the
    stored JSON of ids. Without `keep` only the page's ids are made."""
    owners, _ = index.ranked(query)
    if keep is None:
        total = len(owners)
        page = index.ids_of(owners[offset:] if limit is None else owners[offset : offset + limit])
    else:
        ranked = index.ids_of(owners)
        kept = keep(ranked)
        ranked = [i for i in ranked if i in kept]
        total = len(ranked)
        page = ranked[offset:] if limit is None else ranked[offset : offset + limit]
    found = fetch(page)
    return Page([model.model_validate_json(found[i]) for i in page if i in found], total)
