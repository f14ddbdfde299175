"""One benchmark step per process, so that each step's peak memory (ru_maxrss) is its own.

    python -m bench.steps STEP '{"folder": ..., ...}'   -> one JSON object on the last stdout line

Steps: parse, csv_read, load, sqlite_floor, neo4j_baseline, analysis, actor_map, api.
`bench.run` calls them; each returns seconds and counts, and `peak_rss_mb`.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["STEPS"]


def _open_store(location: str):
    """The store at `location` (a file or a Neo4j URI), opened as the product opens it."""
    from mapper.settings import Settings, open_store

    return open_store(Settings.from_env(location))


def _empty_store(location: str):
    """The store at `location`, emptied: Neo4j's database cleared, an embedded file made anew."""
    from mapper.settings import NEO4J_SCHEMES

    if not location.startswith(NEO4J_SCHEMES):
        for suffix in ("", "-wal", "-shm"):
            Path(location + suffix).unlink(missing_ok=True)
        return _open_store(location)
    store = _open_store(location)
    store.clear()  # a method of Neo4jStore only: a server's database is shared
    return store


def _timed(function, *args, **kwargs) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


# -- loading ---------------------------------------------------------------------------------------


def parse(folder: str) -> dict:
    """ingest.validate: read and check the files into a Batch, without a store."""
    from ingest import validate

    seconds, result = _timed(validate, folder)
    if result.errors:
        raise SystemExit(f"{len(result.errors)} problems, e.g. {result.errors[0]}")
    batch = result.batch
    return {
        "seconds": seconds,
        "errors": len(result.errors),
        "actors": len(batch.actors),
        "collaborations": len(batch.collaborations),
        "relations": len(batch.relations),
    }


def csv_read(folder: str, passes: int = 3) -> dict:
    """Only the csv module: every row as a dict, nothing checked (the floor of any loader).

    The fastest of `passes` passes: a floor is what the machine can do, and one pass on a
    shared machine varied from 3.3 to 6.1 s at 100k."""
    times, rows = [], 0
    for _ in range(passes):
        started, rows = time.perf_counter(), 0
        for name in ("actors.csv", "collaborations.csv", "relations.csv"):
            with open(Path(folder) / name, encoding="utf-8", newline="") as file:
                rows += sum(1 for _ in csv.DictReader(file))
        times.append(time.perf_counter() - started)
    return {"seconds": min(times), "passes": times, "rows": rows}


def load(folder: str, store: str) -> dict:
    """MapperService.load into an empty store; the store's apply is timed on its own too."""
    from mapper.service import MapperService

    service = MapperService(_empty_store(store))
    applied: dict[str, float] = {}  # the load is dataset "bench", as `replace` reloads it
    apply = service.store.apply

    def timed_apply(batch, **options):
        seconds, report = _timed(apply, batch, **options)
        applied["seconds"] = seconds
        return report

    service.store.apply = timed_apply
    seconds, report = _timed(service.load, [Path(folder)], dataset="bench")
    counts = service.store.counts()
    service.close()
    return {
        "seconds": seconds,
        "apply_seconds": applied["seconds"],
        "validate_seconds": seconds - applied["seconds"],
        "created": report.relations.created + report.actors.created + report.collaborations.created,
        "actors": counts.actors,
        "relations": counts.relations,
    }


def replace(folder: str, store: str) -> dict:
    """A second load of the same files into the store `load` made, with --replace: nothing
    changes, every record is compared and its dataset checked."""
    from mapper.service import MapperService

    service = MapperService(_open_store(store))
    seconds, report = _timed(service.load, [Path(folder)], replace=True, dataset="bench")
    service.close()
    return {
        "seconds": seconds,
        "unchanged": sum(part.unchanged for _, part in report.parts()),
        "removed": sum(len(part.removed) for _, part in report.parts()),
    }


