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

A load of up to `stage_above` records (100 000 by default, MAPPER_NEO4J_STAGE_ABOVE; with
`replace`, the records the dataset holds count too) is one managed write transaction (retried by
the driver on transient errors), sent as `UNWIND` batches: a batch that fails half-way leaves
the database as it was, and readers see all of it or none.

A larger load is staged, so that Neo4j need not hold it all in transaction memory (a million
relations took about 10 GB of heap in one transaction):

- a `(:MapperLoad {id, owner, dataset, started_at, heartbeat})` marker is taken first; while it
  is there every other write (a small load, a merge, a remove, `clear`) and a second staged
  load refuse with LoadInProgress, which names the load;
- what decides the writes is read before anything is written (merges, the check against the
  store, shared sources, what a replace removes), each kind's stored records just before that
  kind is written (no earlier write changes them);
- the writes go out in transactions of `stage_rows` rows at most (20 000 by default,
  MAPPER_NEO4J_STAGE_ROWS), each with its undo entry `(:MapperUndo {load, seq, ops})`
  (mapper.stores.neo4j_undo): what it made, and what it changed or deleted as it was before,
  written in the same transaction, so the way back is never lost;
- if anything fails (a driver error, our own, KeyboardInterrupt), the entries are undone, last
  first, one transaction each, and the marker goes: the store holds exactly what it held
  before (its generation has moved on), and the error is raised again;
- a load whose process died leaves its marker and entries: the next write, the first use of a
  store object or `recover()` rolls it back once its heartbeat (set by every stage) is
  `stale_after` seconds old (600 by default);
- on success one transaction removes the marker; the undo entries are deleted after it.

Every stage bumps MapperMeta.generation, so nothing is cached under a generation that a later
stage changes. Readers see a staged load as it goes, stage by stage: a read of many statements
is still consistent (it is read again if a stage commits meanwhile), but between stages the
store holds part of the load.
"""

from __future__ import annotations

import contextlib
import functools
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import networkx as nx
from neo4j import READ_ACCESS, WRITE_ACCESS, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_errors

from mapper.errors import (
    ActorNotFound,
    CollaborationNotFound,
    LoadInProgress,
    LoadTooLarge,
    StoreUnavailable,
)
from mapper.filters import ACTOR_ATTRIBUTES, ActorFilter, CollaborationFilter, Listing
from mapper.merging import plan_merge, resolve_merges
from mapper.model import (
    Actor,
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
from mapper.stores.neo4j_undo import KIND_LABELS, Step, Undo, capture, reverse

__all__ = [
    "CHUNK",
    "STAGE_ABOVE",
    "STAGE_ROWS",
    "STALE_AFTER",
    "Neo4jStore",
]

CHUNK = 5_000  # rows a statement
STAGE_ABOVE = 100_000  # records: a larger load is staged (module docstring)
STAGE_ROWS = 20_000  # rows a stage transaction, at most
STALE_AFTER = 600.0  # seconds without a heartbeat after which a staged load is rolled back
# Each kind of record: how one is found by its key (`key` from UNWIND), how all are matched, and
# the property of its key. Labels from this closed set only.
_HELD = {
    "actor": "MATCH (n:Actor {id: key})",
    "collaboration": "MATCH (n:Collaboration {id: key})",
    # by type, the key indexes being per type. SEEK: a plan made on index statistics older
    # than the load (an index still sampled as empty) scanned the index for each key instead
    "relation": "MATCH ()-[n:{type} {{key: key}}]->() USING INDEX SEEK n:{type}(key)",
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
_KIND_LABELS = KIND_LABELS
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
    "CREATE CONSTRAINT load_id IF NOT EXISTS FOR (l:MapperLoad) REQUIRE l.id IS UNIQUE",
    "CREATE INDEX undo_load IF NOT EXISTS FOR (u:MapperUndo) ON (u.load, u.seq)",
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
_SEARCH_PROPERTIES = ("search_terms", "search_sort", "search")


def _search_props(found: list[str]) -> dict[str, Any]:
    """The search properties of a record with these folded terms."""
    words = sorted({word for term in found for word in term.split()})
    return dict(zip(_SEARCH_PROPERTIES, (found, found[0], " ".join(words)), strict=True))


def _search_step(label: str, rows: list[dict[str, Any]]) -> Step:
    """The write of the search nodes (`label`) of the records of `rows` (`row.search`)."""
    return Step(
        _WRITE_SEARCH.format(label=label), rows, Undo(label, sets=_SEARCH_PROPERTIES), key="id"
    )


def _matches(held: dict[str, list[str]]) -> Iterable[tuple[str, Undo, str, list[str]]]:
    """(kind, the target of the undo of a write to them, the MATCH of one record by `key`, the
    keys it is for) for each kind of record, relations by type (a relation key starts with its
    type: Relation.key)."""
    for kind, keys in held.items():
        if kind != "relation":
            yield kind, Undo(_REMOVABLE[kind][0]), _HELD[kind], keys
            continue
        by_type: dict[str, list[str]] = {}
        for key in keys:
            by_type.setdefault(RelationType(key.partition(":")[0]).value, []).append(key)
        for name, group in by_type.items():  # a type from the closed RelationType enum
            yield kind, Undo(name, relationship=True), _HELD["relation"].format(type=name), group


def _sets(target: Undo, *names: str) -> Undo:
    """What undoes a write that sets the properties `names` of `target`'s records."""
    return replace(target, sets=names)


