"""MapperService: the one thing the API and the CLI call.

Every question the tool answers is a method here, so that the HTTP API, the CLI and the maps
give the same answer to the same question, on either store.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import networkx as nx
import numpy as np

from ingest import ValidationResult, read_batch, to_gexf, to_graphml, to_kumu, validate, write_csv
from ingest.cordis import FUNDER
from ingest.csvfile import csv_line, defuse_formulas
from ingest.files import READERS
from ingest.importers import SOURCES, import_rows
from ingest.table import init_mapping
from ingest.validate import validate_rows
from mapper.analysis._shared import ALL_SECTORS
from mapper.analysis.actor_graph import actor_graph
from mapper.analysis.brokers import betweenness, brokers, cross_sector_betweenness
from mapper.analysis.compact import (
    CompactGraph,
    IndexedRows,
    compact_graph_from_rows,
)
from mapper.analysis.funding import funding
from mapper.analysis.gaps import gaps
from mapper.analysis.mixing import mixing
from mapper.analysis.paths import connections, shortest_paths
from mapper.analysis.suggestions import suggest_partners
from mapper.duplicates import Duplicate, find_duplicates
from mapper.errors import (
    ActorNotFound,
    CollaborationNotFound,
    InvalidParameter,
    MapperError,
    NotFound,
    OverBudget,
    SeedFileError,
    SeedValidationFailed,
)
from mapper.filters import (
    DEFAULT_PERMUTATIONS,
    LIMITS,
    ActorFilter,
    CollaborationFilter,
    Scope,
    check_relation_types,
    options,
)
from mapper.memory import paused_gc, thaw
from mapper.model import Actor, ApplyReport, Collaboration, Language, Relation, Sector, SizeMeasure
from mapper.settings import Budget, Settings, open_store
from mapper.stores.base import (
    Counts,
    DatasetInfo,
    GraphStore,
    LocalStore,
    Page,
    RemoteStore,
)
from mapper.stores.common import now
from visualize.actor_map import AGGREGATE_THRESHOLD, render_actor_map
from visualize.gap_map import render_gap_map
from visualize.webgl_map import (
    WEBGL_FROM,
    WEBGL_LINKS_FROM,
    community_view,
    map_layout,
    node_sizes,
    render_webgl_map,
)

__all__ = [
    "CORDIS_FUNDER",
    "DEFAULT_PERMUTATIONS",
    "DUPLICATE_COLUMNS",
    "LIMITS",
    "MAP_BETWEENNESS_BUDGET",
    "SEED_SUFFIXES",
    "SOURCES",
    "SUGGESTIONS",
    "ActorFilter",
    "CollaborationFilter",
    "MapperService",
    "Pool",
    "Scope",
    "StoreInfo",
    "check_dataset_name",
    "csv_line",
    "dataset_name",
    "defuse_formulas",
    "now",
    "open_service",
    "paused_gc",
]


class _StoredIds(Mapping[str, str]):
    """The store's ids as a mapping id -> "actor" | "collaboration", looked up on demand; after
    _LOOKUPS lookups, all read at once (a reload asks for every id of a large store)."""

    _LOOKUPS = 1000

    def __init__(self, store: GraphStore):
        self.store = store
        self._known: dict[str, str | None] = {}
        self._complete = False

    def _kind(self, record_id: str) -> str | None:
        if record_id not in self._known:
            if self._complete:
                return None
            if len(self._known) >= self._LOOKUPS:
                self._known.update(self.items())
                self._complete = True
                return self._known.get(record_id)
            self._known[record_id] = self._look_up(record_id)
        return self._known[record_id]

    def _look_up(self, record_id: str) -> str | None:
        try:
            self.store.get_actor(record_id)
            return "actor"
        except ActorNotFound:
            pass
        try:
            self.store.get_collaboration(record_id)
            return "collaboration"
        except CollaborationNotFound:
            return None

    def __getitem__(self, record_id: str) -> str:
        kind = self._kind(record_id)
        if kind is None:
            raise KeyError(record_id)
        return kind

    def __iter__(self) -> Iterator[str]:
        return (record_id for record_id, _ in self.items())

    def __len__(self) -> int:  # a count, not a read of every id (a reload asks it first)
        counts = self.store.counts()
        return counts.actors + counts.collaborations

    def items(self):  # one read of the store's ids instead of a lookup per id
        rows = self.store.analysis_rows()[1]
        return [(i, "actor") for i in rows.actor_ids] + [
            (i, "collaboration") for i in rows.collaboration_ids
        ]


CORDIS_FUNDER: str = FUNDER["id"]

SEED_SUFFIXES: tuple[str, ...] = tuple(READERS)
"""The file suffixes `load` and `validate` read (a folder gives its CSV, JSON and JSONL files)."""


@dataclass
class StoreInfo:
    """Which store is in use, where, what it runs (servers only) and what it holds."""

    kind: str
    location: str
    counts: Counts
    server: str | None = None

    @property
    def public_location(self) -> str:
        """`location` as a client may see it: a file's name without its folders, a server's
        address without user or password.

        >>> StoreInfo("embedded", "/home/anna/.local/share/map.db", Counts()).public_location
        'map.db'
        >>> StoreInfo("neo4j", "neo4j://anna:secret@db.example:7687", Counts()).public_location
        'neo4j://db.example:7687'
        """
        if self.kind != "neo4j":
            return Path(self.location).name
        address = urlsplit(self.location)
        return address._replace(netloc=address.netloc.rpartition("@")[2]).geturl()

    @property
    def private_location(self) -> str:
        """`location` as the server's owner may see it: a file's whole path, a server's address
        with its user but without its password.

        >>> StoreInfo("neo4j", "neo4j://anna:secret@db.example:7687", Counts()).private_location
        'neo4j://anna@db.example:7687'
        """
        if self.kind != "neo4j":
            return str(Path(self.location).resolve()) if self.location != ":memory:" else ":memory:"
        address = urlsplit(self.location)
        credentials, at, host = address.netloc.rpartition("@")
        user = credentials.partition(":")[0]
        return address._replace(netloc=f"{user}{at}{host}").geturl()


_CACHE_SIZE = 64
# Kinds of cache entries that hold a whole graph (hundreds of MB at 100k actors): keep few.
_LARGE_ENTRIES = {"rows": 1, "compact": 4, "actor_graph": 2, "pool:actor_map": 8}

# Betweenness work (source actors x links) is Budget.link_visits (mapper.settings): exact up
# to it, estimated from as many sources as fit beyond it, on the compiled kernel
# (mapper/analysis/_kernels.py, 3-8 ns per unit on one of 2 cores): exact at 10k actors and
# 234k links (about 14 s), about 1000 sources at 100k actors and 2.5M links. Marking brokers on
# a map gets a tenth of a second or so: at 1e9
# it was 2.2 s of a 13k-actor map's 4.1 s and 6.1 s of opening a 16k-actor community
# (bench/RESULTS.md, "Large maps"); the map marks the top ten, an estimate is enough.
MAP_BETWEENNESS_BUDGET = 100_000_000


def _within(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidParameter(name, f"{value} is outside the allowed range {low}..{high}")
    return value


SUGGESTIONS = 5
"""How many likely records a NotFound names."""

DUPLICATE_COLUMNS = ("keep", "merge", "score", "keep_name", "merge_name", "evidence")
"""The columns of a duplicates table and merge file (`keep` and `merge` are what a merge reads)."""


def _plain(value: Any) -> Any:
    """A filter or parameter value as JSON has it: an enum as its value, a tuple as a list."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return getattr(value, "value", value)