def import_cordis(folder: str, store: str) -> dict:
    """`mapper import cordis` of CORDIS-format files into an empty store; the rows alone too."""
    from ingest.cordis import cordis_rows
    from mapper.service import MapperService

    rows_seconds, rows = _timed(lambda: sum(1 for _ in cordis_rows([Path(folder)])))
    service = MapperService(_empty_store(store))
    seconds, report = _timed(service.import_source, "cordis", [Path(folder)])
    counts = service.store.counts()
    service.close()
    return {
        "seconds": seconds,
        "rows_seconds": rows_seconds,
        "rows": rows,
        "actors": counts.actors,
        "collaborations": counts.collaborations,
        "relations": counts.relations,
        "created": sum(part.created for _, part in report.parts()),
    }


def sqlite_floor(store: str) -> dict:
    """The least any load writing the embedded store's tables can take: the rows `load` wrote,
    read back from its file and inserted into a new store in one write transaction as `apply`
    makes it (WAL, the bulk page cache, the same schema and indexes), without any reading,
    checking or serialising of records. Only the inserts and the commit are timed."""
    import sqlite3

    from mapper.stores.embedded import EmbeddedStore

    tables = ("actors", "collaborations", "relations", "memberships")
    with sqlite3.connect(store) as source:  # table names from this closed set only
        rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in tables}
    target = store + ".floor"
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    floor = EmbeddedStore(target)
    parts: dict[str, float] = {}
    started = time.perf_counter()
    with floor._write(bulk=True) as connection:  # the transaction `apply` runs in
        for table, values in rows.items():
            marks = ", ".join("?" * len(values[0]))
            parts[table], _ = _timed(
                connection.executemany, f"INSERT INTO {table} VALUES ({marks})", values
            )
    seconds = time.perf_counter() - started
    floor.close()
    parts["commit"] = seconds - sum(parts.values())
    for suffix in ("", "-wal", "-shm"):
        Path(target + suffix).unlink(missing_ok=True)
    return {"seconds": seconds, "parts": parts, "rows": sum(map(len, rows.values()))}


_BASELINE_BATCH = 10_000


def neo4j_baseline(folder: str, store: str) -> dict:
    """A hand-written loader: csv rows, plain driver, UNWIND batches of 10 000, one tx each."""
    import neo4j

    from mapper.settings import Settings

    settings = Settings.from_env(store)  # the same server, user and database as the product
    auth = (settings.neo4j_user or "neo4j", settings.neo4j_password)
    driver = neo4j.GraphDatabase.driver(store, auth=auth if settings.neo4j_password else None)
    database = settings.neo4j_database or "neo4j"
    started = time.perf_counter()
    written = {"seconds": 0.0}

    def run(query: str, rows: list[dict]) -> None:
        t = time.perf_counter()
        for start in range(0, len(rows), _BASELINE_BATCH):
            chunk = rows[start : start + _BASELINE_BATCH]
            driver.execute_query(query, rows=chunk, database_=database)
        written["seconds"] += time.perf_counter() - t

    for statement in (
        "CREATE CONSTRAINT b_actor IF NOT EXISTS FOR (a:Actor) REQUIRE a.id IS UNIQUE",
        "CREATE CONSTRAINT b_collab IF NOT EXISTS FOR (c:Collaboration) REQUIRE c.id IS UNIQUE",
    ):
        driver.execute_query(statement, database_=database)
    actors = _csv_rows(Path(folder) / "actors.csv")
    run("UNWIND $rows AS row MERGE (a:Actor {id: row.id}) SET a += row", actors)
    actor_ids = {row["id"] for row in actors}
    del actors
    collaborations = _csv_rows(Path(folder) / "collaborations.csv")
    run("UNWIND $rows AS row MERGE (c:Collaboration {id: row.id}) SET c += row", collaborations)
    del collaborations
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in _csv_rows(Path(folder) / "relations.csv"):
        label = "Actor" if row["target"] in actor_ids else "Collaboration"
        groups[row.pop("type"), label].append(row)
    for (relation_type, label), rows in groups.items():
        run(
            f"""UNWIND $rows AS row
            MATCH (s:Actor {{id: row.source}}) MATCH (t:{label} {{id: row.target}})
            CREATE (s)-[r:{relation_type}]->(t) SET r += row""",
            rows,
        )
    seconds = time.perf_counter() - started
    relations = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    driver.close()
    return {"seconds": seconds, "write_seconds": written["seconds"], "relations": relations}