def _deletion(target: Undo, find: str, keys: list[str], *, detach: bool = False) -> Step:
    """The write that deletes what `find` (a MATCH of `n` by `key`) finds for each key, and
    what undoes it."""
    delete = "DETACH DELETE" if detach else "DELETE"
    return Step(f"UNWIND $rows AS key {find} {delete} n", keys, replace(target, find=find))


# The writes of a load (and every other write) lock the meta node first and bump the
# generation; then a staged load's marker, if one is there, refuses them.
_LOCK = """
MATCH (m:MapperMeta) SET m.generation = m.generation + 1
WITH m MATCH (l:MapperLoad)
RETURN l.id, l.dataset, l.started_at, (timestamp() - l.heartbeat) / 1000.0
"""
_MARKER = """
MATCH (l:MapperLoad)
RETURN l.id, l.dataset, l.started_at, (timestamp() - l.heartbeat) / 1000.0
"""
# A stage is the load's while the marker names it as owner; each one beats its heart.
_CLAIM = """
MATCH (m:MapperMeta) SET m.generation = m.generation + 1
WITH m OPTIONAL MATCH (l:MapperLoad {id: $load, owner: $owner})
SET l.heartbeat = timestamp()
RETURN l IS NOT NULL
"""
_HELD_COUNT = """
CALL () {
    MATCH (n) WHERE (n:Actor OR n:Collaboration) AND $dataset IN n.datasets RETURN n
    UNION ALL
    MATCH ()-[n]->() WHERE $dataset IN n.datasets RETURN n
}
RETURN count(n) AS held
"""
_UNDO_PER_TRANSACTION = 10  # entries deleted in one transaction; each up to a stage's keys
_DROP_UNDO = """
MATCH (u:MapperUndo {load: $load}) WITH u LIMIT $limit DELETE u RETURN count(*)
"""


@dataclass(frozen=True)
class _Load:
    """A staged load: its id, its dataset, and who acts on it (the loading process, or the
    one that took it over to roll it back)."""

    id: str
    dataset: str | None
    owner: str


def _claimed(tx: ManagedTransaction, load: _Load) -> bool:
    """Lock the meta node, bump the generation and the load's heartbeat; whether the load is
    still `load.owner`'s."""
    return tx.run(_CLAIM, load=load.id, owner=load.owner).single()[0]


def _taken_over(load: _Load) -> LoadInProgress:
    return LoadInProgress(
        f"load {load.id} was taken over by another process, which rolls it back: its "
        "heartbeat was older than that process allows"
    )