def _suggesting(method: Callable[..., Any]) -> Callable[..., Any]:
    """A NotFound the method raises names the records meant most likely (`likely`)."""

    @functools.wraps(method)
    def wrapper(self: MapperService, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except NotFound as error:
            if not error.suggestions:
                error.suggest(self.likely(error))
            raise

    return wrapper


class Pool(Protocol):
    """Where analyses run apart from the server's reads: mapper.workers.WorkerPool."""

    def run(self, name: str, args: tuple, kwargs: dict, *, key: Any) -> Any: ...

    def close(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...


def _pooled(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run an analysis or map build in the service's worker pool when it has one
    (mapper.workers), its answer cached here per store generation; without a pool, here."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self: MapperService, *args: Any, **kwargs: Any) -> Any:
        pool = self._pool
        if pool is None:
            return method(self, *args, **kwargs)
        key = (f"pool:{name}", args, tuple(sorted(kwargs.items())))

        def compute() -> Any:
            return pool.run(name, args, kwargs, key=(*key, self.store.generation()))

        return self._cached(key, compute)

    return wrapper


class MapperService:
    """Questions about the ecosystem, answered from one store."""

    def __init__(self, store: GraphStore, *, budget: Budget | None = None):
        self.store = store
        self.budget = budget or Budget()
        self._pool: Pool | None = None
        self._cache: OrderedDict[tuple, Any] = OrderedDict()
        self._cache_generation: object = None
        self._cache_lock = threading.Lock()

    def close(self) -> None:
        self.stop_work()
        self.store.close()

    def use_pool(self, pool: Pool | None) -> None:
        """Run the analyses and map builds in `pool` from now on (None: here again)."""
        self._pool = pool

    def work(self) -> dict[str, Any]:
        """Where analyses run and what they may cost: the pool's workers, queue, time limit and
        jobs now (workers 0: in this process), and the budget."""
        pool = self._pool.describe() if self._pool is not None else {"workers": 0}
        return {**pool, "budget": dataclasses.asdict(self.budget)}

    def stop_work(self) -> None:
        """Stop the pool's workers, whatever they are doing, and compute here from now on (a
        server that stops)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    # -- records -----------------------------------------------------------------------------

    def info(self) -> StoreInfo:
        """The store and its counts. The counts are read once per store generation (at 100k
        actors they take a second: every relation grouped by type); the generation itself is
        read from the store every time, so a store that does not answer still raises."""
        store = self.store
        server = store.server_version() if isinstance(store, RemoteStore) else None
        counts = self._cached(("counts",), store.counts)
        return StoreInfo(store.kind, store.location, counts, server)

    def answers_at_once(self, kind: str) -> bool:
        """Whether reads of `kind` ("actors" or "collaborations") wait for nothing: a store in
        a file with its search index built (LocalStore), never a server's."""
        return isinstance(self.store, LocalStore) and self.store.answers_at_once(kind)

    @_suggesting
    def actor(self, actor_id: str) -> Actor:
        """Raises ActorNotFound."""
        return self.store.get_actor(actor_id)

    def actors(
        self, filters: ActorFilter | None = None, *, limit: int = 100, offset: int = 0
    ) -> Page:
        """One page of the actors matching `filters`, ordered by id."""
        _within("limit", limit, 1, LIMITS.page_size)
        _within("offset", offset, 0, 10**9)
        return self.store.find(filters or ActorFilter(), limit=limit, offset=offset)

    @_suggesting
    def collaboration(self, collaboration_id: str) -> Collaboration:
        """Raises CollaborationNotFound."""
        return self.store.get_collaboration(collaboration_id)

    def collaborations(
        self,
        filters: CollaborationFilter | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> Page:
        """One page of the collaborations matching `filters`, ordered by id."""
        _within("limit", limit, 1, LIMITS.page_size)
        _within("offset", offset, 0, 10**9)
        return self.store.find(filters or CollaborationFilter(), limit=limit, offset=offset)

    def relations(self, record_id: str) -> list[Relation]:
        """Every relation from or to an actor or collaboration, ordered by key."""
        return self.store.relations(record_id)

    @_suggesting
    def neighbours(
        self, actor_id: str, *, depth: int = 1, limit: int = 100, offset: int = 0
    ) -> Page:
        """Actors within `depth` steps, nearest first, then by id: one page of (actor, distance).

        Raises ActorNotFound."""
        _within("depth", depth, 1, LIMITS.depth)
        _within("limit", limit, 1, LIMITS.page_size)
        _within("offset", offset, 0, 10**9)
        found = self.store.neighbours(actor_id, depth=depth)
        ordered = sorted(found.items(), key=lambda item: (item[1], item[0]))
        page = ordered[offset : offset + limit]
        actors = {actor.id: actor for actor in self.store.get_actors(i for i, _ in page)}
        items = [(actors[i], distance) for i, distance in page if i in actors]
        return Page(items=items, total=len(ordered))

    # -- seed files --------------------------------------------------------------------------

    def validate(self, paths: list[Path], *, documents_dir: Path | None = None) -> ValidationResult:
        """Read and check seed files against each other and the store; write nothing."""
        return validate(paths, documents_dir=documents_dir, known_ids=_StoredIds(self.store))

    def load(
        self,
        paths: list[Path],
        *,
        documents_dir: Path | None = None,
        progress: Callable[[int], None] | None = None,
        dataset: str | None = None,
        replace: bool = False,
    ) -> ApplyReport:
        """Validate seed files, then write them in one all-or-nothing batch, as `dataset`
        (default: the name of the folder or file, `dataset_name`). With `replace`, the store
        then holds exactly what the files say for that dataset (store.apply).

        Raises SeedValidationFailed (listing every problem) or InvalidBatch; nothing is written
        then."""
        batch = read_batch(
            paths,
            documents_dir=documents_dir,
            known_ids=_StoredIds(self.store),
            progress=progress,
        )
        return self._apply(batch, dataset or dataset_name(paths), replace)

    def import_source(
        self,
        source: str,
        paths: list[Path],
        *,
        dataset: str | None = None,
        replace: bool = False,
        progress: Callable[[int], None] | None = None,
        **options: Any,
    ) -> ApplyReport:
        """Read a public source or a table with its adapter (ingest.importers), validate the
        records as seed files are, and write them in one all-or-nothing batch as `dataset`.

        Raises SeedValidationFailed, InvalidBatch or InvalidParameter (an unknown source or
        option); nothing is written then."""
        rows = import_rows(source, paths, **options)
        result = validate_rows(rows, known_ids=_StoredIds(self.store), progress=progress)
        if result.errors:
            raise SeedValidationFailed(result.errors)
        if source == "cordis":  # a Commission the store holds keeps its curated record
            self._keep_stored(result.batch, CORDIS_FUNDER)
        return self._apply(result.batch, dataset or dataset_name(paths), replace)

    def _keep_stored(self, batch: Any, actor_id: str) -> None:
        """Put the stored record of `actor_id`, if there is one, in place of the batch's: the
        dataset holds it, unchanged."""
        stored = self.store.get_actors([actor_id])
        if stored:
            batch.actors = [stored[0] if a.id == actor_id else a for a in batch.actors]

    def _apply(self, batch: Any, dataset: str, replace: bool) -> ApplyReport:
        check_dataset_name(dataset)
        return self.store.apply(batch, dataset=dataset, replace=replace)

    @staticmethod
    def table_mapping(path: Path) -> str:
        """A commented TOML mapping for a membership table, guessed from its header, for
        `import_source("table", ...)` once filled in. Raises SeedFileError."""
        return init_mapping(path)

    def likely(self, error: NotFound, *, limit: int = SUGGESTIONS) -> list[tuple[str, str]]:
        """(id, name) of the records a missing id most likely meant: the actor it was merged
        into, then the best matches of a name search for it (mapper.search)."""
        text = error.id[:200]
        if isinstance(error, CollaborationNotFound):
            found = self.store.find(CollaborationFilter(q=text), limit=limit).items
            return [(c.id, c.name) for c in found]
        kept = self.store.merges().get(error.id)
        found = self.store.get_actors([kept]) if kept else []
        found += [
            actor
            for actor in self.store.find(ActorFilter(q=text), limit=limit).items
            if actor.id != kept
        ]
        return [(actor.id, actor.name) for actor in found[:limit]]

    def duplicates(self, *, min_score: float = 0.5) -> list[Duplicate]:
        """Pairs of actors that are likely one organisation, best first, with the evidence
        (mapper.duplicates); for a steward to review, then `merge`."""
        if not 0 < min_score <= 1:
            raise InvalidParameter("min_score", f"{min_score} is outside the allowed range 0..1")
        every = self._cached(  # once per store generation, whatever the minimum asked for
            ("duplicates",),
            lambda: find_duplicates(self.store.find(ActorFilter()).items, min_score=0.01),
        )
        return [pair for pair in every if pair.score >= min_score]

    def duplicates_csv(self, *, min_score: float = 0.5) -> str:
        """`duplicates` as CSV, spreadsheet-safe: a merge file for `merge_file` once reviewed."""
        lines = [csv_line(list(DUPLICATE_COLUMNS))]
        for pair in self.duplicates(min_score=min_score):
            row = vars(pair) | {"evidence": "; ".join(pair.evidence)}
            lines.append(csv_line([defuse_formulas(str(row[name])) for name in DUPLICATE_COLUMNS]))
        return "".join(lines)

    @_suggesting
    def merge(self, merges: Mapping[str, Sequence[str]]) -> ApplyReport:
        """Make each kept actor's merged actors part of it (kept id -> merged ids), all in one
        transaction: aliases, external ids and sources united, relations and datasets moved, and
        recorded so that a re-import does not split the actor again. Raises ActorNotFound, or
        InvalidParameter when an id is given twice or merged into itself."""
        seen: set[str] = set()
        for kept, merged in merges.items():
            for actor_id in (kept, *merged):
                if actor_id in seen:
                    raise InvalidParameter(
                        "merge", f"{actor_id!r} is named twice: each actor is merged once"
                    )
                seen.add(actor_id)
            if not merged:
                raise InvalidParameter("merge", f"nothing to merge into {kept!r}")
        return self.store.merge({kept: list(merged) for kept, merged in merges.items()})

    def merge_file(self, path: Path) -> dict[str, list[str]]:
        """The merges a CSV file asks for: its `keep` and `merge` columns, one pair a row (the
        other columns, as `mapper duplicates --csv` writes them, are left alone). A pair whose
        kept actor is merged by an earlier row goes to the actor that one is kept in. Raises
        SeedFileError naming the file, line and column (a cell that is not an actor id, or the
        id of no actor in the store)."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problem = f"cannot be read as UTF-8 text ({error})"
            raise SeedFileError(str(path), None, None, problem) from None
        reader = csv.DictReader(io.StringIO(text))
        missing = {"keep", "merge"} - set(reader.fieldnames or ())
        if missing:
            raise SeedFileError(
                str(path),
                1,
                None,
                f"the header lacks {', '.join(sorted(missing))}: a merge file has the columns "
                "keep and merge (mapper duplicates --csv writes one)",
            )
        into: dict[str, str] = {}  # merged id -> the id it goes into, as the rows say

        def root(actor_id: str) -> str:
            while actor_id in into:
                actor_id = into[actor_id]
            return actor_id

        rows: list[tuple[int, str, str]] = []
        try:
            for row in reader:
                cells = [(row.get(column) or "").strip() for column in ("keep", "merge")]
                rows.append((reader.line_num, *cells))
        except csv.Error as error:
            raise SeedFileError(str(path), reader.line_num, None, f"not CSV: {error}") from None
        stored = {a.id for a in self.store.get_actors({i for _, *ids in rows for i in ids})}
        for line, *ids in rows:
            for column, value in zip(("keep", "merge"), ids, strict=True):
                if not value:
                    raise SeedFileError(
                        str(path), line, column, "is empty: an actor id is expected"
                    )
                if value not in stored:
                    shown = value if len(value) <= 60 else value[:60] + "…"
                    raise SeedFileError(
                        str(path), line, column, f"{shown!r} is not the id of an actor in the store"
                    )
            keep, merge = (root(value) for value in ids)
            if keep != merge:
                into[merge] = keep
        merges: dict[str, list[str]] = {}
        for merged in into:
            merges.setdefault(root(merged), []).append(merged)
        return merges

    def datasets(self) -> list[DatasetInfo]:
        """Every dataset the store holds records of, with counts and last load time."""
        return self.store.datasets()

    @_suggesting
    def remove(self, record_type: str, record_id: str) -> ApplyReport:
        """Remove one actor or collaboration and its relations. Raises ActorNotFound,
        CollaborationNotFound, or InvalidParameter for another record type."""
        if record_type not in ("actor", "collaboration"):
            raise InvalidParameter(
                "record_type", f"{record_type!r} is not one of actor, collaboration"
            )
        return self.store.remove(record_type, record_id)

    def export(self, format: str, destination: Path) -> None:
        """Write the whole store as `csv` (a folder of seed files), `kumu`, `graphml` or `gexf`."""
        G = self.snapshot()
        if format == "csv":
            # Spreadsheet-safe: a cell such as `=cmd|...` stays text in Excel, and reads back as is.
            write_csv(G, destination, spreadsheet_safe=True)
        elif format == "kumu":
            destination.write_text(
                json.dumps(to_kumu(G), ensure_ascii=False, indent=2), encoding="utf-8"
            )
        elif format == "graphml":
            to_graphml(G, destination)
        elif format == "gexf":
            to_gexf(G, destination)
        else:
            raise InvalidParameter("format", f"{format!r} is not one of csv, kumu, graphml, gexf")

    # -- analysis ----------------------------------------------------------------------------
    # Every analysis runs on the actor graph of a Scope (docs/analysis.md). Results are cached
    # per store generation: a write from any process invalidates them.

    def snapshot(self) -> nx.MultiDiGraph:
        """The whole store as one graph, the input of every analysis."""
        return self.store.snapshot()

    def _cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        generation = self.store.generation()
        with self._cache_lock:
            if self._cache_generation != generation:
                self._cache.clear()
                thaw()  # the dropped analyses were frozen when built (mapper.memory)
                self._cache_generation = generation
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._cache_lock:
            if self._cache_generation == generation:
                self._cache[key] = value
                self._evict(key[0])
        return value

    def _evict(self, kind: str) -> None:
        """Drop the oldest entries beyond _CACHE_SIZE, and beyond the limit of large kinds."""
        limit = _LARGE_ENTRIES.get(kind)
        if limit is not None:
            same = [key for key in self._cache if key[0] == kind]
            for key in same[: max(0, len(same) - limit)]:
                del self._cache[key]
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)

    def _rows(self) -> IndexedRows:
        """The store as integer arrays, read once per generation (analysis.compact)."""
        return self._cached(("rows",), lambda: IndexedRows.from_rows(self.store.analysis_rows()[1]))

    def compact(self, scope: Scope) -> CompactGraph:
        """The compact actor graph of `scope`, built from the store's rows, not its records.

        Raises InvalidParameter naming a bad field."""

        def compute() -> CompactGraph:
            return compact_graph_from_rows(self._rows(), **scope.graph_options())

        return self._cached(("compact", scope), compute)

    def actor_graph(self, scope: Scope) -> nx.Graph:
        """The actor graph of `scope` (frozen). Raises InvalidParameter naming a bad field."""

        def compute() -> nx.Graph:
            return nx.freeze(actor_graph(self.snapshot(), **scope.graph_options()))

        return self._cached(("actor_graph", scope), compute)

    def asked(self, filters: Scope | Mapping[str, Any], parameters: Mapping[str, Any]) -> dict:
        """What an answer answers (results.Asked): the scope's filters as normalised, the other
        parameters, and the store generation now; `computed_at` is now."""
        if isinstance(filters, Scope):  # every filter, None relation types as the types used
            relation_types = sorted(check_relation_types(filters.relation_types))
            filters = {name: getattr(filters, name) for name, *_ in options(Scope)}
            filters["relation_types"] = relation_types
        return {
            "filters": {name: _plain(value) for name, value in filters.items()},
            "parameters": {name: _plain(value) for name, value in parameters.items()},
            "generation": self.store.generation(),
            "computed_at": now(),
        }

    def _answer(
        self,
        key: tuple,
        filters: Scope | Mapping[str, Any],
        parameters: Mapping[str, Any],
        compute: Callable[[], dict],
    ) -> dict:
        """`compute()`, cached per store generation, with its question under `scope` (the
        generation read before computing, the time after)."""

        def stamped() -> dict:
            asked = self.asked(filters, parameters)
            result = compute()
            return {"scope": asked | {"computed_at": now()}, **result}

        return self._cached(key, stamped)

    @_pooled
    def mixing(self, scope: Scope) -> dict:
        """Links, weights and density per sector pair, and the E-I index (analysis.mixing).

        Counted on the compact graph."""
        return self._answer(("mixing", scope), scope, {}, lambda: mixing(self.compact(scope)))

    @_pooled
    def gaps(
        self,
        scope: Scope,
        *,
        permutations: int = DEFAULT_PERMUTATIONS,
        seed: int = 0,
        bins: int = 10,
        ratio_threshold: float = 0.5,
        alpha: float = 0.05,
    ) -> dict:
        """Sector pairs with fewer links than a degree-preserving null model (analysis.gaps)."""
        _within("permutations", permutations, 1, LIMITS.permutations)
        _within("bins", bins, 1, 100)
        _within("seed", seed, 0, 2**32 - 1)
        params = {
            "permutations": permutations,
            "seed": seed,
            "bins": bins,
            "ratio_threshold": ratio_threshold,
            "alpha": alpha,
        }

        def compute() -> dict:
            C = self.compact(scope)
            self._check_permutations(C, permutations)
            return gaps(C, **params)

        return self._answer(("gaps", scope, tuple(params.items())), scope, params, compute)

    @_pooled
    def brokers(
        self,
        scope: Scope,
        *,
        top: int = 10,
        sample: int | None = None,
        sector_a: Sector | str | None = None,
        sector_b: Sector | str | None = None,
    ) -> dict:
        """The `top` actors by cross-sector betweenness, with brokerage roles (analysis.brokers);
        with `sector_a` and `sector_b`, the brokers between those two sectors first.

        `sample` estimates betweenness from that many source actors; more than the work budget
        allows is OverBudget. When it is None, the answer is exact if it fits the budget, else
        estimated from as many sources as fit; `exact` and `sources` in the answer say which.
        """
        _within("top", top, 1, LIMITS.top)
        if sample is not None:
            _within("sample", sample, 1, 100_000)

        if (sector_a is None) != (sector_b is None):
            missing = "sector_b" if sector_b is None else "sector_a"
            raise InvalidParameter(missing, "the brokers between two sectors need both sectors")
        sectors = None if sector_a is None else (str(sector_a), str(sector_b))

        def compute() -> dict:
            C = self.compact(scope)
            if sample is None:
                k = _betweenness_sample(C, self.budget.link_visits)
            else:
                self._check_sample(C, sample)
                k = sample
            return brokers(C, top=top, k=k, sectors=sectors)

        parameters = {"top": top, "sample": sample, "sector_a": sector_a, "sector_b": sector_b}
        key = ("brokers", scope, top, sample, sectors)
        return self._answer(key, scope, parameters, compute)

    @_suggesting
    @_pooled
    def paths(
        self, source: str, target: str, scope: Scope, *, k: int = 3, max_hops: int = 4
    ) -> list[list[dict]]:
        """Up to `k` shortest paths between two actors. Raises ActorNotFound."""
        _within("k", k, 1, LIMITS.paths)
        _within("max_hops", max_hops, 1, LIMITS.max_hops)
        self.store.get_actor(source)
        self.store.get_actor(target)
        C = self.compact(scope)
        for end, name in ((source, "source"), (target, "target")):
            if end not in C:
                raise InvalidParameter(name, f"actor {end!r} is outside the chosen scope")
        return shortest_paths(C, source, target, k=k, max_hops=max_hops)

    @_pooled
    def connections(
        self, sector_a: Sector | str, sector_b: Sector | str, scope: Scope, *, limit: int = 50
    ) -> dict:
        """The links joining two sectors, strongest first (analysis.paths.connections)."""
        _within("limit", limit, 1, LIMITS.page_size)
        parameters = {"sector_a": str(sector_a), "sector_b": str(sector_b), "limit": limit}
        return self._answer(
            ("connections", scope, *parameters.values()),
            scope,
            parameters,
            lambda: connections(self.compact(scope), str(sector_a), str(sector_b), limit=limit),
        )

    @_suggesting
    @_pooled
    def suggestions(
        self,
        actor_id: str,
        scope: Scope,
        *,
        k: int = 10,
        region_weight: float = 0.5,
        funder_weight: float = 0.5,
    ) -> list[dict]:
        """Actors in other sectors `actor_id` could partner with, and why. Raises ActorNotFound."""
        _within("k", k, 1, LIMITS.top)
        self.store.get_actor(actor_id)
        C = self.compact(scope)
        if actor_id not in C:
            raise InvalidParameter("actor_id", f"actor {actor_id!r} is outside the chosen scope")
        return suggest_partners(
            C, actor_id, k=k, region_weight=region_weight, funder_weight=funder_weight
        )

    @_pooled
    def funding(self, *, year_from: int | None = None, year_to: int | None = None) -> dict:
        """FUNDS amounts by funder sector and recipient sector, per year (analysis.funding)."""
        Scope(year_from=year_from, year_to=year_to)  # checks the years
        return self._answer(
            ("funding", year_from, year_to),
            {"year_from": year_from, "year_to": year_to},
            {},
            lambda: funding(self.snapshot(), year_from=year_from, year_to=year_to),
        )

    # -- maps --------------------------------------------------------------------------------

    @_pooled
    def actor_map(
        self,
        scope: Scope,
        *,
        sectors: tuple[str, ...] = (),
        lang: str = "sv",
        size_by: str = "degree",
        brokers: int = 10,
        api_base: str = "",
        community: int | None = None,
    ) -> str:
        """The actor map of `scope` (only `sectors`, if given) as a self-contained HTML page.

        Up to WEBGL_FROM actors it is drawn by vis-network in the browser; above, with WebGL
        and a layout computed here (analysis.layout); above AGGREGATE_THRESHOLD it opens on one
        node per community, and `community` opens one of them. The `brokers` actors with the
        highest cross-sector betweenness are marked. Large maps estimate betweenness from a
        sample of actors. Raises InvalidParameter.
        """
        self._check_map_options(lang, size_by)
        _within("brokers", brokers, 0, LIMITS.top)
        C = self._map_graph(scope, sectors)
        query = {**vars(scope), "sector": list(sectors)}
        if community is not None:
            C = self._community(scope, sectors, community)
            query["community"] = community
        if len(C) <= AGGREGATE_THRESHOLD or community is not None:  # drawn whole
            self._check_map_size(C, community)
        if len(C) > WEBGL_FROM or C.number_of_links() > WEBGL_LINKS_FROM:
            return self._webgl_map(
                C, scope, sectors, community, lang, size_by, brokers, query, api_base
            )
        key = (scope, sectors, community)
        sample = _betweenness_sample(C, MAP_BETWEENNESS_BUDGET)
        if community is None:
            A = self.actor_graph(scope)
            if sectors:
                A = A.subgraph([node for node, s in A.nodes(data="sector") if s in sectors])
            snapshot = self.snapshot()
            sources = {actor: snapshot.nodes[actor].get("sources", []) for actor in A}
        else:  # a community of a large map: from its compact graph, not the whole snapshot
            A, sources = self._cached(("map-small", *key), lambda: self._small_graph(C))
        marked = self._cached(
            ("map-brokers", *key, brokers),
            lambda: self._map_brokers(C, brokers, sample),
        )
        scores = self._cached(
            ("map-scores", *key, size_by),
            lambda: self._map_scores(C, size_by, sample),
        )
        return render_actor_map(
            A,
            brokers=marked,
            scores=scores,
            sources=sources,
            lang=lang,
            size_by=size_by,
            query=query,
            api_base=api_base,
        )

    def warm(self) -> None:
        """Compute what the first visitor asks for, so that it is answered from the cache: the
        compact graph of the whole store and its actor map (on a large store, its communities:
        8.9 s cold at 100k actors, bench/RESULTS.md), and the name search's index (a few
        seconds at 100k). Errors are left for the requests."""
        with suppress(MapperError):
            self.store.find(ActorFilter(q="warm"), limit=1)
            self.actor_map(Scope())

    def _map_graph(self, scope: Scope, sectors: tuple[str, ...]) -> CompactGraph:
        C = self.compact(scope)
        if not sectors:
            return C
        return self._cached(
            ("map-graph", scope, sectors),
            lambda: C.subgraph(np.isin(C.sectors, [ALL_SECTORS.index(s) for s in sectors])),
        )

    def _map_communities(self, scope: Scope, sectors: tuple[str, ...]) -> np.ndarray:
        """The communities of the map's actors (analysis.layout), cached like the graph."""
        from mapper.analysis.layout import communities  # numba: loaded for large maps only

        return self._cached(
            ("map-communities", scope, sectors),
            lambda: communities(self._map_graph(scope, sectors), seed=0),
        )

    def _community(self, scope: Scope, sectors: tuple[str, ...], community: int) -> CompactGraph:
        labels = self._map_communities(scope, sectors)
        count = int(labels.max(initial=-1)) + 1
        if not 0 <= community < count:
            raise InvalidParameter(
                "community", f"{community} is not a community of this map; expected 0..{count - 1}"
            )
        return self._cached(
            ("map-community", scope, sectors, community),
            lambda: self._map_graph(scope, sectors).subgraph(labels == community),
        )

    def _webgl_map(self, C, scope, sectors, community, lang, size_by, brokers, query, api_base):
        key = (scope, sectors, community)
        if len(C) > AGGREGATE_THRESHOLD and community is None:  # a community is drawn whole
            labels = self._map_communities(scope, sectors)
            view = self._cached(("map-aggregate", *key), lambda: community_view(C, labels))
            return render_webgl_map(**view, lang=lang, query=query, api_base=api_base)
        sample = _betweenness_sample(C, MAP_BETWEENNESS_BUDGET)
        known = self._map_communities(scope, sectors) if community is None else None
        drawn = self._cached(("map-layout", *key), lambda: map_layout(C, known))
        extras = self._cached(("map-extras", *key), lambda: self._actor_extras(C.ids.tolist()))
        marked = self._cached(
            ("map-brokers", *key, brokers), lambda: self._map_brokers(C, brokers, sample)
        )
        scores = self._cached(
            ("map-scores", *key, size_by), lambda: self._map_scores(C, size_by, sample)
        )
        return render_webgl_map(
            C.ids.tolist(),
            C.names.tolist(),
            C.sectors,
            C.weights,
            **drawn,
            **extras,
            regions=C.regions.tolist(),
            sizes=node_sizes(C, size_by, scores),
            brokers=marked,
            lang=lang,
            query=query,
            api_base=api_base,
        )

    def _small_graph(self, C: CompactGraph) -> tuple[nx.Graph, dict[str, list]]:
        """The actor graph of a few actors, as `actor_graph` makes it, from the compact graph
        and their records (no snapshot of the whole store), and their sources."""
        ids = C.ids.tolist()
        actors = {actor.id: actor for actor in self.store.get_actors(ids)}
        A = nx.Graph()
        for i, actor_id in enumerate(ids):
            actor = actors[actor_id]
            A.add_node(
                actor_id,
                sector=actor.sector.value,
                name=actor.name,
                region=actor.region,
                kinds=[kind.value for kind in actor.kinds],
                subsector=actor.subsector,
                country=actor.country,
                funders=C.provenance.funders_of(i),
            )
        for u, v, weight in zip(*C.links(), strict=True):
            via = C.provenance.via(int(u), int(v))
            A.add_edge(ids[u], ids[v], weight=int(weight), distance=1 / weight, **via)
        sources = {i: [s.model_dump(mode="json") for s in actors[i].sources] for i in ids}
        return A, sources

    def _actor_extras(self, ids: list[str]) -> dict[str, list]:
        """What the map's search and country filter need beyond the compact graph."""
        actors = {actor.id: actor for actor in self.store.get_actors(ids)}
        return {
            "names_en": [actors[i].name_en for i in ids],
            "aliases": [list(actors[i].aliases) for i in ids],
            "countries": [actors[i].country for i in ids],
        }

    @_pooled
    def gap_map(
        self,
        scope: Scope,
        *,
        lang: str = "sv",
        permutations: int = DEFAULT_PERMUTATIONS,
        seed: int = 0,
        api_base: str = "",
    ) -> str:
        """The gap map of `scope` as a self-contained HTML page; its title, links and form
        carry the scope. Raises InvalidParameter."""
        self._check_map_options(lang, "degree")
        result = self.gaps(scope, permutations=permutations, seed=seed)
        sizes = np.bincount(self.compact(scope).sectors, minlength=len(ALL_SECTORS))
        counts = dict(zip(ALL_SECTORS, sizes.tolist(), strict=True))
        return render_gap_map(result, counts, lang=lang, query=vars(scope), api_base=api_base)

    # -- budgets (mapper.settings.Budget), checked before the work starts ----------------------

    def _check_sample(self, C: CompactGraph, sample: int) -> None:
        sources = min(sample, len(C))
        self._check_link_visits(
            C, "sample", sources, f"betweenness from {sources:,} source actors", "sample"
        )

    def _check_permutations(self, C: CompactGraph, permutations: int) -> None:
        what = f"{permutations:,} permutations"
        self._check_link_visits(C, "permutations", permutations, what, "")

    def _check_link_visits(
        self, C: CompactGraph, name: str, times: int, what: str, leave_out: str
    ) -> None:
        """OverBudget naming `name` if `times` passes over every link of `C` are over the
        work budget."""
        links = max(C.number_of_links(), 1)
        work, budget = times * links, self.budget.link_visits
        if work <= budget:
            return
        instead = f", leave {leave_out} out for as many as fit" if leave_out else ""
        raise OverBudget(
            name,
            f"{what} over {links:,} links is {work:,} link visits, more than the work budget "
            f"of {budget:,} (MAPPER_WORK_BUDGET); ask for {name} <= {budget // links:,}"
            f"{instead}, or narrow the scope (region, country, years, relation types)",
            estimate=work,
            budget=budget,
        )

    def _check_map_size(self, C: CompactGraph, community: int | None) -> None:
        actors, links = len(C), C.number_of_links()
        budget = self.budget.map_elements
        if actors + links > budget:
            drawn = "this community" if community is not None else "this map"
            raise OverBudget(
                "community" if community is not None else "sector",
                f"{drawn} would draw {actors:,} actors and {links:,} links, more than the map "
                f"budget of {budget:,} (MAPPER_MAP_BUDGET); choose fewer sectors, a region, "
                "a country or years",
                estimate=actors + links,
                budget=budget,
            )

    @staticmethod
    def _map_brokers(C: CompactGraph, top: int, sample: int | None) -> list[str]:
        """The ids of the `top` actors by cross-sector betweenness, if it is above 0."""
        if top == 0 or len(C) == 0:
            return []
        ranked = brokers(C, top=top, k=sample)["brokers"]
        return [b["actor"] for b in ranked if b["cross_sector_betweenness"] > 0]

    @staticmethod
    def _map_scores(A: CompactGraph, size_by: str, sample: int | None) -> dict | None:
        """The node sizes' measure: betweenness from mapper.analysis, degree in the renderer."""

        if size_by == "betweenness":
            return betweenness(A, k=sample)
        if size_by == "cross_sector_betweenness":
            return cross_sector_betweenness(A, k=sample)
        return None

    @staticmethod
    def _check_map_options(lang: str, size_by: str) -> None:
        if lang not in tuple(Language):
            expected = ", ".join(Language)
            raise InvalidParameter("lang", f"{lang!r} is not a language; expected {expected}")
        if size_by not in tuple(SizeMeasure):
            expected = ", ".join(SizeMeasure)
            raise InvalidParameter("size_by", f"{size_by!r} is not a measure; expected {expected}")


def _betweenness_sample(A: nx.Graph | CompactGraph, budget: int) -> int | None:
    """How many source actors betweenness on `A` may use: None (all, exact) if that fits `budget`.

    One source costs a breadth-first search over every link, so the work is sources x links.

    >>> _betweenness_sample(nx.path_graph(100), budget=10_000), _betweenness_sample(
    ...     nx.path_graph(10_000), budget=1_000_000)
    (None, 100)
    """
    if isinstance(A, CompactGraph):
        n, m = len(A), max(A.number_of_links(), 1)
    else:
        n, m = A.number_of_nodes(), max(A.number_of_edges(), 1)
    if n * m <= budget:
        return None
    return min(n, max(16, budget // m))


def dataset_name(paths: list[Path]) -> str:
    """The dataset a load is by default: the folder's name, or the file's without its suffix;
    for several files in one folder, the folder's.

    >>> dataset_name([Path("seed_data/")]), dataset_name([Path("data/cordis.json")])
    ('seed_data', 'cordis')
    >>> dataset_name([Path("x/actors.csv"), Path("x/relations.csv")])
    'x'
    """
    resolved = [Path(path) for path in paths]
    if len(resolved) > 1 and len({path.resolve().parent for path in resolved}) == 1:
        return resolved[0].resolve().parent.name
    first = resolved[0]
    return first.resolve().name if first.is_dir() else first.stem


def check_dataset_name(name: str) -> str:
    """Raise InvalidParameter unless `name` is 1 to 100 printable characters."""
    if not 0 < len(name) <= 100 or not name.isprintable() or name != name.strip():
        raise InvalidParameter(
            "dataset",
            f"{name!r} is not a dataset name; expected 1 to 100 printable characters, "
            "e.g. 'cordis-2024'",
        )
    return name


@contextmanager
def open_service(store: str | None = None, *, create: bool = True) -> Iterator[MapperService]:
    """A service on the store named by `store`, MAPPER_STORE, NEO4J_URI or the default file.
    Without `create`, an embedded store file that is not there is not made: StoreUnavailable
    says so (commands that only read)."""
    try:
        budget = Budget.from_env()
    except ValueError as error:
        raise InvalidParameter("budget", str(error)) from None
    service = MapperService(open_store(Settings.from_env(store), create=create), budget=budget)
    try:
        yield service
    finally:
        service.close()