def _csv_rows(path: Path) -> list[dict]:
    """Rows as dicts without the empty cells (Neo4j stores no nulls)."""
    with open(path, encoding="utf-8", newline="") as file:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(file)]


# -- analysis --------------------------------------------------------------------------------------


def analysis(store: str, permutations: int = 200) -> dict:
    """Snapshot, actor graph, gaps and mixing, against networkx's attribute_mixing_matrix."""
    import networkx as nx

    from mapper.analysis.actor_graph import actor_graph
    from mapper.analysis.gaps import gaps
    from mapper.analysis.mixing import mixing

    opened = _open_store(store)
    snapshot_seconds, G = _timed(opened.snapshot)
    graph_seconds, A = _timed(actor_graph, G)
    gaps_seconds, result = _timed(gaps, A, permutations=permutations)
    mixing_seconds, _ = _timed(mixing, A)
    nx_seconds, _ = _timed(nx.attribute_mixing_matrix, A, "sector")
    opened.close()
    found = [p["sectors"] for p in result["pairs"] if p["gap"]]
    gap_pair = next(p for p in result["pairs"] if set(p["sectors"]) == {"private", "academia"})
    return {
        "snapshot_seconds": snapshot_seconds,
        "actor_graph_seconds": graph_seconds,
        "gaps_seconds": gaps_seconds,
        "mixing_seconds": mixing_seconds,
        "nx_mixing_seconds": nx_seconds,
        "actor_graph_nodes": A.number_of_nodes(),
        "actor_graph_links": A.number_of_edges(),
        "gaps_found": found,
        "planted_gap_ratio": gap_pair["ratio"],
        "planted_gap_found": found == [["private", "academia"]],
    }


def actor_map(store: str) -> dict:
    """MapperService.actor_map of the whole ecosystem: cold (actor graph built) and warm."""
    from mapper.service import MapperService, Scope

    service = MapperService(_open_store(store))
    service.snapshot()
    cold_seconds, html = _timed(service.actor_map, Scope())
    warm_seconds, html = _timed(service.actor_map, Scope())
    service.close()
    return {"cold_seconds": cold_seconds, "seconds": warm_seconds, "html_mb": len(html) / 1e6}


# -- analysis core (issue 12) ---------------------------------------------------------------------


