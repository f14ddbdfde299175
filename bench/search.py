"""Benchmark name search and did-you-mean (issue 16) on the embedded store, under the API bench's
16 concurrent clients.

    python -m bench.search                  # 100k actors
    python -m bench.search --size 10k
    python -m bench.search --report         # only RESULTS.md from results-search.json

The store is bench.generate's ecosystem of that size, loaded once. The server is bench.server
(the product's app plus a bare route). Endpoints, hammered one after the other in one run:
`bare`; `search`: /actors?q= with queries made from the actors' names (a whole name, a first
word's first letters, a later word, a word with a letter dropped, an ASCII spelling); `actor`:
/actors/{id} of ids that exist (must not get slower); `missing`: /actors/{id} of misspelt ids,
answered 404 with suggestions. Before them, the first search's time: the search index is built
then, once per store generation.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from bench.run import (
    HERE,
    ROOT,
    _free_port,
    _generated,
    _log,
    _peak_rss_mb,
    _wait_for,
    machine,
    write_section,
)
from bench.steps import _hammer
from bench.wrk import run_wrk, wrk_available

BEGIN, END = "<!-- search: begin -->", "<!-- search: end -->"
TARGET_P99_MS = 50.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.search", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapper-bench"))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args(argv)
    output = HERE / "results-search.json"
    if args.report:
        _write_markdown(json.loads(output.read_text()))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    folder = _generated(args.size, args.workdir)[0]
    store = args.workdir / f"search-{args.size}.db"
    results = {"machine": machine(), "size": args.size, "clients": args.clients}
    if not store.exists():
        _log(f"load {folder} into {store}")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from mapper.cli import cli; cli()", "--store", str(store),
             "load", str(folder)],
            cwd=ROOT, check=True, capture_output=True,
        )  # fmt: skip
        results["load_seconds"] = time.perf_counter() - started
    names = _names(folder)
    results["endpoints"], results["first_search_seconds"], results["server_peak_rss_mb"] = _serve(
        str(store), names, args.requests, args.clients
    )
    results["lookup"] = _lookup(str(store), names)
    output.write_text(json.dumps(results, indent=2))
    _write_markdown(results)


def _names(folder: Path) -> list[tuple[str, str]]:
    with open(folder / "actors.csv", encoding="utf-8", newline="") as file:
        return [(row["id"], row["name"]) for row in csv.DictReader(file)]


def _queries(names: list[tuple[str, str]], rng: random.Random) -> list[str]:
    """Search texts as people type them, from the actors' own names."""
    queries = []
    for _, name in rng.sample(names, 400):
        words = name.split()
        long = max(words, key=len)
        queries += [
            name,
            words[0][: max(3, len(words[0]) // 2)],
            words[-1],
            long[:2] + long[3:] if len(long) > 5 else long,
            name.translate(str.maketrans("åäöÅÄÖ", "aaoAAO")),
        ]
    return queries


def _serve(store: str, names, requests: int, clients: int):
    rng = random.Random(0)
    queries = _queries(names, rng)
    ids = [actor_id for actor_id, _ in names]
    sample = rng.sample(ids, 500)
    misspelt = [i[:-2] if len(i) > 6 else i + "x" for i in sample]
    misspelt = [m for m in misspelt if m not in set(ids)]
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.server", store, str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for(port, server)
        base = f"http://127.0.0.1:{port}"
        import httpx

        with httpx.Client(base_url=base, timeout=900) as client:
            started = time.perf_counter()
            client.get("/actors", params={"q": "warm"}).raise_for_status()
            first = time.perf_counter() - started
        endpoints = {
            "bare": (lambda r: "/bench/bare", 200),
            "search": (lambda r: f"/actors?limit=20&q={quote(r.choice(queries))}", 200),
            "actor": (lambda r: f"/actors/{r.choice(sample)}", 200),
            "missing": (lambda r: f"/actors/{r.choice(misspelt)}", 404),
        }
        results = {}
        for name, (make_url, status) in endpoints.items():
            _log(f"hammer {name}")
            results[name] = _hammer(base, make_url, requests, 60, clients, expected=status)
            if wrk_available():  # the same paths from a compiled client, side by side
                _log(f"wrk {name}")
                paths = [make_url(rng) for _ in range(2000)]
                found = run_wrk(base, paths, seconds=20, connections=clients, expected=status)
                results[f"{name} (wrk)"] = found
        return results, first, _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _lookup(store: str, names, rounds: int = 5, calls: int = 2000) -> dict:
    """`MapperService.actor` of ids that exist, with and without the did-you-mean wrapper,
    alternating in one process: the median microseconds a call of each side took."""
    from bench.steps import _open_store
    from mapper.service import MapperService

    service = MapperService(_open_store(store))
    rng = random.Random(1)
    ids = [rng.choice(names)[0] for _ in range(calls)]
    plain = MapperService.actor.__wrapped__
    sides = {"wrapped": lambda i: service.actor(i), "plain": lambda i: plain(service, i)}
    timings: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(rounds):
        for side, call in sides.items():
            started = time.perf_counter()
            for actor_id in ids:
                call(actor_id)
            timings[side].append(1e6 * (time.perf_counter() - started) / calls)
    service.close()
    return {side: sorted(found)[rounds // 2] for side, found in timings.items()}


def _write_markdown(results: dict) -> None:
    endpoints = results["endpoints"]
    bare = endpoints["bare"]["p99_ms"]
    lines = [
        BEGIN,
        "## Search and did-you-mean (issue 16)",
        "",
        f"`python -m bench.search` ({results['size']} actors, embedded store, "
        f"{results['clients']} concurrent clients on loopback, one run; the machine's "
        "cores shared by the clients and the one uvicorn process). The first search after a "
        f"write builds the index: {results['first_search_seconds']:.2f} s. Server peak RSS "
        f"{results['server_peak_rss_mb'] or 0:.0f} MB.",
        "",
        "| endpoint | requests | errors | p50 ms | p99 ms | p99 / bare p99 | req/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, found in endpoints.items():
        base = endpoints["bare (wrk)"]["p99_ms"] if "(wrk)" in name else bare
        errors = found["errors"] + found.get("unexpected_status", 0)
        per_second = found.get("per_second", found.get("rps", 0.0))
        lines.append(
            f"| {name} | {found['requests']} | {errors} | {found['p50_ms']:.2f} | "
            f"{found['p99_ms']:.2f} | {found['p99_ms'] / base:.2f} | {per_second:.1f} |"
        )
    client = "search (wrk)" if "search (wrk)" in endpoints else "search"
    p99 = endpoints[client]["p99_ms"]
    met = "met" if p99 <= TARGET_P99_MS else "not met"
    lines += [
        "",
        "Rows without `(wrk)`: 16 Python client threads in the benchmark's process, a fixed "
        "number of requests. Rows with `(wrk)`: the same paths from wrk, a compiled client in its "
        "own process, 16 connections for 20 s (closed loop: each connection sends its next "
        "request when the answer arrives, so latency is about 16 x the server's time per "
        "request). An error is a transport error or an unexpected status.",
        "",
        f"Target search p99 ≤ {TARGET_P99_MS:.0f} ms ({client}): {p99:.1f} ms, {met}. `missing` "
        "answers 404 with up to five suggestions (its errors column counts answers other than "
        "404).",
    ]
    lookup = results.get("lookup")
    if lookup:
        lines += [
            "",
            "Actor lookup of ids that exist, in one process, alternating five rounds of 2,000 "
            f"calls: {lookup['wrapped']:.1f} µs a call with the did-you-mean wrapper, "
            f"{lookup['plain']:.1f} µs without (ratio {lookup['wrapped'] / lookup['plain']:.2f}):"
            " suggestions are looked for only when an id is missing.",
        ]
    lines += [END]
    write_section(lines)


if __name__ == "__main__":
    main()
