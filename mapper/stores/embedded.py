"""EmbeddedStore: the default store, one SQLite file (WAL mode) and a cached networkx snapshot.

Several processes may read while one writes: SQLite's WAL gives every read transaction a
consistent view, and a write (`apply`) is one `BEGIN IMMEDIATE` transaction, so a crash or a
kill -9 half-way leaves the file as it was. A `generation` counter in the file goes up with every
write; the snapshot is rebuilt only when it has changed, whichever process wrote.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx
import numpy as np
import pydantic

from mapper.errors import (
    ActorNotFound,
    CollaborationNotFound,
    StoreCorrupt,
    StoreMissing,
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
    TypeReport,
    year_of,
)
from mapper.search import SEARCH_VERSION, SearchIndex, fold, record_terms, terms
from mapper.stores.base import Counts, DatasetInfo, Page
from mapper.stores.common import (
    SearchIndexCache,
    SnapshotCache,
    StoredRecordInvalid,
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
    "DEFAULT_PATH",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "EmbeddedStore",
    "default_path",
]

_ACTOR_COLUMNS = ("ids", "names", "sectors", "regions")
# The scope's actor-attribute filters read the record's field of that name (a declared name).
_ACTOR_ROWS = "SELECT id, json_extract(record, '$.name'), sector, region{} FROM actors".format(
    "".join(f", json_extract(record, '$.{name}')" for name in ACTOR_ATTRIBUTES)
)
_COLLABORATION_COLUMNS = ("ids", "regions", "starts", "ends")
_COLLAB_ROWS = "SELECT id, region, start_year, end_year FROM collaborations"
_RELATION_COLUMNS = ("types", "sources", "targets", "years", "starts", "ends", "keys")
# Two queries: participations need only their two ends (they are never filtered by date, and
# most relations are participations); the others carry the years of their record.
_PARTICIPATION_ROWS = "SELECT source, target FROM relations WHERE type = 'PARTICIPATES_IN'"
_RELATION_ROWS = """
SELECT type, source, target, json_extract(record, '$.year'),
       CAST(substr(json_extract(record, '$.start'), 1, 4) AS INTEGER),
       CAST(substr(json_extract(record, '$.end'), 1, 4) AS INTEGER), key
FROM relations WHERE type != 'PARTICIPATES_IN'
"""


def _columns(connection: sqlite3.Connection, query: str, width: int) -> list[list]:
    """The result of `query` as `width` column lists (numpy transposes 3x faster than zip)."""
    found = connection.execute(query).fetchall()
    if not found:
        return [[] for _ in range(width)]
    return np.array(found, dtype=object).T.tolist()


def _fill(rows: AnalysisRows, kind: str, names: tuple[str, ...], columns: list[list]) -> None:
    for name, column in zip(names, columns, strict=True):
        setattr(rows, f"{kind}_{name}", column)


SCHEMA_NAME = "ecosystem-mapper"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS actors (
    id TEXT PRIMARY KEY,
    sector TEXT NOT NULL,
    kinds TEXT NOT NULL,
    region TEXT,
    search TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS actors_sector ON actors (sector);
CREATE INDEX IF NOT EXISTS actors_region ON actors (region);
CREATE TABLE IF NOT EXISTS collaborations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    region TEXT,
    start_year INTEGER,
    end_year INTEGER,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS relations (
    key TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    record TEXT NOT NULL
);
-- Covering (source, target) and (target, source): neighbours and shared collaborations are
-- answered from the indexes alone, without reading the wide rows (30x faster for a hub).
CREATE INDEX IF NOT EXISTS relations_source_target ON relations (source, target);
CREATE INDEX IF NOT EXISTS relations_target_source ON relations (target, source);
DROP INDEX IF EXISTS relations_source;
DROP INDEX IF EXISTS relations_target;
-- Which dataset holds which record (kind: actor, collaboration or relation, key: id or
-- relation key). A record is removed by a replace only when no dataset holds it any more.
CREATE TABLE IF NOT EXISTS memberships (
    dataset TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (dataset, kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS datasets (
    name TEXT PRIMARY KEY,
    loaded_at TEXT NOT NULL,
    loads INTEGER NOT NULL
);
-- An actor merged into another (`mapper merge`): its id, the kept actor's, its record as last
-- loaded and when. A load that holds the id again updates the kept actor instead.
CREATE TABLE IF NOT EXISTS merges (
    id TEXT PRIMARY KEY,
    kept TEXT NOT NULL,
    record TEXT NOT NULL,
    merged_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS merges_kept ON merges (kept);
"""