def _rss_mb() -> dict:
    """This process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            fields[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {"rss_mb": fields.get("VmRSS"), "peak_rss_mb": fields.get("VmHWM")}


def _membership_rows(store) -> int:
    """The bare query: every PARTICIPATES_IN and FUNDS row (actor, target), nothing else."""
    if hasattr(store, "_driver"):
        records, _, _ = store._driver.execute_query(
            "MATCH (a:Actor)-[r:PARTICIPATES_IN|FUNDS]->(t) RETURN a.id, t.id",
            database_=store.database,
        )
        return len(records)
    query = "SELECT source, target FROM relations WHERE type IN ('PARTICIPATES_IN', 'FUNDS')"
    return len(store._db.execute(query).fetchall())


def core_warmup() -> dict:
    """Compile (or load from numba's cache) the kernels once, so that no step below pays for
    compiling; the seconds are the one-off cost on a fresh machine when the cache was empty."""
    import networkx as nx

    import mapper.analysis.gaps as gaps_module
    from mapper.analysis.brokers import brokers
    from mapper.analysis.compact import compact_graph
    from mapper.analysis.gaps import gaps

    G = nx.path_graph(["a", "b", "c"])
    nx.set_node_attributes(G, {"a": "public", "b": "private", "c": "public"}, "sector")
    C = compact_graph(G)
    brokers_seconds, _ = _timed(brokers, C)
    gaps_module.COMPILED_FROM = 0  # the compiled counting, which small inputs skip
    gaps_seconds, _ = _timed(gaps, C, permutations=8)
    return {"brokers_seconds": brokers_seconds, "gaps_seconds": gaps_seconds}


def core_build(store: str, old: bool = True) -> dict:
    """Cold: the compact graph from the store (rows, index, sparse projection), against a bare
    query reading the membership rows and, with `old`, the snapshot + networkx actor graph."""
    from mapper.analysis.compact import IndexedRows, compact_graph_from_rows

    opened = _open_store(store)
    bare_seconds, rows_read = _timed(_membership_rows, opened)
    rows_seconds, (_, rows) = _timed(opened.analysis_rows)
    index_seconds, indexed = _timed(IndexedRows.from_rows, rows)
    del rows
    graph_seconds, C = _timed(compact_graph_from_rows, indexed)
    result = {
        "bare_query_seconds": bare_seconds,
        "membership_rows": rows_read,
        "rows_seconds": rows_seconds,
        "index_seconds": index_seconds,
        "graph_seconds": graph_seconds,
        "build_seconds": rows_seconds + index_seconds + graph_seconds,
        "actors": len(C),
        "links": C.number_of_links(),
        **_rss_mb(),
    }
    if old:
        from mapper.analysis.actor_graph import actor_graph

        snapshot_seconds, G = _timed(opened.snapshot)
        actor_graph_seconds, A = _timed(actor_graph, G)
        result["old_seconds"] = snapshot_seconds + actor_graph_seconds
        result["old_links"] = A.number_of_edges()
    opened.close()
    return result


def core_gaps(store: str) -> dict:
    """Cold service.gaps (1000 permutations) from a fresh process; then gaps() with 200
    permutations on the built compact graph."""
    from mapper.analysis.gaps import gaps
    from mapper.service import MapperService, Scope

    service = MapperService(_open_store(store))
    cold_seconds, result = _timed(service.gaps, Scope())
    C = service.compact(Scope())
    seconds_200, _ = _timed(gaps, C, permutations=200)
    service.close()
    found = [p["sectors"] for p in result["pairs"] if p["gap"]]
    return {
        "cold_seconds": cold_seconds,
        "gaps_200_seconds": seconds_200,
        "links": C.number_of_links(),
        "gaps_found": found,
        **_rss_mb(),
    }


def core_brokers(store: str, seeds: int = 3) -> dict:
    """Cold service.brokers from a fresh process (exact when it fits the budget). When it is an
    estimate, the top 10 of `seeds` seeds with the same number of sources are compared."""
    from mapper.analysis.brokers import brokers
    from mapper.service import MapperService, Scope

    service = MapperService(_open_store(store))
    cold_seconds, result = _timed(service.brokers, Scope())
    top = [[b["actor"] for b in result["brokers"]]]
    if not result["exact"]:
        C = service.compact(Scope())
        for seed in range(1, seeds):
            again = brokers(C, top=10, k=result["sources"], seed=seed)
            top.append([b["actor"] for b in again["brokers"]])
    service.close()
    shared = [len(set(top[0]) & set(other)) for other in top[1:]]
    return {
        "cold_seconds": cold_seconds,
        "exact": result["exact"],
        "sources": result["sources"],
        "actors": result["actors"],
        "top10_shared_with_other_seeds": shared,
        **_rss_mb(),
    }


def core_server_memory(store: str) -> dict:
    """What a server process holds after gaps, brokers and the actor map of the whole store."""
    from mapper.service import MapperService, Scope

    service = MapperService(_open_store(store))
    seconds = {}
    for name, call in (
        ("gaps", lambda: service.gaps(Scope())),
        ("brokers", lambda: service.brokers(Scope())),
        ("actor_map", lambda: service.actor_map(Scope())),
    ):
        seconds[name], _ = _timed(call)
    memory = _rss_mb()
    service.close()
    return {"seconds": seconds, **memory}


def cli_gaps(store: str) -> dict:
    """`mapper gaps --permutations 200` from a fresh process, against bench/baseline_gaps.py
    (pandas + numpy) on the same store, run alternately three times each; medians."""
    import shutil
    import subprocess

    mapper = shutil.which("mapper") or str(Path(sys.executable).with_name("mapper"))
    commands = {
        "mapper": [mapper, "--store", store, "gaps", "--permutations", "200"],
        "baseline": [sys.executable, str(Path(__file__).with_name("baseline_gaps.py")), store],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(3):
        for name, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - started)
    return {f"{name}_seconds": statistics.median(values) for name, values in times.items()}


# -- API -------------------------------------------------------------------------------------------


def api(base: str, store: str, folder: str, requests: int, duration: float, clients: int) -> dict:
    """Latency under `clients` concurrent clients, per endpoint; then the analysis cache."""
    import httpx

    ids = _actor_ids(folder)
    rng = random.Random(0)
    sample = rng.sample(ids, min(500, len(ids)))
    with httpx.Client(base_url=base, timeout=900) as client:  # a cold 100k call is slow
        cache = _cache(client, store)
    endpoints = {
        "bare": lambda r: "/bench/bare",
        "actor": lambda r: f"/actors/{r.choice(sample)}",
        "neighbours": lambda r: f"/actors/{r.choice(sample)}/neighbours",
        "gaps": lambda r: "/analysis/gaps",
        "paths": lambda r: f"/paths?source={r.choice(sample)}&target={r.choice(sample)}",
    }
    results = {
        name: _hammer(base, url, requests, duration, clients) for name, url in endpoints.items()
    }
    return {"endpoints": results, "cache": cache, "clients": clients}


def _actor_ids(folder: str) -> list[str]:
    with open(Path(folder) / "actors.csv", encoding="utf-8", newline="") as file:
        return [row["id"] for row in csv.DictReader(file)]


def _cache(client, store: str) -> dict:
    """/analysis/gaps: the first call, a repeat, and the first call after a write elsewhere."""
    from mapper.model import Actor, Batch

    first, before = _timed(_get, client, "/analysis/gaps")
    repeat, _ = _timed(_get, client, "/analysis/gaps")
    writer = _open_store(store)
    probe = Actor(id="bench-write-probe", name=f"Probe {time.time()}", sector="public")
    writer.apply(Batch(actors=[probe]))
    writer.close()
    after_write, body = _timed(_get, client, "/analysis/gaps")
    again, _ = _timed(_get, client, "/analysis/gaps")
    return {
        "first_seconds": first,
        "repeat_seconds": repeat,
        "after_write_seconds": after_write,
        "repeat_after_write_seconds": again,
        "write_seen": body["actors"] == before["actors"] + 1,
    }


def _get(client, url: str) -> dict:
    response = client.get(url)
    response.raise_for_status()
    return response.json()


def _hammer(
    base: str, make_url, requests: int, duration: float, clients: int, *, expected: int = 200
) -> dict:
    """`requests` GETs (or `duration` seconds, whichever ends first) from `clients` threads;
    an answer other than `expected` counts as an error.

    Each thread keeps one HTTP/1.1 connection (http.client: the cheapest client at hand, so
    that the client's own time weighs little in the latencies).
    """
    import http.client
    from urllib.parse import urlsplit

    address = urlsplit(base)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.perf_counter() + duration

    def worker(number: int) -> None:
        rng = random.Random(number)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        while time.perf_counter() < deadline:
            with lock:
                if next(counter, None) is None:
                    break
            url = make_url(rng)
            started = time.perf_counter()
            try:
                connection.request("GET", url)
                response = connection.getresponse()
                response.read()
                ok, problem = response.status == expected, f"{response.status} {url}"
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                ok, problem = False, f"{type(error).__name__} {url}"
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(problem)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "error_examples": errors[:5],
        "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
        if latencies
        else None,
        "max_ms": 1000 * latencies[-1] if latencies else None,
        "per_second": len(latencies) / wall if wall else None,
    }


STEPS = {
    "parse": parse,
    "csv_read": csv_read,
    "load": load,
    "neo4j_baseline": neo4j_baseline,
    "analysis": analysis,
    "actor_map": actor_map,
    "api": api,
    "core_warmup": core_warmup,
    "core_build": core_build,
    "core_gaps": core_gaps,
    "core_brokers": core_brokers,
    "core_server_memory": core_server_memory,
    "cli_gaps": cli_gaps,
    "replace": replace,
    "import_cordis": import_cordis,
    "sqlite_floor": sqlite_floor,
}


def main() -> None:
    step, arguments = sys.argv[1], json.loads(sys.argv[2])
    result = STEPS[step](**arguments)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
