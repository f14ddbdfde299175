"""Benchmark the compact analysis core (issue 12): build, gaps, brokers, memory, cold CLI.

    python -m bench.core                                  # 10k, 100k, projects-13k; both stores
    python -m bench.core --sizes 10k --stores embedded    # a part

Each figure is one step in a fresh process (bench/steps.py: core_build, core_gaps,
core_brokers, core_server_memory, cli_gaps). Data: bench.generate's ecosystem at each size, and
bench.projects' EU-project-shaped one ("projects-13k": 13k organisations in cliques of 10-40,
about 356k links). Writes bench/results-core.json and the section "Analysis core" of
bench/RESULTS.md (between its markers); the rest of RESULTS.md is `python -m bench`'s.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.run import (
    HERE,
    _generated,
    generated_by,
    machine,
    neo4j_server,
    step,
    write_section,
)

BEGIN, END = "<!-- analysis-core: begin -->", "<!-- analysis-core: end -->"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.core", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--sizes", default="10k,100k,projects-13k")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapper-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"machine": machine(), "sizes": {}}
    results["warmup"] = step("core_warmup", timeout=600)  # numba compiles once per machine
    for size in args.sizes.split(","):
        folder = _folder(size, args.workdir)
        results["sizes"][size] = {
            store: _run(size, store, folder, args.workdir) for store in args.stores.split(",")
        }
    results["seconds"] = time.perf_counter() - started
    (HERE / "results-core.json").write_text(json.dumps(results, indent=1))
    _write_markdown(results)


def _folder(size: str, workdir: Path) -> Path:
    if not size.startswith("projects-"):
        return _generated(size, workdir)[0]
    projects = size.split("-", 1)[1]
    return generated_by("bench.projects", projects, workdir / f"seed-{size}", "relations.csv")


def _run(size: str, store: str, folder: Path, workdir: Path) -> dict:
    if store == "neo4j":
        with neo4j_server() as server:
            return _steps(size, server.uri, folder, neo4j=True)
    database = workdir / f"core-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    return _steps(size, str(database), folder, neo4j=False)


def _steps(size: str, store: str, folder: Path, *, neo4j: bool) -> dict:
    results = {"load": step("load", timeout=1800, folder=str(folder), store=store)}
    if "error" in results["load"]:
        return results
    results["build"] = step("core_build", timeout=1800, store=store)
    results["gaps"] = step("core_gaps", timeout=1800, store=store)
    results["brokers"] = step("core_brokers", timeout=1800, store=store)
    results["memory"] = step("core_server_memory", timeout=1800, store=store)
    if size.startswith("projects-") and not neo4j:
        results["cli_gaps"] = step("cli_gaps", timeout=900, store=store)
    return results


def _number(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _ratio(a, b) -> str:
    return "–" if a is None or not b else f"{a / b:.2f} ×"


def _write_markdown(results: dict) -> None:
    lines = [
        BEGIN,
        "## Analysis core (issue 12): `python -m bench.core`",
        "",
        f"One run, {results['seconds']:.0f} s; every figure from a fresh process. "
        "Ratios compare two things measured in this run. The compiled kernels were compiled "
        "(or loaded from numba's cache) before the first step: "
        f"{_number(results.get('warmup', {}).get('brokers_seconds'))} s for betweenness and "
        f"triangles, {_number(results.get('warmup', {}).get('gaps_seconds'))} s for the "
        "permutations, once per machine.",
        "",
        "| data | store | actors | links | build cold s | bare membership query s | build/bare "
        "| old snapshot + actor graph s | old/new | cold /analysis/gaps (1000 perm.) s "
        "| gaps 200 perm. on built graph s | cold /analysis/brokers s | exact | sources "
        "| top 10 shared across seeds | RSS after gaps, brokers, map MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for size, stores in results["sizes"].items():
        for store, r in stores.items():
            build, gaps = r.get("build", {}), r.get("gaps", {})
            brokers, memory = r.get("brokers", {}), r.get("memory", {})
            lines.append(
                f"| {size} | {store} | {build.get('actors', '–')} | {build.get('links', '–')} "
                f"| {_number(build.get('build_seconds'))} "
                f"| {_number(build.get('bare_query_seconds'))} "
                f"| {_ratio(build.get('build_seconds'), build.get('bare_query_seconds'))} "
                f"| {_number(build.get('old_seconds'))} "
                f"| {_ratio(build.get('old_seconds'), build.get('build_seconds'))} "
                f"| {_number(gaps.get('cold_seconds'))} | {_number(gaps.get('gaps_200_seconds'))} "
                f"| {_number(brokers.get('cold_seconds'))} | {brokers.get('exact', '–')} "
                f"| {brokers.get('sources', '–')} "
                f"| {', '.join(map(str, brokers.get('top10_shared_with_other_seeds', []))) or '–'} "
                f"| {_number(memory.get('rss_mb'), 0)} |"
            )
    for size, stores in results["sizes"].items():
        cli = stores.get("embedded", {}).get("cli_gaps")
        if cli and "error" not in cli:
            lines += [
                "",
                f"Cold `mapper gaps --permutations 200` on {size} (embedded), median of 3 "
                f"alternating runs: {cli['mapper_seconds']:.2f} s; the pandas + numpy baseline "
                f"(bench/baseline_gaps.py): {cli['baseline_seconds']:.2f} s; ratio "
                f"{_ratio(cli['mapper_seconds'], cli['baseline_seconds'])}.",
            ]
    errors = [
        f"{size} {store} {name}: {value['error'][:200]}"
        for size, stores in results["sizes"].items()
        for store, r in stores.items()
        for name, value in r.items()
        if isinstance(value, dict) and "error" in value
    ]
    lines += ["", *(f"- error: {e}" for e in errors), END]
    write_section(lines)


if __name__ == "__main__":
    main()
