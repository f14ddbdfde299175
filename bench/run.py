"""Run the benchmark: generate, load, analyse and serve each size on each store; write results.

    python -m bench [--sizes 1k,10k,100k] [--stores embedded,neo4j] [--quick] [--workdir DIR]

Every step runs in its own process (bench/steps.py), so each peak memory is that step's own.
Neo4j is the server at NEO4J_URI, or else a fresh Neo4jTestServer (tests/neo4j_server.py) per
size and loader, so that every load starts from an empty database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from bench.generate import parse_size
from bench.report import evaluate, write_markdown

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# A load is one transaction; at 100k actors (1M relations) it outgrows Neo4j's default limit of
# 70 % of a 6 GB heap, so the bench gives the JVM 10 GB and lifts the transaction limit.
NEO4J_HEAP = ("-Xmx10g", "-XX:+UseParallelGC", "-XX:+ExitOnOutOfMemoryError")
NEO4J_PAGECACHE = "2g"
NEO4J_TX_MEMORY = "0"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=None, help="comma-separated: 1k,10k,100k")
    parser.add_argument("--stores", default="embedded,neo4j")
    parser.add_argument("--quick", action="store_true", help="1k and 10k, fewer API requests")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapper-bench"))
    parser.add_argument("--output", type=Path, default=HERE, help="where RESULTS.md goes")
    args = parser.parse_args(argv)
    sizes = (args.sizes or ("1k,10k" if args.quick else "1k,10k,100k")).split(",")
    stores = args.stores.split(",")
    args.workdir.mkdir(parents=True, exist_ok=True)
    results = {
        "machine": machine(),
        "options": {"sizes": sizes, "stores": stores, "quick": args.quick},
        "sizes": {},
    }
    started = time.perf_counter()
    for size in sizes:
        results["sizes"][size] = run_size(size, stores, args.workdir, args.quick)
        _save(results, args.output)
    results["total_seconds"] = time.perf_counter() - started
    results["targets"] = evaluate(results)
    _save(results, args.output)
    print(f"wrote {args.output / 'RESULTS.md'} and {args.output / 'results.json'}")


def _save(results: dict, output: Path) -> None:
    results["machine"]["neo4j"] = neo4j_version() or results["machine"]["neo4j"]
    results["targets"] = evaluate(results)
    (output / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_markdown(results, output / "RESULTS.md")


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024**2, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "neo4j": None,
    }


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def step(name: str, timeout: float = 1800, *, runner: str = "bench.steps", **arguments) -> dict:
    """Run one step in a fresh process (`python -m RUNNER NAME ARGUMENTS`, RUNNER being a module
    and any words before the step's name); its JSON answer, or {"error": ...}."""
    _log(f"{name} {json.dumps(arguments)[:160]}")
    command = [sys.executable, "-m", *runner.split(), name, json.dumps(arguments)]
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        _log(f"{name} failed: {tail}")
        return {"error": tail or f"exit code {done.returncode}", "wall_seconds": wall}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    _log(f"{name} done in {wall:.1f} s")
    return result


def run_size(size: str, stores: list[str], workdir: Path, quick: bool) -> dict:
    actors = parse_size(size)
    folder = _generated(size, workdir)
    results: dict = {"actors": actors, "generate": folder[1]}
    folder = folder[0]
    results["parse"] = step("parse", folder=str(folder))
    results["csv_read"] = step("csv_read", folder=str(folder))
    if "embedded" in stores:
        results["embedded"] = run_embedded(size, folder, workdir, quick)
    if "neo4j" in stores:
        results["neo4j"] = run_neo4j(size, folder, quick)
    return results


def write_section(lines: list[str]) -> None:
    """Put a section of RESULTS.md, `lines` from its begin marker to its end marker, in place
    of the one between the same markers (or at the end); the rest of the file is kept."""
    begin, end = lines[0], lines[-1]
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    section = "\n".join(lines)
    if begin in text and end in text:
        text = text[: text.index(begin)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
    _log(f"wrote {path}")


def generated_by(module: str, size: str, folder: Path, made: str) -> Path:
    """`folder`, filled by `python -m module size folder` unless its file `made` is there."""
    if not (folder / made).exists():
        shutil.rmtree(folder, ignore_errors=True)
        _log(f"generate {module} {size}")
        subprocess.run(
            [sys.executable, "-m", module, size, str(folder)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return folder


def _generated(size: str, workdir: Path) -> tuple[Path, dict]:
    """The seed files of `size`, generated once per workdir (seed 0)."""
    folder = workdir / f"seed-{size}"
    marker = workdir / f"seed-{size}.json"
    if marker.exists():
        return folder, json.loads(marker.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    _log(f"generate {size}")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.generate", size, str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info["wall_seconds"] = time.perf_counter() - started
    marker.write_text(json.dumps(info))
    return folder, info


def _api_options(quick: bool) -> dict:
    return {"requests": 300 if quick else 2000, "duration": 10 if quick else 30, "clients": 16}


def run_embedded(size: str, folder: Path, workdir: Path, quick: bool) -> dict:
    database = workdir / f"embedded-{size}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    store = str(database)
    results = {"load": step("load", folder=str(folder), store=store)}
    results["analysis"] = step("analysis", store=store)
    if parse_size(size) <= 10_000:
        results["actor_map"] = step("actor_map", timeout=900, store=store)
    results["api"] = run_api(store, folder, quick)
    return results


def run_neo4j(size: str, folder: Path, quick: bool) -> dict:
    results: dict = {}
    with neo4j_server() as server:
        results["load"] = step("load", timeout=1200, folder=str(folder), store=server.uri)
        if "error" not in results["load"]:
            results["analysis"] = step("analysis", store=server.uri)
            results["api"] = run_api(server.uri, folder, quick)
        results["server_peak_rss_mb"] = server.peak_rss_mb()
    with neo4j_server() as server:
        results["baseline"] = step(
            "neo4j_baseline", timeout=900, folder=str(folder), store=server.uri
        )
        results["baseline_server_peak_rss_mb"] = server.peak_rss_mb()
    return results


class _Server:
    def __init__(self, uri: str, pid: int | None):
        self.uri, self.pid = uri, pid

    def peak_rss_mb(self) -> float | None:
        return _peak_rss_mb(self.pid)


def _peak_rss_mb(pid: int | None) -> float | None:
    """VmHWM of a running process, in MB."""
    if pid is None:
        return None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return int(line.split()[1]) / 1024
    return None


@contextlib.contextmanager
def neo4j_server():
    """The server at NEO4J_URI (cleared by each load), or a fresh test server."""
    from tests.neo4j_server import Neo4jTestServer, external_uri

    uri = external_uri()
    if uri:
        yield _Server(uri, None)
        return
    os.environ.setdefault("NEO4J_TEST_PAGECACHE", NEO4J_PAGECACHE)
    server = Neo4jTestServer(jvm_opts=NEO4J_HEAP, tx_memory=NEO4J_TX_MEMORY)
    server.start()
    _log(f"neo4j {server.version} at {server.uri}")
    _NEO4J_VERSION.append(server.version)
    try:
        yield _Server(server.uri, server.pid)
    finally:
        server.stop()


_NEO4J_VERSION: list[str] = []


def run_api(store: str, folder: Path, quick: bool) -> dict:
    """Start bench.server on a free port, run the api step against it, stop it."""
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.server", store, str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(port, server)
        result = step(
            "api",
            base=f"http://127.0.0.1:{port}",
            store=store,
            folder=str(folder),
            **_api_options(quick),
        )
        result["server_peak_rss_mb"] = _peak_rss_mb(server.pid)
    except RuntimeError as error:
        result = {"error": str(error)}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"bench.server exited: {server.stderr.read()[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"bench.server did not listen on port {port} within {timeout:.0f} s")


def neo4j_version() -> str | None:
    return _NEO4J_VERSION[0] if _NEO4J_VERSION else None


if __name__ == "__main__":
    main()
