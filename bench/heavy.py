"""Benchmark reads beside heavy analyses (issue 18): on a real `mapper serve` with its worker
processes, 16 clients read actors by id and by name, first alone, then beside 4 clients asking
for analyses nobody asked for before; both stores.

    python -m bench.heavy                           # 10k actors, both stores, 60 s a phase
    python -m bench.heavy --sizes 10k,100k          # 100k on the embedded store only
    python -m bench.heavy --seconds 10 --stores embedded
    python -m bench.heavy --report                  # only RESULTS.md from results-heavy.json

The harness is the suite's (tests/heavy_load.py, tests/serving.py; tests/test_heavy_load.py runs
it for 8 s a phase). Per store and size: a fresh store loaded with `mapper load` (Neo4j: a fresh
Neo4jTestServer, as bench.run starts one), `mapper serve` with its default workers, one
/analysis/mixing and a light phase of a few seconds to warm it, then the idle and the loaded
phase, then one `GET /analysis/brokers?sample=100000`, which must be refused (422 OverBudget) or
answered within the budget. Sizes above 10k run on the embedded store only. Writes
bench/results-heavy.json and the section "Reads beside heavy analyses" of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.generate import parse_size
from bench.run import (
    HERE,
    ROOT,
    _generated,
    _log,
    _peak_rss_mb,
    machine,
    neo4j_server,
    neo4j_version,
    write_section,
)
from mapper.workers import default_workers
from tests.heavy_load import HEAVY_CLIENTS, LIGHT_CLIENTS, light_targets, run_phase
from tests.serving import serving

BEGIN, END = "<!-- heavy: begin -->", "<!-- heavy: end -->"
TARGET_RATIO = 3.0  # loaded p99 / idle p99 of the light reads, with zero errors
WARM_SECONDS = 5.0
TIME_LIMIT = 120.0  # `mapper serve --time-limit`'s default: one analysis runs at most this long
BIG_SAMPLE = "/analysis/brokers?sample=100000"
NEO4J_LARGEST = 10_000  # a 100k Neo4j load takes about 5 minutes and a 10 GB heap


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.heavy", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default="10k", help="comma-separated: 10k,100k")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapper-bench"))
    parser.add_argument(
        "--report", action="store_true", help="Only write RESULTS.md from results-heavy.json."
    )
    args = parser.parse_args(argv)
    output = HERE / "results-heavy.json"
    if args.report:
        _write_markdown(json.loads(output.read_text()))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "seconds": args.seconds, "runs": []}
    for size in args.sizes.split(","):
        folder = _generated(size, args.workdir)[0]
        for store in args.stores.split(","):
            if store == "neo4j" and parse_size(size) > NEO4J_LARGEST:
                _log(f"skip neo4j at {size}: sizes above 10k run on the embedded store only")
                continue
            results["runs"].append(_run(store, size, folder, args.workdir, args.seconds))
            results["machine"]["neo4j"] = neo4j_version()
            output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    results["total_seconds"] = time.perf_counter() - started
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    _write_markdown(results)


def _run(store: str, size: str, folder: Path, workdir: Path, seconds: float) -> dict:
    """Load a fresh store of `size` and measure it; an error is recorded, not raised."""
    found: dict = {"store": store, "size": size}
    try:
        with _fresh_store(store, size, workdir) as (location, server):
            found["load_seconds"] = _load(location, folder)
            found.update(_measure(location, seconds))
            found["big_sample"].update(_work(location))
            if server is not None:
                found["neo4j_peak_rss_mb"] = server.peak_rss_mb()
    except (RuntimeError, AssertionError, httpx.HTTPError, subprocess.SubprocessError) as error:
        _log(f"{store} {size} failed: {error}")
        found["error"] = str(error)[-2000:]
    return found


@contextlib.contextmanager
def _fresh_store(store: str, size: str, workdir: Path):
    """(location, Neo4j server or None) of an empty store."""
    if store == "neo4j":
        with neo4j_server() as server:
            yield server.uri, server
        return
    database = workdir / f"heavy-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    yield str(database), None


def _load(location: str, folder: Path) -> float:
    _log(f"load {folder} into {location}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from mapper.cli import cli; cli(prog_name='mapper')",
         "--store", location, "load", str(folder)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"mapper load failed: {done.stderr[-2000:]}")
    return round(time.perf_counter() - started, 1)


def _measure(location: str, seconds: float) -> dict:
    """Serve `location`, warm it, run the idle and the loaded phase and the big sample."""
    with serving(location) as served:
        found: dict = {"workers": default_workers(), "first_mixing_seconds": _warm(served.url)}
        ids, names = light_targets(served.url)
        run_phase(served.url, ids, names, WARM_SECONDS, heavy=False)
        _log(f"idle phase, {seconds:.0f} s")
        idle = run_phase(served.url, ids, names, seconds, heavy=False).summary()
        _log(f"loaded phase, {seconds:.0f} s")
        loaded = run_phase(served.url, ids, names, seconds, heavy=True).summary()
        found["worker_processes"] = len(served.workers())
        found["big_sample"] = _big_sample(served.url)
        found["server_peak_rss_mb"] = _peak_rss_mb(served.process.pid)
        log = served.output()
    found.update(idle=idle, loaded=loaded, tracebacks=log.count("Traceback"))
    found["p99_ratio"] = round(loaded["p99_ms"] / idle["p99_ms"], 2)
    errors = sum(idle["light_errors"].values()) + sum(loaded["light_errors"].values())
    found["met"] = found["p99_ratio"] <= TARGET_RATIO and errors == 0
    _log(f"idle {idle}\nloaded {loaded}\nratio {found['p99_ratio']}, met {found['met']}")
    return found


def _warm(url: str) -> float:
    """Seconds of the first /analysis/mixing: a worker reads the store and builds its graph."""
    started = time.perf_counter()
    httpx.get(f"{url}/analysis/mixing", timeout=600).raise_for_status()
    return round(time.perf_counter() - started, 2)


def _big_sample(url: str) -> dict:
    """GET /analysis/brokers?sample=100000 on the idle server: its status, seconds, and what
    it answered (the estimate's sources, or the error's type and message)."""
    _log(f"GET {BIG_SAMPLE}")
    started = time.perf_counter()
    answer = httpx.get(f"{url}{BIG_SAMPLE}", timeout=900)
    found: dict = {"status": answer.status_code, "seconds": time.perf_counter() - started}
    body = answer.json()
    if answer.status_code == 200:
        found.update(exact=body.get("exact"), sources=body.get("sources"))
    else:
        found.update(type=body["error"]["type"], message=body["error"]["message"])
    refused = found.get("type") == "OverBudget"
    found["bounded"] = refused or (answer.status_code == 200 and found["seconds"] <= TIME_LIMIT)
    return found


def _work(location: str) -> dict:
    """What the big sample asks of the work budget: sources x links of the whole store's graph,
    computed in this process (MapperService.brokers' own check)."""
    from mapper.service import MapperService, Scope
    from mapper.settings import Settings, open_store

    service = MapperService(open_store(Settings.from_env(location), create=False))
    try:
        C = service.compact(Scope())
        actors, links = len(C), C.number_of_links()
        budget = service.budget.link_visits
    finally:
        service.close()
    visits = min(100_000, actors) * links
    return {"actors": actors, "links": links, "link_visits": visits, "budget": budget}


def _write_markdown(results: dict) -> None:
    lines = [
        BEGIN,
        "## Reads beside heavy analyses (issue 18): `python -m bench.heavy`",
        "",
        *_method(results),
        "",
        "| store | actors | workers | idle: reads, p50, p99 ms | loaded: reads, p50, p99 ms "
        "| loaded p99 / idle p99 | read errors, idle / loaded | analyses answered "
        "(status: count) | target |",
        "|---|---|---:|---|---|---:|---|---|---|",
    ]
    lines += [_row(run) for run in results["runs"]]
    lines += ["", *_big_sample_lines(results["runs"]), "", *_notes(results["runs"]), END]
    write_section(lines)


def _method(results: dict) -> list[str]:
    m = results["machine"]
    seconds = results["seconds"]
    return [
        f"One run on {m.get('cpu', '?')}, {m.get('nproc', '?')} cores, {m.get('memory_gib', '?')}"
        f" GiB (Neo4j {m.get('neo4j') or '–'}). Each store is loaded fresh from bench.generate's "
        "seed files and served by `mapper serve` on loopback with its default analysis workers "
        f"(cores - 1). After one /analysis/mixing and {WARM_SECONDS:.0f} s of reads to warm it, "
        f"two phases of {seconds:.0f} s each (tests/heavy_load.py, the harness of "
        f"tests/test_heavy_load.py): *idle*, {LIGHT_CLIENTS} client threads with keep-alive "
        "connections reading `/actors/{id}` and `/actors?q=` (half each, ids and name words "
        f"from the first 500 actors); *loaded*, the same {LIGHT_CLIENTS} beside "
        f"{HEAVY_CLIENTS} clients each asking, one request after the other, for brokers "
        "(sample 100-2100), gaps (300 permutations), mixing (by years) or connections with "
        "parameters no other request had, so that each one computes. p50/p99 are of the reads "
        "answered 200; read errors are every other status or a failed request. The target: "
        f"loaded p99 ≤ {TARGET_RATIO:.0f}× idle p99 with zero read errors.",
        "",
        "The ratio compares two phases of the same run, side by side; the absolute milliseconds "
        "are not comparable with other sections. The machine has 2 cores and is shared: the "
        "client threads share them with the server and its one worker, so the loaded phase "
        "also measures the clients' own contention for the cores the analyses use.",
    ]


def _row(run: dict) -> str:
    name = f"| {run['store']} | {run['size']} |"
    if "error" in run:
        return f"{name} – | error: {run['error'][-160:].replace('|', '/')} | | | | | not met |"
    idle, loaded = run["idle"], run["loaded"]
    heavy = ", ".join(f"{status}: {count}" for status, count in loaded["heavy_answers"].items())
    return (
        f"{name} {run['workers']} | {_phase(idle)} | {_phase(loaded)} | "
        f"{run['p99_ratio']:.2f}× | {_errors(idle)} / {_errors(loaded)} | {heavy or '–'} | "
        f"{'met' if run['met'] else 'not met'} |"
    )


def _phase(summary: dict) -> str:
    return f"{summary['light_requests']:,}, {summary['p50_ms']:.1f}, {summary['p99_ms']:.1f}"


def _errors(summary: dict) -> str:
    """0, or the count and what they were: `3 (503: 2, ReadTimeout: 1)`."""
    errors = summary["light_errors"]
    kinds = ", ".join(f"{kind}: {count}" for kind, count in errors.items())
    return f"{sum(errors.values())} ({kinds})" if errors else "0"


def _big_sample_lines(runs: list[dict]) -> list[str]:
    lines = [
        f"`GET {BIG_SAMPLE}` after the loaded phase, on the idle server (it must be refused with "
        f"422 OverBudget or answered within the work budget and the {TIME_LIMIT:.0f} s time "
        "limit):",
        "",
    ]
    for run in runs:
        big = run.get("big_sample")
        if big is None:
            continue
        if big["status"] == 200:
            what = (
                f"answered 200, exact, from all {big['sources']:,} actors (a sample is cut to "
                "the actors in scope; their betweenness fits the work budget)"
                if big["exact"]
                else f"answered 200, estimated from {big['sources']:,} sources"
            )
        else:
            what = f"{big['status']} {big['type']}: “{big['message']}”"
        verdict = "bounded" if big["bounded"] else "NOT bounded"
        work = (
            f" It asks for {min(100_000, big['actors']):,} sources × {big['links']:,} links = "
            f"{big['link_visits']:,} link visits, {big['link_visits'] / big['budget']:.0%} of "
            f"the work budget of {big['budget']:,}."
            if "link_visits" in big
            else ""
        )
        lines.append(
            f"- {run['store']}, {run['size']}: {what} in {big['seconds']:.2f} s; {verdict}.{work}"
        )
    return lines


def _notes(runs: list[dict]) -> list[str]:
    notes = [
        "Per run: the load (`mapper load`), the warming, the server's memory, and anything odd:",
        "",
    ]
    for run in runs:
        if "error" in run:
            continue
        odd = []
        heavy = run["loaded"]["heavy_answers"]
        if set(heavy) - {"200", 200}:
            odd.append(f"analyses answered other than 200: {heavy}")
        if run["p99_ratio"] < 1:
            odd.append(
                "the reads were faster beside the analyses than alone; the phases run one after "
                "the other, idle first, so whatever still warms up after the warming (the "
                "JVM's compiler, Neo4j's caches: a guess, not measured) favours the loaded one"
            )
        if run["tracebacks"]:
            odd.append(f"{run['tracebacks']} traceback(s) in the server's log")
        notes.append(
            f"- {run['store']}, {run['size']}: loaded in {run['load_seconds']:.1f} s; first "
            f"/analysis/mixing {run['first_mixing_seconds']:.1f} s; server peak RSS "
            f"{run.get('server_peak_rss_mb') or 0:.0f} MB; "
            f"{run['worker_processes']} worker process(es) at the end"
            + (f"; {'; '.join(odd)}" if odd else "")
            + "."
        )
    return notes


if __name__ == "__main__":
    main()