def _finish(tx: ManagedTransaction, load: _Load) -> None:
    """The last transaction of a staged load: its marker goes."""
    if not _claimed(tx, load):
        raise _taken_over(load)
    tx.run("MATCH (l:MapperLoad {id: $load}) DELETE l", load=load.id).consume()


def _undo_last(tx: ManagedTransaction, load: _Load) -> bool:
    """Reverse the load's last undo entry and delete it, or, with none left, its marker;
    whether there may be more to do."""
    if not _claimed(tx, load):
        return False
    entry = tx.run(
        "MATCH (u:MapperUndo {load: $load}) RETURN u.seq, u.ops ORDER BY u.seq DESC LIMIT 1",
        load=load.id,
    ).single()
    if entry is None:
        tx.run("MATCH (l:MapperLoad {id: $load}) DELETE l", load=load.id).consume()
        return False
    reverse(tx, json.loads(entry[1]))
    tx.run(
        "MATCH (u:MapperUndo {load: $load, seq: $seq}) DELETE u", load=load.id, seq=entry[0]
    ).consume()
    return True


def _take_over(tx: ManagedTransaction, load: _Load, stale_after: float) -> bool:
    """Make `load.owner` the owner of a load whose heartbeat is still `stale_after` seconds
    old; whether it is."""
    return (
        tx.run(
            """
            MATCH (m:MapperMeta) SET m.generation = m.generation + 1
            WITH m MATCH (l:MapperLoad {id: $load})
            WHERE timestamp() - l.heartbeat > $stale
            SET l.owner = $owner, l.heartbeat = timestamp()
            RETURN count(l)
            """,
            load=load.id,
            owner=load.owner,
            stale=stale_after * 1000,
        ).single()[0]
        > 0
    )


def _drop_orphans(tx: ManagedTransaction) -> int:
    """Delete some undo entries of loads that have no marker (finished, or rolled back by a
    process that died before it dropped them); how many."""
    return tx.run(
        """
        MATCH (u:MapperUndo) WHERE NOT EXISTS { MATCH (l:MapperLoad {id: u.load}) }
        WITH u LIMIT $limit DELETE u RETURN count(*)
        """,
        limit=_UNDO_PER_TRANSACTION,
    ).single()[0]


class _Direct:
    """The writes of one transaction: statements run in it, and so does each write step, CHUNK
    rows a statement."""

    def __init__(self, tx: ManagedTransaction):
        self._tx = tx

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self._tx.run(query, parameters, **kwargs)

    def put(self, step: Step) -> None:
        for chunk in _chunks(step.rows):
            self._tx.run(step.query, {**step.params, "rows": chunk}).consume()


class _Stages:
    """The writes of a staged load: each write step in transactions of the store's
    `stage_rows` rows at most, each with its undo entry; statements only read (in read access
    mode, so a write that is not a step fails), and see the stages committed so far."""

    def __init__(self, store: Neo4jStore, load: _Load):
        self._store = store
        self.load = load
        self.seq = 0
        self.made: dict[str, set[str]] = {}  # by label or type, the keys this load made
        self._reader = store._session(READ_ACCESS)
        self._writer = store._session()

    def close(self) -> None:
        for session in (self._reader, self._writer):
            with contextlib.suppress(Exception):
                session.close()

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self._reader.run(query, parameters, **kwargs)

    def put(self, step: Step) -> None:
        for rows in _chunks(step.rows, self._store.stage_rows):
            made = self._writer.execute_write(self._stage, step, rows)
            self.made.setdefault(step.undo.target, set()).update(made)
            self.seq += 1

    def _stage(self, tx: ManagedTransaction, step: Step, rows: list) -> list[str]:
        """One stage: claim the load, keep what reverses the step, write it; the keys made."""
        if not _claimed(tx, self.load):
            raise _taken_over(self.load)
        try:
            ops, made = capture(tx, step, rows, self.made)
            tx.run(
                "CREATE (:MapperUndo {load: $load, seq: $seq, ops: $ops})",
                load=self.load.id,
                seq=self.seq,
                ops=json.dumps(ops, ensure_ascii=False),
            ).consume()
            for chunk in _chunks(rows):
                tx.run(step.query, {**step.params, "rows": chunk}).consume()
        except neo4j_errors.TransientError as error:
            if error.code != _OUT_OF_TRANSACTION_MEMORY:
                raise  # retried by the driver
            raise LoadTooLarge(  # retrying cannot help
                f"a stage of {len(rows):,} rows of this load does not fit in a transaction on "
                f"Neo4j at {self._store.location} ({error.message}); nothing was changed. Set "
                "MAPPER_NEO4J_STAGE_ROWS lower, or raise dbms.memory.transaction.total.max"
            ) from None
        return made


