"""Neo4jStore: the GraphStore contract on a Neo4j 5 server, through the official driver.

Model in Neo4j:

- `(:Actor {id, name, sector, subsector, region, country, kinds, record})`, with the
  extra labels `:Organisation`, `:Department`, `:Funder`, `:Network` from `kinds`;
- `(:Collaboration {id, name, kind, region, start_year, end_year, record})`;
- beside each, one `(:ActorSearch {id, search_terms, search_sort, search})` or
  `(:CollaborationSearch ...)`: the folded terms of `mapper.search`, the folded name, and their
  words. A search ranks them with `mapper.search.SearchIndex`, built from these nodes once per
  generation and cached (as the analyses' compact graph is), not with a full-text index: with
  Neo4j's full-text queries running, other connections' reads saw a load's relations without
  its actors, the generation already bumped (tests/test_load.py, Neo4j 5.26);
- `(:MapperMerge {id, kept, record, merged_at})` for each actor merged into another;
- one relationship per relation, of the relation's type (`PARTICIPATES_IN`, `FUNDS`, ...), with
  `key`, `role`, `amount`, `currency`, `year` and `record`;
- one `(:MapperMeta {generation})` node, bumped by every write, so snapshots can be cached.

`record` holds the whole validated record as JSON, so nothing is lost on the way (sources are
lists of maps, which Neo4j properties cannot hold). Every value travels as a query parameter.
Labels and relationship types cannot be parameters in Cypher; they are only ever formatted from
the closed enums `ActorKind` and `RelationType`, never from input.

A load is one managed write transaction (retried by the driver on transient errors), sent as
`UNWIND` batches: a batch that fails half-way leaves the database as it was.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import networkx as nx
from neo4j import GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from mapper.errors import ActorNotFound, CollaborationNotFound, LoadTooLarge, StoreUnavailable
from mapper.filters import ACTOR_ATTRIBUTES, ActorFilter, CollaborationFilter, Listing
from mapper.merging import plan_merge, resolve_merges
from mapper.model import (
    Actor,
    ActorKind,
    AnalysisRows,
    ApplyReport,
    Batch,
    Collaboration,
    Relation,
    RelationType,
    TypeReport,
    year_of,
)
from mapper.search import (
    SEARCH_VERSION,
    SearchIndex,
    fold,
    record_terms,
    terms,
)
from mapper.stores.base import Counts, DatasetInfo, Page
from mapper.stores.common import (
    SearchIndexCache,
    SnapshotCache,
    batch_ids,
    breadth_first,
    by_kind,
    changed_records,
    check_batch,
    conditions,
    dataset_keys,
    kept_orphans,
    now,
    search_page,
    with_shared_sources,
)

__all__ = [
    "CHUNK",
    "Neo4jStore",
]

CHUNK = 5_000
# Each kind of record: how one is found by its key (`key` from UNWIND), how all are matched, and
# the property of its key. Labels from this closed set only.
_HELD = {
    "actor": "MATCH (n:Actor {id: key})",
    "collaboration": "MATCH (n:Collaboration {id: key})",
    "relation": "MATCH ()-[n:{type} {{key: key}}]->()",  # by type: the key indexes are per type
}
_EVERY = {
    "actor": "MATCH (n:Actor)",
    "collaboration": "MATCH (n:Collaboration)",
    "relation": "MATCH ()-[n]->()",
}
_KEYS = {"actor": "id", "collaboration": "id", "relation": "key"}
_REMOVABLE: dict[str, tuple[str, type[Exception]]] = {
    "actor": ("Actor", ActorNotFound),
    "collaboration": ("Collaboration", CollaborationNotFound),
}
_KIND_LABELS = {kind: kind.value.capitalize() for kind in ActorKind}
_ALL_KIND_LABELS = ":".join(_KIND_LABELS.values())

_SCHEMA = [
    "CREATE CONSTRAINT actor_id IF NOT EXISTS FOR (a:Actor) REQUIRE a.id IS UNIQUE",
    "CREATE CONSTRAINT collaboration_id IF NOT EXISTS FOR (c:Collaboration) REQUIRE c.id IS UNIQUE",
    "CREATE INDEX actor_sector IF NOT EXISTS FOR (a:Actor) ON (a.sector)",
    "CREATE INDEX actor_region IF NOT EXISTS FOR (a:Actor) ON (a.region)",
    "CREATE INDEX collaboration_kind IF NOT EXISTS FOR (c:Collaboration) ON (c.kind)",
    "CREATE CONSTRAINT merge_id IF NOT EXISTS FOR (m:MapperMerge) REQUIRE m.id IS UNIQUE",
    "CREATE INDEX merge_kept IF NOT EXISTS FOR (m:MapperMerge) ON (m.kept)",
    *(  # full-text indexes of earlier versions (see above)
        f"DROP INDEX {index} IF EXISTS"
        for index in ("actor_search", "collaboration_search", "actor_names", "collaboration_names")
    ),
    *(
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (s:{label}) REQUIRE s.id IS UNIQUE"
        for label in ("ActorSearch", "CollaborationSearch")
    ),
    *(
        f"CREATE INDEX rel_{t.value.lower()}_key IF NOT EXISTS FOR ()-[r:{t.value}]-() ON (r.key)"
        for t in RelationType
    ),
]

_T = TypeVar("_T")

_OUT_OF_TRANSACTION_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
_GENERATION = "MATCH (m:MapperMeta) RETURN m.generation AS generation"
_CONSISTENT_READ_TRIES = 30


def _unavailable(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn the driver's connection errors into StoreUnavailable naming the server."""

    @functools.wraps(method)
    def wrapper(self: Neo4jStore, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except (
            neo4j_errors.ServiceUnavailable,
            neo4j_errors.SessionExpired,
            neo4j_errors.AuthError,
            ConnectionError,
            OSError,
        ) as error:
            self._schema_ready = False
            raise StoreUnavailable(
                f"Neo4j at {self.location} cannot be reached ({type(error).__name__}: {error}); "
                "check that the server runs and NEO4J_URI, NEO4J_USER and NEO4J_PASSWORD"
            ) from None

    return wrapper


# One record whose only value is the list of rows: collect() skips nulls, a list holding them
# is kept whole.
# The scope's actor-attribute filters read the actor's property of that name (a parameter).
_ACTOR_ROWS = """
MATCH (a:Actor)
RETURN collect([a.id, a.name, a.sector, a.region] + [name IN $attributes | a[name]])
"""
_COLLABORATION_ROWS = """
MATCH (c:Collaboration) RETURN collect([c.id, c.region, c.start_year, c.end_year])
"""
_RELATION_ROWS = """
MATCH (s:Actor)-[r]->(t)
WHERE r.key IS NOT NULL
RETURN collect([type(r), s.id, t.id, r.year, CASE WHEN t:Actor THEN r.record END,
                CASE WHEN t:Actor THEN r.key END])
"""


def _transposed(rows: list[list], width: int) -> list[list]:
    """Rows as columns; `width` empty columns when there are no rows."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def _dates(record: str | None) -> tuple[int | None, int | None]:
    """The years of a relation record's `start` and `end`; (None, None) without a record."""
    if record is None:
        return None, None
    fields = json.loads(record)
    return year_of(fields.get("start")), year_of(fields.get("end"))


def _chunks(rows: list[_T], size: int = CHUNK) -> Iterable[list[_T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# Each filter of ActorFilter / CollaborationFilter as a Cypher condition on `n` and its $parameter.
_WHERE: dict[type, dict[str, str]] = {
    ActorFilter: {
        "sector": "n.sector = $sector",
        "kind": "$kind IN n.kinds",
        "subsector": "n.subsector = $subsector",
        "country": "n.country = $country",
        "region": "n.region = $region",
    },
    CollaborationFilter: {
        "kind": "n.kind = $kind",
        "region": "n.region = $region",
        "year": "n.start_year <= $year AND n.end_year >= $year",
    },
}
# where each kind of record is found (a label from this closed set), and its model
_MATCHES: dict[type, tuple[str, type[Actor] | type[Collaboration]]] = {
    ActorFilter: ("MATCH (n:Actor)", Actor),
    CollaborationFilter: ("MATCH (n:Collaboration)", Collaboration),
}
_SEARCH_LABELS = {"actor": "ActorSearch", "collaboration": "CollaborationSearch"}
_SEARCH_LAYOUT = SEARCH_VERSION + "/nodes"  # what MapperMeta.search_version says when current
# A record's search node, made or updated from `row.search` (a label of _SEARCH_LABELS).
_WRITE_SEARCH = "UNWIND $rows AS row MERGE (s:{label} {{id: row.id}}) SET s += row.search"


def _search_props(found: list[str]) -> dict[str, Any]:
    """The search properties of a record with these folded terms."""
    words = sorted({word for term in found for word in term.split()})
    return {"search_terms": found, "search_sort": found[0], "search": " ".join(words)}


def _matches(held: dict[str, list[str]]) -> Iterable[tuple[str, str, list[str]]]:
    """(kind, the MATCH of one record by `key`, the keys it is for) for each kind of record,
    relations by type (a relation key starts with its type: Relation.key)."""
    for kind, keys in held.items():
        if kind != "relation":
            yield kind, _HELD[kind], keys
            continue
        by_type: dict[str, list[str]] = {}
        for key in keys:
            by_type.setdefault(RelationType(key.partition(":")[0]).value, []).append(key)
        for name, group in by_type.items():  # a type from the closed RelationType enum
            yield kind, _HELD["relation"].format(type=name), group


class Neo4jStore:
    """The ecosystem in a Neo4j 5 database; `uri` may be bolt://, neo4j:// or neo4j+s://."""

    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
    ):
        self.location = uri
        self.database = database
        auth = (user or "neo4j", password) if password else None
        self._driver = GraphDatabase.driver(
            uri,
            auth=auth,
            connection_timeout=5,
            connection_acquisition_timeout=10,
            max_transaction_retry_time=15,
            notifications_min_severity="OFF",
        )
        self._schema_ready = False
        self._snapshots = SnapshotCache()
        self._indexes = SearchIndexCache()

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r})"

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._driver.close()

    # -- plumbing ----------------------------------------------------------------------------

    def _session(self):
        return self._driver.session(database=self.database)

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._session() as session:
            for statement in _SCHEMA:
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
            session.run("MERGE (m:MapperMeta {name: 'mapper'}) ON CREATE SET m.generation = 0")
            version = session.run("MATCH (m:MapperMeta) RETURN m.search_version").single()[0]
            if version != _SEARCH_LAYOUT:
                self._refold(session)
        self._schema_ready = True

    @staticmethod
    def _refold(session: Any) -> None:
        """Store every record's search properties as this version of `mapper.search` folds
        them, CHUNK records a transaction (a large database would not fit in one); the version
        is set last, so an interrupted refold starts again."""
        for label, model in (("Actor", Actor), ("Collaboration", Collaboration)):
            ids = session.run(f"MATCH (n:{label}) RETURN n.id ORDER BY n.id").value()  # closed set
            for chunk in _chunks(ids):
                records = session.run(
                    f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n.record", ids=chunk
                ).value()
                rows = []
                for record in map(model.model_validate_json, records):
                    found = (
                        record_terms(record)
                        if isinstance(record, Actor)
                        else terms([record.name, record.name_en, record.id])
                    )
                    rows.append({"id": record.id, "search": _search_props(found)})
                query = _WRITE_SEARCH.format(label=f"{label}Search")
                session.execute_write(lambda tx, q=query, r=rows: tx.run(q, rows=r).consume())
        session.run(  # a new generation: search indexes cached by any process are stale
            "MATCH (m:MapperMeta) SET m.search_version = $v, m.generation = m.generation + 1",
            v=_SEARCH_LAYOUT,
        ).consume()

    def _write(self, work: Callable[..., _T], *args: Any) -> _T:
        """Run `work(tx, *args)` in one managed write transaction that bumps the generation."""
        self._ensure_schema()

        def unit(tx: ManagedTransaction) -> _T:
            try:
                result = work(tx, *args)
                tx.run("MATCH (m:MapperMeta) SET m.generation = m.generation + 1").consume()
            except neo4j_errors.TransientError as error:
                if error.code != _OUT_OF_TRANSACTION_MEMORY:
                    raise  # retried by the driver
                raise LoadTooLarge(  # retrying cannot help; the transaction is rolled back
                    f"this load does not fit in one transaction on Neo4j at {self.location} "
                    f"({error.message}). Raise dbms.memory.transaction.total.max and the heap "
                    "(server.memory.heap.max_size), or load the seed files in parts"
                ) from None
            return result

        with self._session() as session:
            return session.execute_write(unit)

    def _read(self, work: Callable[..., _T], *args: Any) -> _T:
        self._ensure_schema()
        with self._session() as session:
            return session.execute_read(work, *args)

    def _read_consistent(self, work: Callable[..., _T], *args: Any) -> _T:
        """`work(tx, *args)` in a read transaction that saw one committed state of the graph.

        Neo4j reads are read-committed: each statement sees what is committed when it runs, so
        a load committing between two statements of `work` would be half visible (a count of
        relations without their actors). Every write bumps MapperMeta.generation in its own
        transaction, so the same generation before and after `work` means no write committed in
        between; otherwise `work` runs again. Raises StoreUnavailable if writes never pause.
        """

        def bracketed(tx: ManagedTransaction) -> tuple[bool, _T]:
            before = tx.run(_GENERATION).single()
            result = work(tx, *args)
            after = tx.run(_GENERATION).single()
            return before == after, result

        for attempt in range(_CONSISTENT_READ_TRIES):
            unchanged, result = self._read(bracketed)
            if unchanged:
                return result
            time.sleep(min(0.002 * 2**attempt, 0.2))
        raise StoreUnavailable(
            f"Neo4j at {self.location} changed during each of {_CONSISTENT_READ_TRIES} reads; "
            "try again when the current loads are done"
        )

    def _query(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self._read(lambda tx: tx.run(query, params).data())

    @_unavailable
    def server_version(self) -> str:
        """The Neo4j server's version and edition, e.g. `5.26.0 community`."""
        rows = self._query("CALL dbms.components() YIELD versions, edition RETURN *")
        return f"{rows[0]['versions'][0]} {rows[0]['edition']}"

    @_unavailable
    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers."""
        self._driver.verify_connectivity()

    # -- writes ------------------------------------------------------------------------------

    @_unavailable
    def apply(
        self, batch: Batch, *, dataset: str | None = None, replace: bool = False
    ) -> ApplyReport:
        return self._write(self._apply, batch, dataset, replace)

    def _apply(
        self, tx: ManagedTransaction, batch: Batch, dataset: str | None, replace: bool
    ) -> ApplyReport:
        report = ApplyReport(dataset=dataset)
        batch = self._resolve_merges(tx, batch)
        collaboration_ids = self._check(tx, batch)
        if dataset is not None:
            batch = with_shared_sources(batch, self._shared(tx, dataset, batch))
        self._write_actors(tx, batch.actors, report.actors)
        self._write_collaborations(tx, batch.collaborations, report.collaborations)
        self._write_relations(tx, batch.relations, report.relations, collaboration_ids)
        if dataset is not None:
            self._hold(tx, dataset, batch, replace, report)
        return report

    @staticmethod
    def _shared(tx: ManagedTransaction, dataset: str, batch: Batch) -> dict[str, dict[str, str]]:
        """The stored JSON of the batch's records that another dataset holds, by kind and key."""
        keys = by_kind(dataset_keys(batch))
        shared: dict[str, dict[str, str]] = {kind: {} for kind in _HELD}
        others = tx.run(
            "MATCH (d:MapperDataset) WHERE d.name <> $dataset RETURN count(d)", dataset=dataset
        ).single()[0]
        if not others:
            return shared
        for kind, match, group in _matches(keys):
            for chunk in _chunks(group):
                shared[kind].update(
                    tx.run(
                        f"""
                        UNWIND $keys AS key {match}
                        WHERE any(d IN coalesce(n.datasets, []) WHERE d <> $dataset)
                        RETURN key, n.record
                        """,
                        keys=chunk,
                        dataset=dataset,
                    ).values()
                )
        return shared

    def _hold(
        self, tx: ManagedTransaction, dataset: str, batch: Batch, replace: bool, report: ApplyReport
    ) -> None:
        """Make the batch's records part of `dataset` (their `datasets` list); with `replace`,
        only them."""
        held = by_kind(dataset_keys(batch))
        self._join(tx, dataset, held)
        if replace:
            orphans: list[tuple[str, str]] = []
            for kind, every in _EVERY.items():  # patterns from this closed set only
                orphans += [
                    (kind, key)
                    for key in tx.run(
                        f"""
                        {every} WHERE $dataset IN n.datasets AND NOT n.{_KEYS[kind]} IN $keys
                        SET n.datasets = [d IN n.datasets WHERE d <> $dataset]
                        WITH n WHERE size(n.datasets) = 0 RETURN n.{_KEYS[kind]}
                        """,
                        keys=held[kind],
                        dataset=dataset,
                    ).value()
                ]
            removable = kept_orphans(orphans, self._referencing(tx, orphans))
            self._remove(tx, removable, report)
            kept = [key for _, key in set(orphans) - set(removable)]  # actors or collaborations
            tx.run(  # a record a staying relation needs stays in the dataset
                """
                MATCH (n) WHERE (n:Actor OR n:Collaboration) AND n.id IN $ids
                SET n.datasets = coalesce(n.datasets, []) + $dataset
                """,
                ids=kept,
                dataset=dataset,
            ).consume()
        tx.run(
            """
            MERGE (d:MapperDataset {name: $name})
            SET d.loaded_at = $at, d.loads = coalesce(d.loads, 0) + 1
            """,
            name=dataset,
            at=now(),
        ).consume()

    @staticmethod
    def _join(tx: ManagedTransaction, dataset: str, held: dict[str, list[str]]) -> None:
        """Make the records (keys by kind) part of `dataset` (their `datasets` list)."""
        for _, match, keys in _matches(held):
            for chunk in _chunks(keys):
                tx.run(
                    f"""
                    UNWIND $keys AS key {match}
                    WHERE NOT $dataset IN coalesce(n.datasets, [])
                    SET n.datasets = coalesce(n.datasets, []) + $dataset
                    """,
                    keys=chunk,
                    dataset=dataset,
                ).consume()

    @staticmethod
    def _remove(
        tx: ManagedTransaction, records: list[tuple[str, str]], report: ApplyReport
    ) -> None:
        """Remove records (kind, key), every relation from, to or naming a removed actor or
        collaboration; list them in `report`."""
        ids = by_kind(records)
        ends = ids["actor"] + ids["collaboration"]
        keys = set(ids["relation"])
        keys.update(key for key, _ in Neo4jStore._referencing(tx, records))
        ids["relation"] = sorted(keys)
        for _, match, group in _matches({"relation": ids["relation"]}):
            for chunk in _chunks(group):
                tx.run(f"UNWIND $keys AS key {match} DELETE n", keys=chunk).consume()
        tx.run(
            "MATCH (n) WHERE (n:Actor OR n:Collaboration) AND n.id IN $ids DETACH DELETE n",
            ids=ends,
        ).consume()
        for kind, label in _SEARCH_LABELS.items():  # labels from this closed set only
            tx.run(f"MATCH (s:{label}) WHERE s.id IN $ids DELETE s", ids=ids[kind]).consume()
        tx.run(  # an actor's merges go with it: a later load makes it anew
            "MATCH (m:MapperMerge) WHERE m.kept IN $ids DELETE m", ids=ids["actor"]
        ).consume()
        for part, kind in ((report.actors, "actor"), (report.collaborations, "collaboration")):
            part.removed = sorted({*part.removed, *ids[kind]})
        report.relations.removed = sorted({*report.relations.removed, *ids["relation"]})

    @staticmethod
    def _referencing(tx: ManagedTransaction, records: list[tuple[str, str]]) -> list[list[str]]:
        """[relation key, id] of every relation from, to or naming one of the records."""
        return tx.run(
            """
            MATCH (n)-[r]-() WHERE (n:Actor OR n:Collaboration) AND n.id IN $ids
            RETURN r.key, n.id
            UNION ALL
            MATCH ()-[r:FUNDS]->() WHERE r.collaboration IN $ids
            RETURN r.key, r.collaboration AS `n.id`
            """,
            ids=[key for kind, key in records if kind != "relation"],
        ).values()

    def _resolve_merges(self, tx: ManagedTransaction, batch: Batch) -> Batch:
        """The batch with merged actors' records and ids turned into the kept actors'
        (mapper.merging.resolve_merges); their merge records updated."""
        if tx.run("MATCH (m:MapperMerge) RETURN m.id LIMIT 1").single() is None:
            return batch
        ids = batch_ids(batch)
        kept_ids = tx.run(
            "MATCH (m:MapperMerge) WHERE m.id IN $ids RETURN collect(DISTINCT m.kept)", ids=ids
        ).single()[0]
        rows = tx.run(
            "MATCH (m:MapperMerge) WHERE m.kept IN $kept RETURN m.id, m.kept, m.record",
            kept=[*ids, *kept_ids],
        ).values()
        if not rows:
            return batch
        merges = {merged: kept for merged, kept, _ in rows}
        own = {actor.id for actor in batch.actors}
        kept = {a.id: a for a in self._actors(tx, sorted(set(merges.values()) - own))}
        merges = {i: into for i, into in merges.items() if into in kept or into in own}
        merged = {i: Actor.model_validate_json(r) for i, _, r in rows if i in merges}
        resolved, updated = resolve_merges(batch, merges, kept, merged)
        tx.run(
            "UNWIND $rows AS row MATCH (m:MapperMerge {id: row.id}) SET m.record = row.record",
            rows=[{"id": a.id, "record": a.model_dump_json()} for a in updated],
        ).consume()
        return resolved

    @staticmethod
    def _actors(tx: ManagedTransaction, ids: list[str]) -> list[Actor]:
        records = tx.run("MATCH (a:Actor) WHERE a.id IN $ids RETURN a.record", ids=ids).value()
        return [Actor.model_validate_json(record) for record in records]

    @staticmethod
    def _relations_by_key(tx: ManagedTransaction, keys: list[str]) -> list[tuple[Relation, list]]:
        """The stored relations with these keys, each with its datasets."""
        found = []
        for _, match, group in _matches({"relation": keys}):
            found += tx.run(
                f"UNWIND $keys AS key {match} RETURN n.record, coalesce(n.datasets, [])",
                keys=group,
            ).values()
        return [(Relation.model_validate_json(record), datasets) for record, datasets in found]

    @_unavailable
    def merge(self, merges: Mapping[str, Sequence[str]]) -> ApplyReport:
        def work(tx: ManagedTransaction) -> ApplyReport:
            report = ApplyReport()
            for kept_id, merged_ids in merges.items():
                self._merge(tx, kept_id, list(merged_ids), report)
            return report

        return self._write(work)

    def _merge(
        self, tx: ManagedTransaction, kept_id: str, merged_ids: list[str], report: ApplyReport
    ) -> None:
        actors = {a.id: a for a in self._actors(tx, [kept_id, *merged_ids])}
        for actor_id in (kept_id, *merged_ids):
            if actor_id not in actors:
                raise ActorNotFound(actor_id)
        others = [actors[i] for i in merged_ids]
        referencing = self._referencing(tx, [("actor", i) for i in merged_ids])
        found = self._relations_by_key(tx, sorted({key for key, _ in referencing}))
        relations = [relation for relation, _ in found]
        held = tx.run(
            "MATCH (a:Actor) WHERE a.id IN $ids UNWIND coalesce(a.datasets, []) AS d "
            "RETURN collect(DISTINCT d)",
            ids=merged_ids,
        ).single()[0]
        plan = plan_merge(actors[kept_id], others, relations, {})
        targets = {key for key in plan.keys.values() if key is not None}
        stored = {r.key: r for r, _ in self._relations_by_key(tx, sorted(targets))}
        plan = plan_merge(actors[kept_id], others, relations, stored)
        self._remove(tx, [("actor", i) for i in merged_ids], report)
        self._write_actors(tx, [plan.actor], report.actors)
        ends = sorted({r.target for r in plan.relations})
        collaborations = tx.run(
            "MATCH (c:Collaboration) WHERE c.id IN $ids RETURN collect(c.id)", ids=ends
        ).single()[0]
        self._write_relations(tx, plan.relations, report.relations, set(collaborations))
        memberships: dict[str, set[tuple[str, str]]] = {}
        # The kept actor joins the merged ones' datasets only if a dataset holds it already:
        # one that none holds (made by hand) is never removed by replacing a dataset.
        kept_held = tx.run(
            "MATCH (a:Actor {id: $id}) RETURN size(coalesce(a.datasets, [])) > 0", id=kept_id
        ).single()[0]
        for dataset in held if kept_held else ():
            memberships.setdefault(dataset, set()).add(("actor", kept_id))
        for relation, datasets in found:
            new_key = plan.keys[relation.key]
            for dataset in datasets if new_key is not None else ():
                memberships.setdefault(dataset, set()).add(("relation", new_key))
        for dataset, records in memberships.items():
            self._join(tx, dataset, by_kind(sorted(records)))
        tx.run(
            "MATCH (m:MapperMerge) WHERE m.kept IN $merged SET m.kept = $kept",
            merged=merged_ids,
            kept=kept_id,
        ).consume()
        tx.run(
            """
            UNWIND $rows AS row MERGE (m:MapperMerge {id: row.id})
            SET m.kept = row.kept, m.record = row.record, m.merged_at = row.at
            """,
            rows=[
                {"id": o.id, "kept": kept_id, "record": o.model_dump_json(), "at": now()}
                for o in others
            ],
        ).consume()

    @_unavailable
    def merges(self) -> dict[str, str]:
        rows = self._query("MATCH (m:MapperMerge) RETURN m.id AS id, m.kept AS kept ORDER BY id")
        return {row["id"]: row["kept"] for row in rows}

    @_unavailable
    def remove(self, record_type: str, record_id: str) -> ApplyReport:
        label, missing = _REMOVABLE[record_type]

        def work(tx: ManagedTransaction) -> ApplyReport:
            query = f"MATCH (n:{label} {{id: $id}}) RETURN count(n)"  # a label from the set
            if not tx.run(query, id=record_id).single()[0]:
                raise missing(record_id)
            report = ApplyReport()
            self._remove(tx, [(record_type, record_id)], report)
            return report

        return self._write(work)

    @_unavailable
    def datasets(self) -> list[DatasetInfo]:
        def work(tx: ManagedTransaction) -> list[DatasetInfo]:
            found = {
                name: DatasetInfo(name, loaded_at=at, loads=loads)
                for name, at, loads in tx.run(
                    "MATCH (d:MapperDataset) RETURN d.name, d.loaded_at, d.loads"
                ).values()
            }
            for kind, every in _EVERY.items():  # patterns from this closed set only
                counts = tx.run(
                    f"{every} UNWIND coalesce(n.datasets, []) AS d RETURN d, count(*)"
                ).values()
                for name, count in counts:
                    info = found.setdefault(name, DatasetInfo(name))
                    setattr(info, f"{kind}s", count)
            return [found[name] for name in sorted(found)]

        return self._read_consistent(work)

    @staticmethod
    def _check(tx: ManagedTransaction, batch: Batch) -> set[str]:
        """Check the batch against the store (base.check_batch); the collaboration ids it names."""
        actors, collaborations = [], []
        for chunk in _chunks(batch_ids(batch)):
            actors += tx.run(
                "MATCH (a:Actor) WHERE a.id IN $ids RETURN a.id AS id", ids=chunk
            ).value()
            collaborations += tx.run(
                "MATCH (c:Collaboration) WHERE c.id IN $ids RETURN c.id AS id", ids=chunk
            ).value()
        check_batch(batch, actors, collaborations)
        return {c.id for c in batch.collaborations}.union(collaborations)

    @staticmethod
    def _changed(
        tx: ManagedTransaction, query: str, rows: list[dict[str, Any]], key: str, report: TypeReport
    ) -> list[dict[str, Any]]:
        """The rows whose record differs from what is stored, counting created/updated/unchanged.

        Each changed row gets `new`: True when nothing with its key was stored before."""
        stored: dict[str, str] = {}
        for chunk in _chunks([row[key] for row in rows]):
            stored.update(tx.run(query, keys=chunk).values())
        changed = changed_records(
            rows, stored, lambda row: row[key], lambda row: row["props"]["record"], report
        )
        return [row | {"new": new} for row, new in changed]

    def _write_actors(
        self, tx: ManagedTransaction, actors: list[Actor], report: TypeReport
    ) -> None:
        rows = [
            {
                "id": a.id,
                "labels": [_KIND_LABELS[kind] for kind in a.kinds],
                "props": {
                    "name": a.name,
                    "name_en": a.name_en,
                    "sector": a.sector.value,
                    "subsector": a.subsector,
                    "region": a.region,
                    "country": a.country,
                    "kinds": [kind.value for kind in a.kinds],
                    "record": a.model_dump_json(),
                },
                "search": _search_props(record_terms(a)),
            }
            for a in actors
        ]
        changed = self._changed(
            tx,
            "MATCH (a:Actor) WHERE a.id IN $keys RETURN a.id, a.record",
            rows,
            "id",
            report,
        )
        by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in changed:
            by_labels.setdefault(tuple(row["labels"]), []).append(row)
        for labels, group in by_labels.items():
            label_text = ":".join(labels)  # from the closed ActorKind enum only
            for chunk in _chunks(group):
                tx.run(
                    f"""
                    UNWIND $rows AS row
                    MERGE (a:Actor {{id: row.id}})
                    REMOVE a:{_ALL_KIND_LABELS}
                    SET a += row.props, a:{label_text}
                    """,
                    rows=chunk,
                ).consume()
        for chunk in _chunks(changed):
            tx.run(_WRITE_SEARCH.format(label="ActorSearch"), rows=chunk).consume()

    def _write_collaborations(
        self, tx: ManagedTransaction, collaborations: list[Collaboration], report: TypeReport
    ) -> None:
        rows = [
            {
                "id": c.id,
                "props": {
                    "name": c.name,
                    "kind": c.kind.value,
                    "region": c.region,
                    "start_year": year_of(c.start),
                    "end_year": year_of(c.end) or year_of(c.start),
                    "record": c.model_dump_json(),
                },
                "search": _search_props(terms([c.name, c.name_en, c.id])),
            }
            for c in collaborations
        ]
        changed = self._changed(
            tx,
            "MATCH (c:Collaboration) WHERE c.id IN $keys RETURN c.id, c.record",
            rows,
            "id",
            report,
        )
        for chunk in _chunks(changed):
            tx.run(
                """
                UNWIND $rows AS row
                MERGE (c:Collaboration {id: row.id})
                SET c += row.props
                """,
                rows=chunk,
            ).consume()
            tx.run(_WRITE_SEARCH.format(label="CollaborationSearch"), rows=chunk).consume()

    def _write_relations(
        self,
        tx: ManagedTransaction,
        relations: list[Relation],
        report: TypeReport,
        collaboration_ids: set[str],
    ) -> None:
        """New relations are CREATEd between nodes found by id, changed ones found by key.

        A MERGE would compare the key against every relation of its source: slow for hubs."""
        rows_by_type: dict[RelationType, list[dict[str, Any]]] = {}
        for r in relations:
            rows_by_type.setdefault(r.type, []).append(
                {
                    "key": r.key,
                    "source": r.source,
                    "target": r.target,
                    "props": {
                        "key": r.key,
                        "role": r.role.value if r.role else None,
                        "amount": r.amount,
                        "currency": r.currency,
                        "year": r.year,
                        "collaboration": r.collaboration,
                        "record": r.model_dump_json(),
                    },
                }
            )
        for relation_type, rows in rows_by_type.items():
            name = relation_type.value  # from the closed RelationType enum only
            changed = self._changed(
                tx,
                f"MATCH ()-[r:{name}]->() WHERE r.key IN $keys RETURN r.key, r.record",
                rows,
                "key",
                report,
            )
            new: dict[str, list[dict[str, Any]]] = {"Actor": [], "Collaboration": []}
            for row in changed:
                if row["new"]:
                    target = "Collaboration" if row["target"] in collaboration_ids else "Actor"
                    new[target].append(row)
            for target, group in new.items():  # labels from this closed set only
                for chunk in _chunks(group):
                    tx.run(
                        f"""
                        UNWIND $rows AS row
                        MATCH (s:Actor {{id: row.source}})
                        MATCH (t:{target} {{id: row.target}})
                        CREATE (s)-[r:{name}]->(t)
                        SET r = row.props
                        """,
                        rows=chunk,
                    ).consume()
            for chunk in _chunks([row for row in changed if not row["new"]]):
                tx.run(
                    f"""
                    UNWIND $rows AS row
                    MATCH ()-[r:{name} {{key: row.key}}]->()
                    SET r += row.props
                    """,
                    rows=chunk,
                ).consume()

    @_unavailable
    def clear(self) -> None:
        """Delete every actor, collaboration, dataset and merge: a Neo4j database is shared, so
        the tests and the bench empty it between runs (an embedded store is a new file instead)."""

        def work(tx: ManagedTransaction) -> None:
            tx.run(
                "MATCH (n) WHERE n:Actor OR n:Collaboration OR n:MapperDataset OR n:MapperMerge "
                "OR n:ActorSearch OR n:CollaborationSearch DETACH DELETE n"
            ).consume()

        self._write(work)

    # -- reads -------------------------------------------------------------------------------

    def _record(self, query: str, missing: Exception, **params: Any) -> str:
        rows = self._query(query, **params)
        if not rows:
            raise missing
        return rows[0]["record"]

    @_unavailable
    def get_actor(self, actor_id: str) -> Actor:
        record = self._record(
            "MATCH (a:Actor {id: $id}) RETURN a.record AS record",
            ActorNotFound(actor_id),
            id=actor_id,
        )
        return Actor.model_validate_json(record)

    @_unavailable
    def get_actors(self, actor_ids: Iterable[str]) -> list[Actor]:
        ids = list(dict.fromkeys(actor_ids))
        rows = self._query(
            "UNWIND $ids AS id MATCH (a:Actor {id: id}) RETURN a.id AS id, a.record AS record",
            ids=ids,
        )
        found = {row["id"]: row["record"] for row in rows}
        return [Actor.model_validate_json(found[i]) for i in ids if i in found]

    @_unavailable
    def get_collaboration(self, collaboration_id: str) -> Collaboration:
        record = self._record(
            "MATCH (c:Collaboration {id: $id}) RETURN c.record AS record",
            CollaborationNotFound(collaboration_id),
            id=collaboration_id,
        )
        return Collaboration.model_validate_json(record)

    @_unavailable
    def find(self, filters: Listing, *, limit: int | None = None, offset: int = 0) -> Page:
        if filters.q is not None:
            return self._search(filters, limit, offset)
        match, model = _MATCHES[type(filters)]
        clause, params = conditions(filters, _WHERE[type(filters)])

        def work(tx: ManagedTransaction) -> tuple[int, list[str]]:
            total = tx.run(f"{match} {clause} RETURN count(*) AS n", params).single()["n"]
            records = tx.run(
                f"{match} {clause} RETURN n.record AS record ORDER BY n.id SKIP $offset "
                + ("LIMIT $limit" if limit is not None else ""),
                {**params, "offset": offset, "limit": limit},
            ).value()
            return total, records

        total, records = self._read_consistent(work)
        return Page(list(map(model.model_validate_json, records)), total)

    def _search(self, filters: Listing, limit: int | None, offset: int) -> Page:
        """The records matching `filters.q`, best first (mapper.search), and the other filters:
        ranked by the cached SearchIndex of the search nodes."""
        match, model = _MATCHES[type(filters)]
        kind = "actor" if isinstance(filters, ActorFilter) else "collaboration"
        clause, params = conditions(replace(filters, q=None), _WHERE[type(filters)])

        def keep(ids: list[str]) -> set[str]:
            query = f"{match} {clause} AND n.id IN $ids RETURN n.id AS id"
            return {row["id"] for row in self._query(query, **params, ids=ids)}

        def fetch(ids: list[str]) -> dict[str, str]:
            query = f"{match} WHERE n.id IN $ids RETURN n.id AS id, n.record AS record"
            return {row["id"]: row["record"] for row in self._query(query, ids=ids)}

        index = self._indexes.get(kind, self.generation(), lambda: self._search_index(kind))
        query = fold(filters.q or "")
        return search_page(
            index, query, limit=limit, offset=offset, keep=keep if clause else None,
            fetch=fetch, model=model,
        )  # fmt: skip

    def _search_index(self, kind: str) -> SearchIndex:
        label = _SEARCH_LABELS[kind]  # from the closed set
        rows = self._query(f"MATCH (s:{label}) RETURN s.id AS id, s.search_terms AS terms")
        return SearchIndex((row["id"], row["terms"]) for row in rows)

    @_unavailable
    def relations(self, record_id: str) -> list[Relation]:
        # From the record found by id (an index seek), never from a scan of every relation.
        rows = self._query(
            """
            CALL () {
                MATCH (n:Actor {id: $id}) RETURN n
                UNION ALL
                MATCH (n:Collaboration {id: $id}) RETURN n
            }
            MATCH (n)-[r]-()
            WHERE r.key IS NOT NULL
            RETURN DISTINCT r.key AS key, r.record AS record ORDER BY key
            """,
            id=record_id,
        )
        return [Relation.model_validate_json(row["record"]) for row in rows]

    @_unavailable
    def neighbours(self, actor_id: str, *, depth: int = 1) -> dict[str, int]:
        def work(tx: ManagedTransaction) -> dict[str, int]:
            if tx.run("MATCH (a:Actor {id: $id}) RETURN a.id", id=actor_id).single() is None:
                raise ActorNotFound(actor_id)

            def step(frontier: list[str]) -> list[str]:
                return tx.run(
                    """
                    UNWIND $frontier AS id
                    MATCH (a:Actor {id: id})
                    CALL (a) {
                        MATCH (a)-[]-(b:Actor) RETURN b
                        UNION
                        MATCH (a)-[:PARTICIPATES_IN|FUNDS]->(:Collaboration)
                              <-[:PARTICIPATES_IN|FUNDS]-(b:Actor)
                        RETURN b
                    }
                    RETURN DISTINCT b.id AS id
                    """,
                    frontier=frontier,
                ).value()

            return breadth_first(actor_id, depth, step)

        return self._read_consistent(work)

    @_unavailable
    def counts(self) -> Counts:
        def work(tx: ManagedTransaction) -> Counts:
            counts = Counts()
            counts.actors_by_sector = dict(
                tx.run("MATCH (a:Actor) RETURN a.sector, count(*) ORDER BY a.sector").values()
            )
            counts.actors_by_kind = dict(
                tx.run(
                    "MATCH (a:Actor) UNWIND a.kinds AS kind RETURN kind, count(*) ORDER BY kind"
                ).values()
            )
            counts.collaborations_by_kind = dict(
                tx.run("MATCH (c:Collaboration) RETURN c.kind, count(*) ORDER BY c.kind").values()
            )
            counts.relations_by_type = dict(
                tx.run(
                    """
                    MATCH ()-[r]->() WHERE r.key IS NOT NULL
                    RETURN type(r) AS type, count(*) ORDER BY type
                    """
                ).values()
            )
            return counts

        counts = self._read_consistent(work)
        counts.actors = sum(counts.actors_by_sector.values())
        counts.collaborations = sum(counts.collaborations_by_kind.values())
        counts.relations = sum(counts.relations_by_type.values())
        return counts

    @_unavailable
    def generation(self) -> int:
        """A number that changes with every committed write."""
        return self._query("MATCH (m:MapperMeta) RETURN m.generation AS g")[0]["g"]

    @_unavailable
    def analysis_rows(self) -> tuple[int, AnalysisRows]:
        """(generation, every actor, collaboration and relation as plain columns), one read.

        Each query returns its columns as lists in a single record, which the driver decodes
        several times faster than one record per row. Only actor -> actor relations are filtered
        by their dates, so only their records are read for `start` and `end`."""

        def work(tx: ManagedTransaction) -> tuple[int, AnalysisRows]:
            generation = tx.run("MATCH (m:MapperMeta) RETURN m.generation").single()[0]
            rows = AnalysisRows()
            attributes = list(ACTOR_ATTRIBUTES)
            actors = _transposed(
                tx.run(_ACTOR_ROWS, attributes=attributes).single()[0], 4 + len(attributes)
            )
            rows.actor_ids, rows.actor_names, rows.actor_sectors, rows.actor_regions = actors[:4]
            rows.actor_attributes = dict(zip(attributes, actors[4:], strict=True))
            (
                rows.collaboration_ids,
                rows.collaboration_regions,
                rows.collaboration_starts,
                rows.collaboration_ends,
            ) = _transposed(tx.run(_COLLABORATION_ROWS).single()[0], 4)
            relations = _transposed(tx.run(_RELATION_ROWS).single()[0], 6)
            types, sources, targets, years, records, rows.relation_keys = relations
            rows.relation_types, rows.relation_sources, rows.relation_targets = (
                types,
                sources,
                targets,
            )
            rows.relation_years = years
            dates = [_dates(record) for record in records]
            rows.relation_starts = [start for start, _ in dates]
            rows.relation_ends = [end for _, end in dates]
            return generation, rows

        return self._read_consistent(work)

    @_unavailable
    def snapshot(self) -> nx.MultiDiGraph:
        """The whole graph, frozen; cached until the next write."""

        def work(tx: ManagedTransaction) -> tuple[int, list[str], list[str], list] | int:
            generation = tx.run("MATCH (m:MapperMeta) RETURN m.generation").single()[0]
            if self._snapshots.get(generation) is not None:
                return generation
            return (
                generation,
                tx.run("MATCH (a:Actor) RETURN a.record").value(),
                tx.run("MATCH (c:Collaboration) RETURN c.record").value(),
                tx.run("MATCH ()-[r]->() WHERE r.key IS NOT NULL RETURN r.key, r.record").values(),
            )

        result = self._read_consistent(work)
        if isinstance(result, int):
            cached = self._snapshots.get(result)
            if cached is not None:
                return cached
            return self.snapshot()  # dropped meanwhile by another thread: read again
        return self._snapshots.build(*result)