_T = TypeVar("_T")


def _damaged(method: Callable[..., _T]) -> Callable[..., _T]:
    """Turn SQLite's errors and unreadable stored records into StoreCorrupt / StoreUnavailable.

    A file damaged after it was opened (or a record that no longer parses) then gives a clear
    message at the CLI and a JSON error in the API, never a traceback.
    """

    @functools.wraps(method)
    def wrapper(self: EmbeddedStore, *args: Any, **kwargs: Any) -> _T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreUnavailable(f"{self.path} is busy ({error}); try again") from None
            raise self._corrupt(error) from None
        except (sqlite3.DatabaseError, pydantic.ValidationError, StoredRecordInvalid) as error:
            raise self._corrupt(error) from None

    return wrapper


def default_path() -> Path:
    """`$XDG_DATA_HOME/ecosystem-mapper/map.db`; by default `~/.local/share/ecosystem-mapper/`."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "ecosystem-mapper" / "map.db"


DEFAULT_PATH = default_path()


# Each filter of ActorFilter / CollaborationFilter as an SQL condition on its :parameter.
_WHERE: dict[type, dict[str, str]] = {
    ActorFilter: {
        "sector": "sector = :sector",
        "kind": "instr(kinds, '|' || :kind || '|') > 0",
        "subsector": "json_extract(record, '$.subsector') = :subsector",
        "region": "region = :region",
        "country": "json_extract(record, '$.country') = :country",
    },
    CollaborationFilter: {
        "kind": "kind = :kind",
        "region": "region = :region",
        "year": ":year BETWEEN start_year AND end_year",
    },
}
# where each kind of record is found (a table name from this closed set), and its model
_TABLES: dict[type, tuple[str, type[Actor] | type[Collaboration]]] = {
    ActorFilter: ("actors", Actor),
    CollaborationFilter: ("collaborations", Collaboration),
}


# record kind -> (its table, its key column); a table name doubles as the DatasetInfo field
_KINDS: dict[str, tuple[str, str]] = {
    "actor": ("actors", "id"),
    "collaboration": ("collaborations", "id"),
    "relation": ("relations", "key"),
}
_REMOVABLE: dict[str, tuple[str, type[Exception]]] = {
    "actor": ("actors", ActorNotFound),
    "collaboration": ("collaborations", CollaborationNotFound),
}


_BULK = 50_000  # records in a batch from which a write gets a bulk page cache
_BULK_CACHE_KIB = 512 * 1024


def _other_datasets(connection: sqlite3.Connection, dataset: str) -> list[str]:
    """The datasets that hold records, but for `dataset`."""
    query = "SELECT DISTINCT dataset FROM memberships WHERE dataset != ?"
    return [name for (name,) in connection.execute(query, (dataset,))]


class EmbeddedStore:
    """The ecosystem in one local SQLite file; `EmbeddedStore(":memory:")` keeps it in memory.

    A missing file is made, with its folder; with `create=False` it is not, and opening raises
    StoreMissing instead (for commands that only read).
    """

    kind = "embedded"

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True):
        self.path = str(path) if path is not None else str(default_path())
        if self.path != ":memory:" and Path(self.path).is_file() and not os.path.getsize(self.path):
            raise StoreCorrupt(
                f"{self.path} is empty (0 bytes): not an ecosystem-mapper store; remove it, or "
                "pass another file with --store"
            )
        if not create and self.path != ":memory:" and not Path(self.path).exists():
            raise StoreMissing(
                f"there is no store at {self.path}; make one with `mapper load SEED_FILES "
                f"--store {self.path}`, or name another with --store"
            )
        self.location = self.path
        self._memory = self.path == ":memory:"
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._snapshots = SnapshotCache()
        self._indexes = SearchIndexCache()
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._initialise()

    # -- connections -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA busy_timeout = 30000")
            if not self._memory:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            raise self._corrupt(error) from None
        with self._lock:
            self._connections.append(connection)
        return connection

    @property
    def _connection(self) -> sqlite3.Connection:
        if self._memory:
            if not self._connections:
                return self._connect()
            return self._connections[0]
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._local.connection = self._connect()
        return connection

    def _corrupt(self, error: Exception) -> StoreCorrupt:
        return StoreCorrupt(
            f"{self.path} is not a usable ecosystem-mapper store ({error}); "
            "move it away or pass another file with --store"
        )

    def _initialise(self) -> None:
        try:
            tables = {row[0] for row in self._connection.execute("SELECT name FROM sqlite_master")}
            if tables and "meta" not in tables:
                raise StoreCorrupt(
                    f"{self.path} is an SQLite file of another program (tables: "
                    f"{', '.join(sorted(tables)[:5])}); pass a new file with --store"
                )
            if not tables or not {"relations_source_target", "memberships", "merges"} <= tables:
                self._create_schema()  # new, or made before indexes or tables: adds them
            meta = dict(self._connection.execute("SELECT key, value FROM meta"))
        except sqlite3.DatabaseError as error:
            raise self._corrupt(error) from None
        if meta.get("schema") != SCHEMA_NAME:
            raise StoreCorrupt(f"{self.path} is not an ecosystem-mapper store (schema {meta!r})")
        if meta.get("version") != SCHEMA_VERSION:
            raise StoreCorrupt(
                f"{self.path} has store version {meta.get('version')}, this mapper reads "
                f"version {SCHEMA_VERSION}"
            )
        if meta.get("search_version") != SEARCH_VERSION:
            try:
                self._refold()
            except (sqlite3.DatabaseError, pydantic.ValidationError) as error:
                raise self._corrupt(error) from None

    def _refold(self) -> None:
        """Store every actor's search terms as this version of `mapper.search` folds them."""
        with self._write() as connection:
            rows = connection.execute("SELECT id, record FROM actors").fetchall()
            connection.executemany(
                "UPDATE actors SET search = ? WHERE id = ?",
                (("\n".join(record_terms(Actor.model_validate_json(r))), i) for i, r in rows),
            )
            connection.execute(
                "INSERT OR REPLACE INTO meta VALUES ('search_version', ?)", (SEARCH_VERSION,)
            )

    def _create_schema(self) -> None:
        with self._write() as connection:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    connection.execute(statement)
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_NAME,))
            connection.execute(
                "INSERT OR IGNORE INTO meta VALUES ('version', ?)", (SCHEMA_VERSION,)
            )
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            if not connection.execute("SELECT 1 FROM actors LIMIT 1").fetchone():
                connection.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('search_version', ?)", (SEARCH_VERSION,)
                )

    @contextmanager
    def _write(self, *, bulk: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction; the generation counter goes up with it.

        `bulk` gives the transaction a page cache of _BULK_CACHE_KIB while it runs: a large load
        updates its indexes in memory instead of through SQLite's default 2 MB cache (a third
        faster at 200k relations), and the cache is given back after."""
        connection = self._connection
        if bulk:
            connection.execute(f"PRAGMA cache_size = -{_BULK_CACHE_KIB}")  # a constant
            connection.execute("PRAGMA temp_store = MEMORY")  # the dataset's keys, `held`
        try:
            yield from self._transaction(connection)
        finally:
            if bulk:
                connection.execute("PRAGMA cache_size = -2000")  # SQLite's default, 2 MB
                connection.execute("PRAGMA shrink_memory")

    def _transaction(self, connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise StoreUnavailable(f"{self.path} is locked by another writer ({error})") from None
        try:
            yield connection
            connection.execute(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'"
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query inside sees the same committed state."""
        connection = self._connection
        connection.execute("BEGIN")
        try:
            yield connection
        finally:
            connection.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddedStore({self.path!r})"

    # -- writes ------------------------------------------------------------------------------

    @_damaged
    def apply(
        self, batch: Batch, *, dataset: str | None = None, replace: bool = False
    ) -> ApplyReport:
        report = ApplyReport(dataset=dataset)
        with self._write(bulk=len(batch) > _BULK) as connection:
            batch = self._resolve_merges(connection, batch)
            self._check(connection, batch)
            if dataset is not None:
                batch = with_shared_sources(batch, self._shared(connection, dataset, batch))
            self._write_actors(connection, batch.actors, report.actors)
            self._write_collaborations(connection, batch.collaborations, report.collaborations)
            self._write_relations(connection, batch.relations, report.relations)
            if dataset is not None:
                self._hold(connection, dataset, batch, replace, report)
        return report

    @staticmethod
    def _shared(
        connection: sqlite3.Connection, dataset: str, batch: Batch
    ) -> dict[str, dict[str, str]]:
        """The stored JSON of the batch's records that another dataset holds, by kind and key."""
        others = _other_datasets(connection, dataset)
        shared: dict[str, dict[str, str]] = {kind: {} for kind in _KINDS}
        if not others:
            return shared
        keys = by_kind(dataset_keys(batch))
        for kind, (table, column) in _KINDS.items():  # names from this closed set only
            for other in others:
                shared[kind].update(
                    connection.execute(
                        f"""
                        SELECT m.key, t.record FROM memberships m
                        JOIN {table} t ON t.{column} = m.key
                        WHERE m.dataset = ? AND m.kind = ?
                        AND m.key IN (SELECT value FROM json_each(?))
                        """,
                        (other, kind, json.dumps(keys[kind])),
                    )
                )
        return shared

    def _hold(
        self,
        connection: sqlite3.Connection,
        dataset: str,
        batch: Batch,
        replace: bool,
        report: ApplyReport,
    ) -> None:
        """Make the batch's records part of `dataset`; with `replace`, only them."""
        if replace:
            self._replace(connection, dataset, batch, report)
        else:
            connection.executemany(
                "INSERT OR IGNORE INTO memberships VALUES (?, ?, ?)",
                ((dataset, kind, key) for kind, key in dataset_keys(batch)),
            )
        connection.execute(
            """
            INSERT INTO datasets VALUES (?, ?, 1)
            ON CONFLICT (name) DO UPDATE SET loaded_at = excluded.loaded_at, loads = loads + 1
            """,
            (dataset, now()),
        )

    def _replace(
        self, connection: sqlite3.Connection, dataset: str, batch: Batch, report: ApplyReport
    ) -> None:
        """The batch's records become `dataset`'s; the others leave it, and those no dataset
        holds and nothing needs are removed."""
        connection.execute(
            "CREATE TEMP TABLE IF NOT EXISTS held (kind TEXT, key TEXT, PRIMARY KEY (kind, key))"
        )
        connection.execute("DELETE FROM held")
        connection.executemany("INSERT OR IGNORE INTO held VALUES (?, ?)", dataset_keys(batch))
        connection.execute(
            "INSERT OR IGNORE INTO memberships SELECT ?, kind, key FROM held", (dataset,)
        )
        stale = connection.execute(
            """
            SELECT kind, key FROM memberships m WHERE dataset = ?
            AND NOT EXISTS (SELECT 1 FROM held h WHERE h.kind = m.kind AND h.key = m.key)
            """,
            (dataset,),
        ).fetchall()
        connection.execute("DELETE FROM held")
        connection.executemany(
            "DELETE FROM memberships WHERE dataset = ? AND kind = ? AND key = ?",
            [(dataset, kind, key) for kind, key in stale],
        )
        others = _other_datasets(connection, dataset)
        held_elsewhere = "SELECT 1 FROM memberships WHERE dataset = ? AND kind = ? AND key = ?"
        orphans = [
            (kind, key)
            for kind, key in stale
            if not any(
                connection.execute(held_elsewhere, (other, kind, key)).fetchone()  # the PK
                for other in others
            )
        ]
        removable = kept_orphans(orphans, self._referencing(connection, orphans))
        self._remove(connection, removable, report)
        connection.executemany(  # a record a staying relation needs stays in the dataset
            "INSERT INTO memberships VALUES (?, ?, ?)",
            [(dataset, *record) for record in set(orphans) - set(removable)],
        )

    @staticmethod
    def _remove(
        connection: sqlite3.Connection, records: list[tuple[str, str]], report: ApplyReport
    ) -> None:
        """Remove records (kind, key), every relation from, to or naming a removed actor or
        collaboration, and their memberships; list them in `report`."""
        ids = by_kind(records)
        keys = set(ids["relation"])
        keys.update(key for key, _ in EmbeddedStore._referencing(connection, records))
        ids["relation"] = sorted(keys)
        for kind, (table, column) in _KINDS.items():  # names from this closed set only
            found = json.dumps(ids[kind])
            connection.execute(
                f"DELETE FROM {table} WHERE {column} IN (SELECT value FROM json_each(?))", (found,)
            )
            connection.execute(
                "DELETE FROM memberships WHERE kind = ? "
                "AND key IN (SELECT value FROM json_each(?))",  # few: a scan is fine
                (kind, found),
            )
        connection.execute(  # an actor's merges go with it: a later load makes it anew
            "DELETE FROM merges WHERE kept IN (SELECT value FROM json_each(?))",
            (json.dumps(ids["actor"]),),
        )
        for part, kind in ((report.actors, "actor"), (report.collaborations, "collaboration")):
            part.removed = sorted({*part.removed, *ids[kind]})
        report.relations.removed = sorted({*report.relations.removed, *ids["relation"]})

    @staticmethod
    def _referencing(
        connection: sqlite3.Connection, records: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """(relation key, id) of every relation from, to or naming one of the records."""
        ids = json.dumps([key for kind, key in records if kind != "relation"])
        return connection.execute(
            """
            SELECT key, source FROM relations WHERE source IN (SELECT value FROM json_each(?1))
            UNION ALL
            SELECT key, target FROM relations WHERE target IN (SELECT value FROM json_each(?1))
            UNION ALL
            SELECT key, json_extract(record, '$.collaboration') FROM relations
            WHERE type = 'FUNDS'
            AND json_extract(record, '$.collaboration') IN (SELECT value FROM json_each(?1))
            """,
            (ids,),
        ).fetchall()

    def _resolve_merges(self, connection: sqlite3.Connection, batch: Batch) -> Batch:
        """The batch with merged actors' records and ids turned into the kept actors'
        (mapper.merging.resolve_merges); their merge records updated."""
        if connection.execute("SELECT 1 FROM merges LIMIT 1").fetchone() is None:
            return batch
        ids = json.dumps(batch_ids(batch))
        into = "SELECT kept FROM merges WHERE id IN (SELECT value FROM json_each(?1))"
        rows = connection.execute(
            f"""
            SELECT id, kept, record FROM merges
            WHERE kept IN (SELECT value FROM json_each(?1)) OR kept IN ({into})
            """,
            (ids,),
        ).fetchall()
        if not rows:
            return batch
        merges = {merged: kept for merged, kept, _ in rows}
        own = {actor.id for actor in batch.actors}
        kept = {actor.id: actor for actor in self._actors(connection, set(merges.values()) - own)}
        merges = {i: into for i, into in merges.items() if into in kept or into in own}
        merged = {i: Actor.model_validate_json(r) for i, _, r in rows if i in merges}
        resolved, updated = resolve_merges(batch, merges, kept, merged)
        connection.executemany(
            "UPDATE merges SET record = ? WHERE id = ?",
            [(actor.model_dump_json(), actor.id) for actor in updated],
        )
        return resolved

    @staticmethod
    def _actors(connection: sqlite3.Connection, ids: Iterable[str]) -> list[Actor]:
        query = "SELECT record FROM actors WHERE id IN (SELECT value FROM json_each(?))"
        found = connection.execute(query, (json.dumps(sorted(ids)),))
        return [Actor.model_validate_json(record) for (record,) in found]

    @_damaged
    def merge(self, merges: Mapping[str, Sequence[str]]) -> ApplyReport:
        report = ApplyReport()
        with self._write() as connection:
            for kept_id, merged_ids in merges.items():
                self._merge(connection, kept_id, list(merged_ids), report)
        return report

    def _merge(
        self,
        connection: sqlite3.Connection,
        kept_id: str,
        merged_ids: list[str],
        report: ApplyReport,
    ) -> None:
        actors = {a.id: a for a in self._actors(connection, [kept_id, *merged_ids])}
        for actor_id in (kept_id, *merged_ids):
            if actor_id not in actors:
                raise ActorNotFound(actor_id)
        others = [actors[i] for i in merged_ids]
        keys = sorted(
            {key for key, _ in self._referencing(connection, [("actor", i) for i in merged_ids])}
        )
        relations = self._relations_by_key(connection, keys)
        held = connection.execute(
            """
            SELECT dataset, kind, key FROM memberships
            WHERE (kind = 'actor' AND key IN (SELECT value FROM json_each(?1)))
            OR (kind = 'relation' AND key IN (SELECT value FROM json_each(?2)))
            """,
            (json.dumps(merged_ids), json.dumps(keys)),
        ).fetchall()
        moved_keys = {r.key for r in relations}
        plan = plan_merge(actors[kept_id], others, relations, {})
        targets = sorted({key for key in plan.keys.values() if key is not None} - moved_keys)
        stored = {r.key: r for r in self._relations_by_key(connection, targets)}
        plan = plan_merge(actors[kept_id], others, relations, stored)
        self._remove(connection, [("actor", i) for i in merged_ids], report)
        self._write_actors(connection, [plan.actor], report.actors)
        self._write_relations(connection, plan.relations, report.relations)
        # The kept actor joins the merged ones' datasets only if a dataset holds it already:
        # one that none holds (made by hand) is never removed by replacing a dataset.
        kept_held = any(
            connection.execute(
                "SELECT 1 FROM memberships WHERE dataset = ? AND kind = 'actor' AND key = ?",
                (dataset, kept_id),
            ).fetchone()
            for (dataset,) in connection.execute("SELECT name FROM datasets").fetchall()
        )
        connection.executemany(
            "INSERT OR IGNORE INTO memberships VALUES (?, ?, ?)",
            [
                (dataset, kind, kept_id if kind == "actor" else plan.keys[key])
                for dataset, kind, key in held
                if (kind == "actor" and kept_held)
                or (kind == "relation" and plan.keys[key] is not None)
            ],
        )
        connection.execute(
            "UPDATE merges SET kept = ? WHERE kept IN (SELECT value FROM json_each(?))",
            (kept_id, json.dumps(merged_ids)),
        )
        at = now()
        connection.executemany(
            "INSERT OR REPLACE INTO merges VALUES (?, ?, ?, ?)",
            [(other.id, kept_id, other.model_dump_json(), at) for other in others],
        )

    @staticmethod
    def _relations_by_key(connection: sqlite3.Connection, keys: list[str]) -> list[Relation]:
        query = "SELECT record FROM relations WHERE key IN (SELECT value FROM json_each(?))"
        found = connection.execute(query, (json.dumps(keys),))
        return [Relation.model_validate_json(record) for (record,) in found]

    @_damaged
    def merges(self) -> dict[str, str]:
        return dict(self._connection.execute("SELECT id, kept FROM merges ORDER BY id"))

    @_damaged
    def remove(self, record_type: str, record_id: str) -> ApplyReport:
        table, missing = _REMOVABLE[record_type]
        report = ApplyReport()
        with self._write() as connection:
            query = f"SELECT 1 FROM {table} WHERE id = ?"  # a name from the closed set
            if connection.execute(query, (record_id,)).fetchone() is None:
                raise missing(record_id)
            self._remove(connection, [(record_type, record_id)], report)
        return report

    @_damaged
    def datasets(self) -> list[DatasetInfo]:
        with self._read() as connection:
            found = {
                name: DatasetInfo(name, loaded_at=loaded_at, loads=loads)
                for name, loaded_at, loads in connection.execute(
                    "SELECT name, loaded_at, loads FROM datasets ORDER BY name"
                )
            }
            counts = connection.execute(
                "SELECT dataset, kind, count(*) FROM memberships GROUP BY dataset, kind"
            )
            for name, kind, count in counts:
                info = found.setdefault(name, DatasetInfo(name))
                setattr(info, _KINDS[kind][0], count)
        return [found[name] for name in sorted(found)]

    @staticmethod
    def _check(connection: sqlite3.Connection, batch: Batch) -> None:
        ids = json.dumps(batch_ids(batch))
        stored = [
            [
                row[0]
                for row in connection.execute(
                    f"SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))", (ids,)
                )
            ]
            for table in ("actors", "collaborations")  # table names from this closed set only
        ]
        check_batch(batch, *stored)

    @staticmethod
    def _upsert(
        connection: sqlite3.Connection, table: str, key: str, rows: list[tuple], report: TypeReport
    ) -> None:
        """Insert or replace `rows` (key first, record JSON last), counting what changed."""
        keys = json.dumps([row[0] for row in rows])
        query = f"SELECT {key}, record FROM {table} WHERE {key} IN (SELECT value FROM json_each(?))"
        stored = dict(connection.execute(query, (keys,)))
        first, last = (lambda row: row[0]), (lambda row: row[-1])
        changed = [row for row, _ in changed_records(rows, stored, first, last, report)]
        if changed:
            marks = ", ".join("?" * len(changed[0]))
            connection.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", changed)

    def _write_actors(
        self, connection: sqlite3.Connection, actors: list[Actor], report: TypeReport
    ) -> None:
        rows = [
            (
                actor.id,
                actor.sector.value,
                "|" + "|".join(kind.value for kind in actor.kinds) + "|",
                actor.region,
                "\n".join(record_terms(actor)),
                actor.model_dump_json(),
            )
            for actor in actors
        ]
        self._upsert(connection, "actors", "id", rows, report)

    def _write_collaborations(
        self,
        connection: sqlite3.Connection,
        collaborations: list[Collaboration],
        report: TypeReport,
    ) -> None:
        rows = [
            (
                c.id,
                c.kind.value,
                c.region,
                year_of(c.start),
                year_of(c.end) or year_of(c.start),
                c.model_dump_json(),
            )
            for c in collaborations
        ]
        self._upsert(connection, "collaborations", "id", rows, report)

    def _write_relations(
        self, connection: sqlite3.Connection, relations: list[Relation], report: TypeReport
    ) -> None:
        rows = [(r.key, r.type.value, r.source, r.target, r.model_dump_json()) for r in relations]
        self._upsert(connection, "relations", "key", rows, report)

    # -- reads -------------------------------------------------------------------------------

    def _one(self, table: str, key: str, value: str, missing: type[Exception]) -> str:
        row = self._connection.execute(
            f"SELECT record FROM {table} WHERE {key} = ?", (value,)
        ).fetchone()
        if row is None:
            raise missing(value)
        return row[0]

    @_damaged
    def get_actor(self, actor_id: str) -> Actor:
        return Actor.model_validate_json(self._one("actors", "id", actor_id, ActorNotFound))

    @_damaged
    def get_actors(self, actor_ids: Iterable[str]) -> list[Actor]:
        ids = list(dict.fromkeys(actor_ids))
        found: dict[str, str] = {}
        with self._read() as connection:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                query = f"SELECT id, record FROM actors WHERE id IN ({marks})"  # marks only
                found.update(connection.execute(query, chunk).fetchall())
        return [Actor.model_validate_json(found[i]) for i in ids if i in found]

    @_damaged
    def get_collaboration(self, collaboration_id: str) -> Collaboration:
        record = self._one("collaborations", "id", collaboration_id, CollaborationNotFound)
        return Collaboration.model_validate_json(record)

    @_damaged
    def find(self, filters: Listing, *, limit: int | None = None, offset: int = 0) -> Page:
        table, model = _TABLES[type(filters)]
        if filters.q is not None:
            return self._search(filters, limit, offset)
        clause, params = conditions(filters, _WHERE[type(filters)])
        with self._read() as connection:
            count = connection.execute(f"SELECT count(*) FROM {table} {clause}", params)
            total = count.fetchone()[0]
            rows = connection.execute(
                f"SELECT record FROM {table} {clause} ORDER BY id LIMIT :limit OFFSET :offset",
                {**params, "limit": -1 if limit is None else limit, "offset": offset},
            ).fetchall()
        return Page([model.model_validate_json(row[0]) for row in rows], total)

    def _search(self, filters: Listing, limit: int | None, offset: int) -> Page:
        """The records matching `filters.q`, best first (mapper.search), and the other filters."""
        table, model = _TABLES[type(filters)]
        clause, params = conditions(replace(filters, q=None), _WHERE[type(filters)])

        def keep(ids: list[str]) -> set[str]:
            among = "id IN (SELECT value FROM json_each(:ids))"
            query = f"SELECT id FROM {table} {clause} AND {among}"  # a name of the closed set
            rows = self._connection.execute(query, {**params, "ids": json.dumps(ids)})
            return {i for (i,) in rows}

        def fetch(ids: list[str]) -> dict[str, str]:
            query = f"SELECT id, record FROM {table} WHERE id IN (SELECT value FROM json_each(?))"
            return dict(self._connection.execute(query, (json.dumps(ids),)))

        index = self._indexes.get(table, self.generation(), lambda: self._search_index(table))
        query = fold(filters.q or "")
        return search_page(
            index, query, limit=limit, offset=offset, keep=keep if clause else None,
            fetch=fetch, model=model,
        )  # fmt: skip

    def _search_index(self, table: str) -> SearchIndex:
        """The search index of `table` (actors or collaborations), from the stored terms."""
        with self._read() as connection:
            if table == "actors":
                rows = connection.execute("SELECT id, search FROM actors")
                return SearchIndex((i, found.split("\n")) for i, found in rows)
            rows = connection.execute(
                "SELECT id, json_extract(record, '$.name'), "
                "json_extract(record, '$.name_en') FROM collaborations"
            )
            return SearchIndex((i, terms([name, name_en, i])) for i, name, name_en in rows)

    def answers_at_once(self, kind: str) -> bool:
        """LocalStore: whether the search index of `kind` (a table) at this generation is built."""
        return self._indexes.holds(kind, self.generation())

    @_damaged
    def relations(self, record_id: str) -> list[Relation]:
        rows = self._connection.execute(
            "SELECT record FROM relations WHERE source = ?1 OR target = ?1 ORDER BY key",
            (record_id,),
        )
        return [Relation.model_validate_json(row[0]) for row in rows]

    @_damaged
    def neighbours(self, actor_id: str, *, depth: int = 1) -> dict[str, int]:
        with self._read() as connection:
            query = "SELECT 1 FROM actors WHERE id = ?"
            if connection.execute(query, (actor_id,)).fetchone() is None:
                raise ActorNotFound(actor_id)
            return breadth_first(actor_id, depth, lambda ids: self._step(connection, ids))

    @staticmethod
    def _step(connection: sqlite3.Connection, frontier: list[str]) -> set[str]:
        """Actors one step from any actor in `frontier`."""
        ids = json.dumps(frontier)
        direct = connection.execute(
            """
            SELECT r.source, r.target FROM relations r
            JOIN actors s ON s.id = r.source JOIN actors t ON t.id = r.target
            WHERE r.source IN (SELECT value FROM json_each(?1))
               OR r.target IN (SELECT value FROM json_each(?1))
            """,
            (ids,),
        ).fetchall()
        shared = connection.execute(
            """
            SELECT DISTINCT other.source FROM relations mine
            JOIN collaborations c ON c.id = mine.target
            JOIN relations other ON other.target = mine.target
            WHERE mine.source IN (SELECT value FROM json_each(?1))
            """,
            (ids,),
        ).fetchall()
        return {end for row in direct for end in row} | {row[0] for row in shared}

    @_damaged
    def counts(self) -> Counts:
        counts = Counts()
        with self._read() as connection:
            for sector, kinds in connection.execute("SELECT sector, kinds FROM actors"):
                counts.actors += 1
                counts.actors_by_sector[sector] = counts.actors_by_sector.get(sector, 0) + 1
                for kind in kinds.strip("|").split("|"):
                    counts.actors_by_kind[kind] = counts.actors_by_kind.get(kind, 0) + 1
            counts.collaborations_by_kind = dict(
                connection.execute(
                    "SELECT kind, count(*) FROM collaborations GROUP BY kind ORDER BY kind"
                )
            )
            counts.relations_by_type = dict(
                connection.execute(
                    "SELECT type, count(*) FROM relations GROUP BY type ORDER BY type"
                )
            )
        counts.collaborations = sum(counts.collaborations_by_kind.values())
        counts.relations = sum(counts.relations_by_type.values())
        counts.actors_by_sector = dict(sorted(counts.actors_by_sector.items()))
        counts.actors_by_kind = dict(sorted(Counter(counts.actors_by_kind).items()))
        return counts

    @_damaged
    def generation(self) -> int:
        """A number that changes with every committed write, in any process."""
        return self._generation(self._connection)

    @staticmethod
    def _generation(connection: sqlite3.Connection) -> int:
        row = connection.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    @_damaged
    def analysis_rows(self) -> tuple[int, AnalysisRows]:
        """(generation, every actor, collaboration and relation as plain columns), one read."""
        rows = AnalysisRows()
        with self._read() as connection:
            generation = self._generation(connection)
            width = len(_ACTOR_COLUMNS) + len(ACTOR_ATTRIBUTES)
            actors = _columns(connection, _ACTOR_ROWS, width)
            _fill(rows, "actor", _ACTOR_COLUMNS, actors[: len(_ACTOR_COLUMNS)])
            rows.actor_attributes = dict(
                zip(ACTOR_ATTRIBUTES, actors[len(_ACTOR_COLUMNS) :], strict=True)
            )
            _fill(
                rows, "collaboration", _COLLABORATION_COLUMNS, _columns(connection, _COLLAB_ROWS, 4)
            )
            sources, targets = _columns(connection, _PARTICIPATION_ROWS, 2)
            others = _columns(connection, _RELATION_ROWS, 7)
            blank = [None] * len(sources)
            participations = [["PARTICIPATES_IN"] * len(sources), sources, targets, *[blank] * 4]
            columns = [a + b for a, b in zip(participations, others, strict=True)]
            _fill(rows, "relation", _RELATION_COLUMNS, columns)
        return generation, rows

    @_damaged
    def snapshot(self) -> nx.MultiDiGraph:
        """The whole graph, frozen; cached until the next write from any process."""
        with self._read() as connection:
            generation = self._generation(connection)
            cached = self._snapshots.get(generation)
            if cached is not None:
                return cached
            actors = [r for (r,) in connection.execute("SELECT record FROM actors")]
            collaborations = [r for (r,) in connection.execute("SELECT record FROM collaborations")]
            relations = connection.execute("SELECT key, record FROM relations").fetchall()
        return self._snapshots.build(generation, actors, collaborations, relations)