_Writes = _Direct | _Stages


class Neo4jStore:
    """The ecosystem in a Neo4j 5 database; `uri` may be bolt://, neo4j:// or neo4j+s://.

    A load of more than `stage_above` records is written in stages of `stage_rows` rows, and
    rolled back if it fails; a staged load that stopped beating for `stale_after` seconds is
    rolled back by the next write (module docstring)."""

    kind = "neo4j"

    def __init__(
        self,
        uri: str,
        *,
        user: str | None = None,
        password: str | None = None,
        database: str | None = None,
        stage_above: int | None = None,
        stage_rows: int | None = None,
        stale_after: float = STALE_AFTER,
    ):
        self.location = uri
        self.database = database
        self.stage_above = STAGE_ABOVE if stage_above is None else stage_above
        self.stage_rows = STAGE_ROWS if stage_rows is None else stage_rows
        self.stale_after = stale_after
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

    def _session(self, access: str = WRITE_ACCESS):
        return self._driver.session(database=self.database, default_access_mode=access)

    def _ensure_schema(self, *, recover: bool = True) -> None:
        """Make the schema and the meta node if missing, refold an old store's search nodes,
        and (with `recover`) roll back a staged load whose process died."""
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
        if recover:
            self._recover_stale()

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
        """Run `work(writes, *args)` in one managed write transaction that bumps the generation
        (`writes` runs statements and write steps in it). Raises LoadInProgress while a staged
        load runs, LoadTooLarge if the transaction outgrows Neo4j's transaction memory."""
        self._ensure_schema()
        self._recover_stale()

        def unit(tx: ManagedTransaction) -> _T:
            running = tx.run(_LOCK).values()
            if running:
                raise self._in_progress(*running[0])
            try:
                return work(_Direct(tx), *args)
            except neo4j_errors.TransientError as error:
                if error.code != _OUT_OF_TRANSACTION_MEMORY:
                    raise  # retried by the driver
                raise LoadTooLarge(  # retrying cannot help; the transaction is rolled back
                    f"this write does not fit in one transaction on Neo4j at {self.location} "
                    f"({error.message}); nothing was changed. A load of more than "
                    f"{self.stage_above:,} records is written in stages of {self.stage_rows:,} "
                    "rows, each its own transaction: set MAPPER_NEO4J_STAGE_ABOVE below the "
                    "size of this load so that it is, or raise dbms.memory.transaction.total.max"
                ) from None

        with self._session() as session:
            return session.execute_write(unit)

    def _in_progress(
        self, load: str, dataset: str | None, started_at: str, silent: float
    ) -> LoadInProgress:
        named = f"of dataset {dataset!r} " if dataset is not None else ""
        return LoadInProgress(
            f"a load {named}is being written to Neo4j at {self.location} in stages (load {load}, "
            f"started {started_at}, last heartbeat {silent:.0f} s ago); no other write can run "
            f"until it is done. If its process died, the first write after {self.stale_after:.0f}"
            " s without a heartbeat rolls it back (or Neo4jStore.recover())"
        )

    # -- staged loads (module docstring) ------------------------------------------------------

    def _is_large(self, batch: Batch, dataset: str | None, replace: bool) -> bool:
        """Whether a load is staged: more than `stage_above` records, counting with `replace`
        the records the dataset holds (all of which it may remove)."""
        records = len(batch.actors) + len(batch.collaborations) + len(batch.relations)
        if records > self.stage_above or dataset is None or not replace:
            return records > self.stage_above
        held = self._query(_HELD_COUNT, dataset=dataset)[0]["held"]
        return records + held > self.stage_above

    def _staged(self, dataset: str | None, work: Callable[..., _T], *args: Any) -> _T:
        """Run `work(stages, *args)` as a staged load of `dataset`: every write step in
        transactions of `stage_rows` rows with their undo entries, all undone if anything
        fails. Raises LoadInProgress while another staged load runs, and whatever `work` or
        the driver raised, after the rollback."""
        self._ensure_schema()
        self._recover_stale()
        load = self._begin(dataset)
        stages = _Stages(self, load)
        try:
            result = work(stages, *args)
            stages.close()
            with self._session() as session:
                session.execute_write(_finish, load)
        except BaseException as error:
            stages.close()  # rolls back a stage left open (KeyboardInterrupt): it holds locks
            self._roll_back(load, error)
            raise
        with contextlib.suppress(neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError):
            self._drop_undo(load.id)  # done; what is left, the next write drops
        return result

    def _begin(self, dataset: str | None) -> _Load:
        """Take the marker of a new staged load; LoadInProgress if another one has it."""
        load_id = uuid.uuid4().hex
        load = _Load(load_id, dataset, owner=load_id)

        def unit(tx: ManagedTransaction) -> None:
            running = tx.run(_LOCK).values()
            if running:
                raise self._in_progress(*running[0])
            tx.run(
                """
                CREATE (:MapperLoad {id: $load, owner: $load, dataset: $dataset,
                                     started_at: $at, heartbeat: timestamp()})
                """,
                load=load.id,
                dataset=dataset,
                at=now(),
            ).consume()

        with self._session() as session:
            session.execute_write(unit)
        return load

    def _roll_back(self, load: _Load, error: BaseException | None = None) -> None:
        """Undo the load's entries, last first, one transaction each, then drop its marker;
        stop if another process took the load over. A failure on the way is noted on `error`
        (raised again by the caller) and left to the next write."""
        try:
            with self._session() as session:
                while session.execute_write(_undo_last, load):
                    pass
        except Exception as failure:
            if error is None:
                raise
            error.add_note(
                f"Rolling the load back failed too ({type(failure).__name__}: {failure}); the "
                f"first write {self.stale_after:.0f} s after its last heartbeat rolls it back."
            )

    def _recover_stale(self) -> str | None:
        """Roll back a staged load whose heartbeat is `stale_after` seconds old, or drop the
        undo entries of loads that are over; the id of the load rolled back, or None."""
        with self._session(READ_ACCESS) as session:
            marker = session.run(_MARKER).values()
            entries = session.run("MATCH (u:MapperUndo) RETURN count(u)").single()[0]
        if not marker:
            with self._session() as session:
                while entries and session.execute_write(_drop_orphans):
                    pass
            return None
        load_id, dataset, _, silent = marker[0]
        if silent <= self.stale_after:
            return None
        load = _Load(load_id, dataset, owner=uuid.uuid4().hex)
        with self._session() as session:
            taken = session.execute_write(_take_over, load, self.stale_after)
        if not taken:
            return None  # someone else has it
        self._roll_back(load)
        return load.id

    def _drop_undo(self, load_id: str) -> None:
        with self._session() as session:
            while session.run(_DROP_UNDO, load=load_id, limit=_UNDO_PER_TRANSACTION).single()[0]:
                pass

    @_unavailable
    def recover(self) -> str | None:
        """Roll back a staged load whose process died (its heartbeat `stale_after` seconds old,
        or older) and drop the undo entries of finished loads; the id of the load rolled back,
        or None if there was none. Raises LoadInProgress while a load's heartbeat is fresh."""
        self._ensure_schema(recover=False)
        rolled_back = self._recover_stale()
        if rolled_back is None:
            with self._session(READ_ACCESS) as session:
                running = session.run(_MARKER).values()
            if running:
                raise self._in_progress(*running[0])
        return rolled_back

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
        """Write the batch all or nothing: in one transaction, or staged if it is large (module
        docstring). Raises InvalidBatch, LoadInProgress, LoadTooLarge or StoreUnavailable."""
        if self._is_large(batch, dataset, replace):
            return self._staged(dataset, self._apply, batch, dataset, replace)
        return self._write(self._apply, batch, dataset, replace)

    def _apply(self, tx: _Writes, batch: Batch, dataset: str | None, replace: bool) -> ApplyReport:
        """Read what decides the writes (merges, the check, shared sources, what a replace
        removes), then write: merge records, actors, collaborations, relations, datasets."""
        report = ApplyReport(dataset=dataset)
        batch, merged = self._resolve_merges(tx, batch)
        collaboration_ids = self._check(tx, batch)
        if dataset is not None:
            batch = with_shared_sources(batch, self._shared(tx, dataset, batch))
        leaving = self._leaving(tx, dataset, batch) if dataset is not None and replace else None
        self._update_merges(tx, merged)
        self._write_actors(tx, batch.actors, report.actors)
        self._write_collaborations(tx, batch.collaborations, report.collaborations)
        self._write_relations(tx, batch.relations, report.relations, collaboration_ids)
        if dataset is not None:
            self._hold(tx, dataset, batch, leaving, report)
        return report

    @staticmethod
    def _shared(tx: _Writes, dataset: str, batch: Batch) -> dict[str, dict[str, str]]:
        """The stored JSON of the batch's records that another dataset holds, by kind and key."""
        keys = by_kind(dataset_keys(batch))
        shared: dict[str, dict[str, str]] = {kind: {} for kind in _HELD}
        others = tx.run(
            "MATCH (d:MapperDataset) WHERE d.name <> $dataset RETURN count(d)", dataset=dataset
        ).single()[0]
        if not others:
            return shared
        for kind, _, match, group in _matches(keys):
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

    def _leaving(
        self, tx: _Writes, dataset: str, batch: Batch
    ) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
        """What replacing `dataset` by `batch` changes, read before anything is written: the
        dataset's records the batch does not hold that another dataset does (they only leave
        it), and the records to remove: those no dataset holds then, unless a relation that
        stays (stored, or in the batch) points at them or names them (kept_orphans)."""
        held = by_kind(dataset_keys(batch))
        stay: dict[str, list[str]] = {kind: [] for kind in _EVERY}
        orphans: list[tuple[str, str]] = []
        for kind, every in _EVERY.items():  # patterns from this closed set only
            for key, alone in tx.run(
                f"""
                {every} WHERE $dataset IN n.datasets AND NOT n.{_KEYS[kind]} IN $keys
                RETURN n.{_KEYS[kind]}, all(d IN n.datasets WHERE d = $dataset)
                """,
                keys=held[kind],
                dataset=dataset,
            ).values():
                if alone:
                    orphans.append((kind, key))
                else:
                    stay[kind].append(key)
        ends = {key for kind, key in orphans if kind != "relation"}
        referencing = [tuple(pair) for pair in self._referencing(tx, orphans)]
        referencing += [
            (r.key, end)
            for r in batch.relations
            for end in (r.source, r.target, r.collaboration)
            if end in ends
        ]
        return stay, kept_orphans(orphans, referencing)

    def _hold(
        self,
        tx: _Writes,
        dataset: str,
        batch: Batch,
        leaving: tuple[dict[str, list[str]], list[tuple[str, str]]] | None,
        report: ApplyReport,
    ) -> None:
        """Make the batch's records part of `dataset` (their `datasets` list); with `leaving`
        (a replace: _leaving), only them."""
        self._join(tx, dataset, by_kind(dataset_keys(batch)))
        if leaving is not None:
            stay, removable = leaving
            for _, target, match, keys in _matches(stay):
                tx.put(
                    Step(
                        f"""
                        UNWIND $rows AS key {match}
                        SET n.datasets = [d IN n.datasets WHERE d <> $dataset]
                        """,
                        keys,
                        _sets(target, "datasets"),
                        params={"dataset": dataset},
                    )
                )
            self._remove(tx, removable, report)
        tx.put(
            Step(
                """
                UNWIND $rows AS name MERGE (n:MapperDataset {name: name})
                SET n.loaded_at = $at, n.loads = coalesce(n.loads, 0) + 1
                """,
                [dataset],
                Undo("MapperDataset", sets=("loaded_at", "loads")),
                params={"at": now()},
            )
        )

    @staticmethod
    def _join(tx: _Writes, dataset: str, held: dict[str, list[str]]) -> None:
        """Make the records (keys by kind) part of `dataset` (their `datasets` list)."""
        for _, target, match, keys in _matches(held):
            tx.put(
                Step(
                    f"""
                    UNWIND $rows AS key {match}
                    WHERE NOT $dataset IN coalesce(n.datasets, [])
                    SET n.datasets = coalesce(n.datasets, []) + $dataset
                    """,
                    keys,
                    _sets(target, "datasets"),
                    params={"dataset": dataset},
                )
            )

    @staticmethod
    def _remove(tx: _Writes, records: list[tuple[str, str]], report: ApplyReport) -> None:
        """Remove records (kind, key), every relation from, to or naming a removed actor or
        collaboration; list them in `report`."""
        ids = by_kind(records)
        keys = set(ids["relation"])
        keys.update(key for key, _ in Neo4jStore._referencing(tx, records))
        ids["relation"] = sorted(keys)
        ends = {"actor": ids["actor"], "collaboration": ids["collaboration"]}
        for kind, target, match, group in _matches({"relation": ids["relation"], **ends}):
            tx.put(_deletion(target, match, group, detach=kind != "relation"))
        for kind, label in _SEARCH_LABELS.items():  # labels from this closed set only
            tx.put(_deletion(Undo(label), f"MATCH (n:{label} {{id: key}})", ids[kind]))
        merges = "MATCH (n:MapperMerge {kept: key})"  # an actor's merges go with it
        tx.put(_deletion(Undo("MapperMerge"), merges, ids["actor"]))
        for part, kind in ((report.actors, "actor"), (report.collaborations, "collaboration")):
            part.removed = sorted({*part.removed, *ids[kind]})
        report.relations.removed = sorted({*report.relations.removed, *ids["relation"]})

    @staticmethod
    def _referencing(tx: _Writes, records: list[tuple[str, str]]) -> list[list[str]]:
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

    def _resolve_merges(self, tx: _Writes, batch: Batch) -> tuple[Batch, list[Actor]]:
        """The batch with merged actors' records and ids turned into the kept actors'
        (mapper.merging.resolve_merges), and the merge records that changes."""
        if tx.run("MATCH (m:MapperMerge) RETURN m.id LIMIT 1").single() is None:
            return batch, []
        ids = batch_ids(batch)
        kept_ids = tx.run(
            "MATCH (m:MapperMerge) WHERE m.id IN $ids RETURN collect(DISTINCT m.kept)", ids=ids
        ).single()[0]
        rows = tx.run(
            "MATCH (m:MapperMerge) WHERE m.kept IN $kept RETURN m.id, m.kept, m.record",
            kept=[*ids, *kept_ids],
        ).values()
        if not rows:
            return batch, []
        merges = {merged: kept for merged, kept, _ in rows}
        own = {actor.id for actor in batch.actors}
        kept = {a.id: a for a in self._actors(tx, sorted(set(merges.values()) - own))}
        merges = {i: into for i, into in merges.items() if into in kept or into in own}
        merged = {i: Actor.model_validate_json(r) for i, _, r in rows if i in merges}
        return resolve_merges(batch, merges, kept, merged)

    @staticmethod
    def _update_merges(tx: _Writes, updated: list[Actor]) -> None:
        tx.put(
            Step(
                "UNWIND $rows AS row MATCH (n:MapperMerge {id: row.id}) SET n.record = row.record",
                [{"id": a.id, "record": a.model_dump_json()} for a in updated],
                Undo("MapperMerge", sets=("record",)),
                key="id",
            )
        )

    @staticmethod
    def _actors(tx: _Writes, ids: list[str]) -> list[Actor]:
        records = tx.run("MATCH (a:Actor) WHERE a.id IN $ids RETURN a.record", ids=ids).value()
        return [Actor.model_validate_json(record) for record in records]

    @staticmethod
    def _relations_by_key(tx: _Writes, keys: list[str]) -> list[tuple[Relation, list]]:
        """The stored relations with these keys, each with its datasets."""
        found = []
        for _, _, match, group in _matches({"relation": keys}):
            found += tx.run(
                f"UNWIND $keys AS key {match} RETURN n.record, coalesce(n.datasets, [])",
                keys=group,
            ).values()
        return [(Relation.model_validate_json(record), datasets) for record, datasets in found]

    @_unavailable
    def merge(self, merges: Mapping[str, Sequence[str]]) -> ApplyReport:
        def work(tx: _Writes) -> ApplyReport:
            report = ApplyReport()
            for kept_id, merged_ids in merges.items():
                self._merge(tx, kept_id, list(merged_ids), report)
            return report

        return self._write(work)

    def _merge(self, tx: _Writes, kept_id: str, merged_ids: list[str], report: ApplyReport) -> None:
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

        def work(tx: _Writes) -> ApplyReport:
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
    def _check(tx: _Writes, batch: Batch) -> set[str]:
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
        tx: _Writes, query: str, rows: list[dict[str, Any]], key: str, report: TypeReport
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

    def _write_actors(self, tx: _Writes, actors: list[Actor], report: TypeReport) -> None:
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
            tx.put(
                Step(
                    f"""
                    UNWIND $rows AS row
                    MERGE (a:Actor {{id: row.id}})
                    REMOVE a:{_ALL_KIND_LABELS}
                    SET a += row.props, a:{label_text}
                    """,
                    group,
                    Undo("Actor", sets=tuple(group[0]["props"])),
                    key="id",
                )
            )
        tx.put(_search_step("ActorSearch", changed))

    def _write_collaborations(
        self, tx: _Writes, collaborations: list[Collaboration], report: TypeReport
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
        if changed:
            tx.put(
                Step(
                    """
                    UNWIND $rows AS row
                    MERGE (c:Collaboration {id: row.id})
                    SET c += row.props
                    """,
                    changed,
                    Undo("Collaboration", sets=tuple(changed[0]["props"])),
                    key="id",
                )
            )
        tx.put(_search_step("CollaborationSearch", changed))

    def _write_relations(
        self,
        tx: _Writes,
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
                f"MATCH ()-[r:{name}]->() USING INDEX SEEK r:{name}(key) WHERE r.key IN $keys "
                "RETURN r.key, r.record",
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
                tx.put(
                    Step(
                        f"""
                        UNWIND $rows AS row
                        MATCH (s:Actor {{id: row.source}})
                        MATCH (t:{target} {{id: row.target}})
                        CREATE (s)-[r:{name}]->(t)
                        SET r = row.props
                        """,
                        group,
                        Undo(name, relationship=True, creates=True),
                        key="key",
                    )
                )
            updated = [row for row in changed if not row["new"]]
            if updated:
                tx.put(
                    Step(
                        f"""
                        UNWIND $rows AS row
                        MATCH ()-[r:{name} {{key: row.key}}]->() USING INDEX SEEK r:{name}(key)
                        SET r += row.props
                        """,
                        updated,
                        Undo(name, relationship=True, sets=tuple(updated[0]["props"])),
                        key="key",
                    )
                )

    @_unavailable
    def clear(self) -> None:
        """Delete every actor, collaboration, dataset and merge: a Neo4j database is shared, so
        the tests and the bench empty it between runs (an embedded store is a new file instead)."""

        def work(tx: _Writes) -> None:
            tx.run(  # no load runs (_write), so every undo entry left is an old one
                "MATCH (n) WHERE n:Actor OR n:Collaboration OR n:MapperDataset OR n:MapperMerge "
                "OR n:ActorSearch OR n:CollaborationSearch OR n:MapperUndo DETACH DELETE n"
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
