"""Benchmark the large actor maps (WebGL, server layout, aggregation) against the issue's budgets.

    python -m bench.maps [--workdir DIR]

Data: bench.projects' "projects-13k" (13k organisations, about 356k links) and bench.generate's
100k ecosystem, each loaded once into an embedded store kept in the workdir
(`maps-{size}.db`; a marker file says the load finished, so reruns skip it).

Server side, each in a fresh process: a warm-up that compiles (or loads from numba's cache) the
layout and betweenness kernels on a small graph; then `MapperService.actor_map(Scope())` cold
and repeated, with its time split by wrapping the functions it calls (compact graph build,
`mapper.analysis.layout.communities` and `layout`, brokers, the page's extra columns, render);
nested calls are subtracted from their callers, so the parts add up to the total. At 100k: the
aggregated view cold and warm, then `actor_map(Scope(), community=K)` for the largest community
and a median-sized one among those of 2+ actors the aggregated view lets you open (most
communities are single actors without links), each first call after the view (the click) and a
repeat.

Browser side: the product app (`api.app.create_app`) under uvicorn on 127.0.0.1 in its own
process. The pages are the product's `/map` and `/map?community=K` when that route takes
`community` (its OpenAPI parameters say); otherwise a `/bench/map?community=K` route added to
that process only. Headless Chromium renders WebGL in software (SwiftShader), slower than a
real GPU. Per page: three loads, each in a fresh browser context; `window.mapTimings`, the
navigation entry and two animation frames after sigma's first render (painted) give the first
frame and ready, from navigation start and after the response ended (responseEnd). On the
13k page: 20 `mapFocus` calls (click) each followed by a click on empty space, 20 `mapSearch`
calls and 20 hovers (a mousemove dispatched over a node's viewport position, timed until sigma
has drawn its hover layer). A figure that misses its budget gets a profile: cProfile
of a fresh server process, or Chrome's CPU profiler over the page load or the interactions.

Writes bench/results-maps.json and the section "Large maps" of bench/RESULTS.md (between its
markers; the rest of the file belongs to the other benchmarks).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import gzip
import json
import math
import os
import pstats
import random
import resource
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.run import write_section

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- maps: begin -->", "<!-- maps: end -->"

SIZES = ("projects-13k", "100k")
VIEWPORT = {"width": 1280, "height": 720}
LOADS = 3  # page loads per page, each in a fresh browser context
SAMPLES = 20  # focus, search and hover calls
SEED = 0

BUDGETS = {  # seconds, bytes or milliseconds, as named
    "page_bytes": 5_000_000,
    "first_frame_s": 3.0,
    "interaction_ms": 100.0,
    "aggregate_s": 3.0,
    "open_community_s": 1.0,
    "layout_s": 10.0,
}


# -- orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_step":
        return _run_step(argv[1], json.loads(argv[2]))
    if argv and argv[0] == "_serve":
        return _serve(argv[1], int(argv[2]))
    parser = argparse.ArgumentParser(
        prog="python -m bench.maps", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mapper-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    from bench.run import machine

    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine(),
        "load_average_start": os.getloadavg(),
        "budgets": BUDGETS,
        "data": {},
        "server": {},
        "http": {},
        "browser": {},
        "profiles": {},
    }
    stores = {size: _store(size, args.workdir, results["data"]) for size in SIZES}
    results["warmup"] = _step("warmup", timeout=900)
    results["server"]["projects-13k"] = _step("server_full", store=stores["projects-13k"])
    aggregate = _step("server_aggregate", timeout=3600, store=stores["100k"])
    results["server"]["100k"] = aggregate
    opened = [c["community"] for c in aggregate.get("communities", []) if "community" in c]
    with _server(stores["projects-13k"]) as base:
        results["browser"]["projects-13k"] = _step("browser_full", timeout=1800, base=base)
    with _server(stores["100k"]) as base:
        results["browser"]["100k"] = _step(
            "browser_aggregate", timeout=1800, base=base, communities=opened
        )
    results["profiles"] = _server_profiles(results, stores)
    results["load_average_end"] = os.getloadavg()
    results["seconds"] = time.perf_counter() - started
    results["table"] = _budget_rows(results)
    (HERE / "results-maps.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    _write_markdown(results)
    for row in results["table"]:
        _log(f"{row['map']} | {row['figure']} | {row['measured']} | {row['budget']} | {row['met']}")


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _store(size: str, workdir: Path, data: dict) -> str:
    """The embedded store of `size` in the workdir, loaded once (bench.steps' load step)."""
    from bench.core import _folder
    from bench.run import step

    folder = _folder(size, workdir)
    database = workdir / f"maps-{size}.db"
    marker = Path(f"{database}.loaded.json")
    if marker.exists():
        data[size] = {**json.loads(marker.read_text()), "reused": True}
        return str(database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    result = step("load", timeout=3600, folder=str(folder), store=str(database))
    if "error" in result:
        raise SystemExit(f"loading {size} failed:\n{result['error']}")
    marker.write_text(json.dumps(result))
    data[size] = {**result, "reused": False}
    return str(database)


def _step(name: str, timeout: float = 1800, **arguments) -> dict:
    """Run one step of this module in a fresh process; its JSON answer, or {"error": ...}.

    The step's stderr (its progress lines) is passed on as it comes; its tail goes into the
    error if the step fails."""
    import tempfile
    import threading

    _log(f"{name} {json.dumps(arguments)[:160]}")
    command = [sys.executable, "-m", "bench.maps", "_step", name, json.dumps(arguments)]
    started = time.perf_counter()
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed below, after the step)
    process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.PIPE, text=True)
    tail: list[str] = []

    def forward() -> None:
        for line in process.stderr:
            sys.stderr.write("    " + line)
            tail.append(line.rstrip("\n"))
            del tail[:-40]

    reader = threading.Thread(target=forward, daemon=True)
    reader.start()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        _log(f"{name}: no answer within {timeout:.0f} s")
        return {"error": f"did not finish within {timeout:.0f} s", "tail": tail[-10:]}
    reader.join(10)
    wall = time.perf_counter() - started
    output.seek(0)
    lines = output.read().strip().splitlines()
    output.close()
    if process.returncode != 0 or not lines:
        error = "\n".join(tail[-30:]) or f"exit code {process.returncode}"
        _log(f"{name} failed (exit code {process.returncode})")
        return {"error": error, "wall_seconds": wall}
    result = json.loads(lines[-1])
    result["wall_seconds"] = wall
    _log(f"{name} done in {wall:.1f} s")
    return result


def _run_step(name: str, arguments: dict) -> None:
    result = STEPS[name](**arguments)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, ensure_ascii=False, default=_plain))


def _plain(value):
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(type(value).__name__)


# -- the server process for the browser ---------------------------------------------------------


def _serve(store: str, port: int) -> None:
    """The product app on `store`, plus /bench/map?community=K (this process only)."""
    import uvicorn
    from fastapi.responses import HTMLResponse

    from api.app import create_app
    from mapper.filters import Scope

    service = _service(store)
    app = create_app(service)

    @app.get("/bench/map", include_in_schema=False)
    def bench_map(community: int | None = None) -> HTMLResponse:
        return HTMLResponse(service.actor_map(Scope(), community=community))

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict:
        return {"ok": True}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextlib.contextmanager
def _server(store: str):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.maps", "_serve", store, str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the map server exited: {process.stderr.read()[-3000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the map server did not listen within 120 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- server-side steps ---------------------------------------------------------------------------


def _service(store: str):
    from mapper.service import MapperService
    from mapper.settings import Settings, open_store

    return MapperService(open_store(Settings.from_env(store)))


class _Parts:
    """Exclusive seconds and calls per part: a wrapped call's time less its wrapped callees'."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[float] = []

    def wrap(self, name: str, function):
        @functools.wraps(function)
        def timed(*args, **kwargs):
            self._stack.append(0.0)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                inner = self._stack.pop()
                self.seconds[name] += elapsed - inner
                self.calls[name] += 1
                if self._stack:
                    self._stack[-1] += elapsed

        return timed

    def take(self) -> dict:
        out = {
            name: {"seconds": self.seconds[name], "calls": self.calls[name]}
            for name in self.seconds
        }
        self.seconds.clear()
        self.calls.clear()
        return out


def _instrument(service) -> _Parts:
    """Wrap what actor_map calls, in the modules it looks them up in at call time."""
    import mapper.analysis.layout as layout_module
    import mapper.service as service_module

    parts = _Parts()
    layout_module.communities = parts.wrap("communities", layout_module.communities)
    layout_module.layout = parts.wrap("layout", layout_module.layout)
    service_module.map_layout = parts.wrap("map_layout (names, groups)", service_module.map_layout)
    service_module.community_view = parts.wrap("community_view", service_module.community_view)
    service_module.render_webgl_map = parts.wrap("render", service_module.render_webgl_map)
    service_module.render_actor_map = parts.wrap("render", service_module.render_actor_map)
    for attribute, name in (
        ("compact", "build"),
        ("_map_brokers", "brokers"),
        ("_map_scores", "scores"),
        ("_actor_extras", "extras (store read)"),
        ("_community", "community subgraph"),
        ("actor_graph", "actor_graph (networkx)"),
        ("snapshot", "snapshot"),
    ):
        setattr(service, attribute, parts.wrap(name, getattr(service, attribute)))
    return parts


def _timed_map(service, parts: _Parts, **options) -> dict:
    from mapper.filters import Scope

    started = time.perf_counter()
    page = service.actor_map(Scope(), **options)
    seconds = time.perf_counter() - started
    split = parts.take()
    split["other"] = {"seconds": seconds - sum(p["seconds"] for p in split.values()), "calls": 0}
    data = page.encode("utf-8")
    return {
        "seconds": seconds,
        "parts": split,
        "bytes": len(data),
        "gzip_bytes": len(gzip.compress(data, 6)),
        "webgl": "webgl-map.js" in page or "mapTimings" in page,
        "page": page,
    }


def _layout_seconds(split: dict) -> float:
    return sum(
        split.get(name, {}).get("seconds", 0.0)
        for name in ("communities", "layout", "map_layout (names, groups)")
    )


def warmup() -> dict:
    """Compile (or load from numba's cache) the layout and betweenness kernels on a small graph."""
    import networkx as nx

    from mapper.analysis.brokers import brokers
    from mapper.analysis.compact import compact_graph

    G = nx.random_partition_graph([40] * 8, 0.4, 0.02, seed=0)
    sectors = ("public", "private", "civil_society", "academia")
    nx.set_node_attributes(G, {node: sectors[node % 4] for node in G}, "sector")
    G = nx.relabel_nodes(G, {node: f"actor-{node:03d}" for node in G})
    C = compact_graph(G)
    started = time.perf_counter()
    from mapper.analysis.layout import communities, layout

    labels = communities(C, seed=0)
    layout(C, seed=0, communities=labels)
    layout_seconds = time.perf_counter() - started
    started = time.perf_counter()
    brokers(C, top=5)
    brokers(C, top=5, k=20)
    return {"layout_seconds": layout_seconds, "brokers_seconds": time.perf_counter() - started}


def server_full(store: str) -> dict:
    """projects-13k: actor_map(Scope()) cold (fresh process and service) and repeated."""
    from mapper.filters import Scope

    service = _service(store)
    parts = _instrument(service)
    cold = _timed_map(service, parts)
    warm = _timed_map(service, parts)
    C = service.compact(Scope())
    parts.take()
    same = cold.pop("page") == warm.pop("page")
    cold["layout_seconds"] = _layout_seconds(cold["parts"])
    warm["layout_seconds"] = _layout_seconds(warm["parts"])
    return {
        "actors": len(C),
        "links": C.number_of_links(),
        "cold": cold,
        "warm": warm,
        "same_page": same,
        "rss_mb": _rss_mb(),
    }


def server_aggregate(store: str) -> dict:
    """100k: the aggregated view cold and repeated; then the largest community and a median one
    of those the view opens, each first call (after the view, as a click) and a repeat."""
    import numpy as np

    from mapper.filters import Scope
    from visualize.webgl_map import SHOWN_COMMUNITIES

    service = _service(store)
    parts = _instrument(service)
    cold = _timed_map(service, parts)
    warm = _timed_map(service, parts)
    C = service.compact(Scope())
    labels = service._map_communities(Scope(), ())
    parts.take()
    cold.pop("page"), warm.pop("page")
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    shown = order[:SHOWN_COMMUNITIES]
    # Most communities are single actors without links: the median is taken among the shown
    # communities of more than one actor.
    several = [int(c) for c in shown if sizes[c] > 1]
    median = several[len(several) // 2]
    chosen = [("largest", int(order[0])), ("median of those with 2+ actors", median)]
    opened = []
    for role, community in chosen:
        first = _timed_map(service, parts, community=community)
        repeat = _timed_map(service, parts, community=community)
        first.pop("page"), repeat.pop("page")
        first["layout_seconds"] = _layout_seconds(first["parts"])
        opened.append(
            {
                "role": role,
                "community": community,
                "actors": int(sizes[community]),
                "first": first,
                "repeat": repeat,
            }
        )
    return {
        "actors": len(C),
        "links": C.number_of_links(),
        "communities_total": len(sizes),
        "communities_shown": len(shown),
        "singletons": int((sizes == 1).sum()),
        "largest_sizes": sizes[order[:10]].tolist(),
        "shown_several": len(several),
        "shown_size_median": int(sizes[median]),
        "shown_size_min": int(sizes[shown[-1]]),
        "cold": cold,
        "warm": warm,
        "communities": opened,
        "rss_mb": _rss_mb(),
    }


def server_profile(store: str, kind: str, community: int | None = None) -> dict:
    """cProfile of one cold call in a fresh process: the top functions by own time."""
    from mapper.filters import Scope

    service = _service(store)
    if kind == "community":
        service.actor_map(Scope())  # the aggregated view first, as before a click
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    service.actor_map(Scope(), community=community if kind == "community" else None)
    profile.disable()
    seconds = time.perf_counter() - started
    stats = pstats.Stats(profile)
    rows = []
    for (file, line, function), (_, calls, own, cumulative, _) in stats.stats.items():
        rows.append(
            {
                "function": function,
                "where": f"{_short(file)}:{line}",
                "calls": calls,
                "own_seconds": own,
                "cumulative_seconds": cumulative,
            }
        )
    rows.sort(key=lambda row: -row["own_seconds"])
    return {"kind": kind, "community": community, "seconds": seconds, "top": rows[:12]}


def _short(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _rss_mb() -> float | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return None


def _server_profiles(results: dict, stores: dict) -> dict:
    """A cProfile'd fresh process for each server figure that missed its budget."""
    profiles = {}
    full = results["server"].get("projects-13k", {})
    if "cold" in full and (
        full["cold"]["seconds"] > BUDGETS["layout_s"]
        or full["cold"]["layout_seconds"] > BUDGETS["layout_s"]
    ):
        profiles["projects-13k"] = _step(
            "server_profile", store=stores["projects-13k"], kind="full"
        )
    aggregate = results["server"].get("100k", {})
    if "cold" in aggregate and aggregate["cold"]["seconds"] > BUDGETS["aggregate_s"]:
        profiles["100k aggregated"] = _step(
            "server_profile", timeout=3600, store=stores["100k"], kind="aggregate"
        )
    for opened in aggregate.get("communities", []):
        if opened["first"]["seconds"] > BUDGETS["open_community_s"]:
            profiles[f"100k community {opened['community']}"] = _step(
                "server_profile",
                timeout=3600,
                store=stores["100k"],
                kind="community",
                community=opened["community"],
            )
    return profiles


# -- browser steps -------------------------------------------------------------------------------

# Runs before the page's scripts. Sigma 3 renders the first frame synchronously in its
# constructor (`this.refresh()` at its end), before webgl-map.js registers
# `once("afterRender")`, so mapTimings.firstFrame stays unset until something renders again;
# the first render is then done by mapTimings.sigma. This records the first two animation
# frames after it: by the second, that frame has been handed to the compositor ("painted").
# A small map (vis-network, WEBGL_FROM actors or fewer) has no mapTimings: its ready is
# recorded here, at the first animation frame with window.mapperMap.ready.
_INIT_SCRIPT = """
(() => {
  const bench = window.__bench = {};
  function tick() {
    if (window.mapperMap && window.mapperMap.ready === true) {
      bench.visReady = performance.now();
      return;
    }
    const t = window.mapTimings;
    if (t && t.sigma !== undefined) {
      bench.frameAfterFirst = performance.now();
      requestAnimationFrame(() => { bench.painted = performance.now(); });
      return;
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""

_READY = (
    "window.mapReady === true || "
    "(window.__bench !== undefined && window.__bench.visReady !== undefined)"
)

_LOADED = """() => ({
  timings: window.mapTimings || (window.__bench.visReady === undefined ? {}
    : {ready: window.__bench.visReady}),
  vis: window.mapperMap !== undefined,
  bench: window.__bench,
  nav: performance.getEntriesByType('navigation')[0].toJSON(),
  nodes: window.mapGraph ? window.mapGraph.order : window.mapperMap.nodes.length,
  edges: window.mapGraph ? window.mapGraph.size : window.mapperMap.edges.length,
})"""

_RESET = """async () => {
  if (window.location.hash.indexOf('focus=') >= 0) window.mapFocus('\\u0000none');
  window.mapRenderer.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0});
  await new Promise((r) => setTimeout(r, 400));
}"""

# A click on an actor (mapFocus, from the overview), then on empty space (mapFocus of no actor:
# focus(null), as clickStage does); each timed as mapFocus returns, and to the second
# animation frame after the call (the new picture handed to the compositor).
_FOCUS = """async (id) => {
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  let t0 = performance.now();
  const ms = window.mapFocus(id);
  await frames();
  const next_frame = performance.now() - t0;
  const ego = window.mapGraph.filterEdges((key, a) => a.ego).length;
  await new Promise((r) => setTimeout(r, 600));  // the camera's 250 ms animation
  t0 = performance.now();
  const unfocus_ms = window.mapFocus('\\u0000none');
  await frames();
  return {ms, next_frame, ego_links: ego, unfocus_ms, unfocus_next_frame: performance.now() - t0};
}"""

_SEARCH = """(texts) => texts.map((text) => {
  const t0 = performance.now();
  const found = window.mapSearch(text);
  return {ms: performance.now() - t0, found: found.length};
})"""

_HOVER_CANDIDATES = """() => {
  const r = window.mapRenderer, box = document.getElementById('graph').getBoundingClientRect();
  const keys = [];
  window.mapGraph.forEachNode((key) => {
    const d = r.getNodeDisplayData(key);
    if (!d || d.hidden) return;
    const p = r.framedGraphToViewport(d);
    if (p.x > 20 && p.y > 20 && p.x < box.width - 20 && p.y < box.height - 20) keys.push(key);
  });
  return keys;
}"""

# A mousemove over the node (sigma listens on its mouse layer and reads the picking buffer).
# Sigma 3's display data are in framed-graph coordinates: framedGraphToViewport maps them to
# the viewport (graphToViewport of them lands elsewhere, and picking finds another node or none);
# sigma then draws the hovered node on its hover layer in the next animation frame
# (renderHighlightedNodes; it emits no afterRender for that, which is recorded too).
_HOVER = """async (key) => {
  const r = window.mapRenderer;
  const mouse = (r.getCanvases && r.getCanvases().mouse) || document.querySelector('.sigma-mouse');
  const box = mouse.getBoundingClientRect();
  const move = (x, y) => mouse.dispatchEvent(new MouseEvent('mousemove',
    {clientX: box.left + x, clientY: box.top + y, bubbles: true, cancelable: true}));
  const frames = (k) => new Promise((resolve) => {
    const step = () => (k-- <= 0 ? resolve() : requestAnimationFrame(step));
    requestAnimationFrame(step);
  });
  move(2, 2);  // off every node first, so that the next move enters one
  await frames(3);
  const p = r.framedGraphToViewport(r.getNodeDisplayData(key));
  let entered = null, drawn = null, afterRender = null;
  const draw = r.renderHighlightedNodes;
  r.renderHighlightedNodes = function () {
    const out = draw.apply(this, arguments);
    if (drawn === null) drawn = performance.now();
    return out;
  };
  const onEnter = (e) => { if (entered === null) entered = [e.node, performance.now()]; };
  const onRender = () => { if (afterRender === null) afterRender = performance.now(); };
  r.on('enterNode', onEnter);
  r.on('afterRender', onRender);
  const t0 = performance.now();
  move(p.x, p.y);
  const handled = performance.now() - t0;
  const deadline = t0 + 1000;
  while (drawn === null && performance.now() < deadline) await frames(1);
  await frames(1);
  r.renderHighlightedNodes = draw;
  r.removeListener('enterNode', onEnter);
  r.removeListener('afterRender', onRender);
  return {
    key, handled,
    entered: entered && entered[0],
    enter_ms: entered && entered[1] - t0,
    drawn_ms: drawn && drawn - t0,
    after_render_ms: afterRender && afterRender - t0,
  };
}"""


def _launch(playwright):
    # the browser tests' Chromium and flags (software WebGL: SwiftShader), so both see the same
    from tests.test_map_browser import CHROMIUM
    from tests.test_webgl_map_browser import FLAGS

    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


def _open(browser, url: str, *, base: str, profile: bool = False) -> tuple[Any, dict]:
    """Load `url` in a fresh context; the page and what it measured (a CPU profile if asked)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.bench_errors = []
    page.on("pageerror", lambda error: page.bench_errors.append(str(error)))
    page.add_init_script(_INIT_SCRIPT)
    cdp = None
    if profile:
        page.goto(f"{base}/bench/bare")  # same origin, so the profiler stays with the renderer
        cdp = _profiler_start(page)
    page.goto(url, wait_until="commit", timeout=600_000)
    page.wait_for_function(_READY, timeout=600_000, polling=50)
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "window.__bench.painted !== undefined || window.__bench.visReady !== undefined",
            timeout=60_000,
            polling=50,
        )
    result = page.evaluate(_LOADED)
    if cdp is not None:
        result["profile"] = _profiler_stop(cdp)
    result["errors"] = list(page.bench_errors)
    return page, _load_figures(result)


def _load_figures(raw: dict) -> dict:
    nav, timings, bench = raw["nav"], raw["timings"] or {}, raw["bench"] or {}
    end = nav["responseEnd"]

    def after(value):
        return None if value is None else (value - end) / 1000

    rendered = timings.get("firstFrame", timings.get("sigma"))
    if raw["vis"]:  # drawn when arranged: the first frame is at ready
        bench = {**bench, "painted": bench.get("visReady")}

    return {
        "response_start_s": nav["responseStart"] / 1000,
        "response_end_s": end / 1000,
        "dom_content_loaded_s": nav["domContentLoadedEventEnd"] / 1000,
        "load_event_s": nav["loadEventEnd"] / 1000,
        "transfer_bytes": nav.get("transferSize"),
        "body_bytes": nav.get("decodedBodySize"),
        "timings_s": {k: v / 1000 for k, v in timings.items()},
        "page": "vis-network" if raw["vis"] else "webgl",
        "first_frame_set_on_load": "firstFrame" in timings,
        "first_render_after_load_s": after(rendered),
        "first_frame_after_load_s": after(bench.get("painted")),
        "ready_after_load_s": after(timings.get("ready")),
        "script_start_after_load_s": after(timings.get("start")),
        "nodes": raw["nodes"],
        "edges": raw["edges"],
        "errors": raw["errors"],
        **({"profile": raw["profile"]} if "profile" in raw else {}),
    }


def _profiler_start(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("Profiler.enable")
    cdp.send("Profiler.setSamplingInterval", {"interval": 500})
    cdp.send("Profiler.start")
    return cdp


def _profiler_stop(cdp) -> list[dict]:
    """The top functions by own time of a CPU profile of the page's main thread."""
    profile = cdp.send("Profiler.stop")["profile"]
    cdp.detach()
    nodes = {node["id"]: node for node in profile["nodes"]}
    own: dict[tuple, float] = defaultdict(float)
    deltas = profile.get("timeDeltas", [])
    samples = profile.get("samples", [])
    for index, sample in enumerate(samples):
        # a sample's duration is the gap to the next sample
        duration = deltas[index + 1] if index + 1 < len(deltas) else 0
        frame = nodes[sample]["callFrame"]
        name = frame.get("functionName") or "(anonymous)"
        where = frame.get("url", "").rsplit("/", 1)[-1].split("?", 1)[0]
        own[(name, where, frame.get("lineNumber", -1) + 1)] += duration / 1000
    top = sorted(own.items(), key=lambda item: -item[1])
    return [
        {"function": name, "where": f"{where}:{line}", "own_ms": round(ms, 1)}
        for (name, where, line), ms in top
        if name not in ("(idle)",)
    ][:12]


def _summary(values: list[float]) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"median": None, "p95": None, "max": None, "n": 0}
    ordered = sorted(values)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]  # nearest rank: 19th of 20
    return {"median": statistics.median(ordered), "p95": p95, "max": ordered[-1], "n": len(ordered)}


def _http(url: str) -> dict:
    import httpx

    started = time.perf_counter()
    response = httpx.get(url, timeout=1800)
    seconds = time.perf_counter() - started
    return {
        "status": response.status_code,
        "seconds": seconds,
        "bytes": len(response.content),
        "content_encoding": response.headers.get("content-encoding"),
        "text": response.text,
    }


def browser_full(base: str) -> dict:
    """projects-13k: the served page, its loads, and focus, search and hover in the page."""
    from playwright.sync_api import sync_playwright

    url = f"{base}/map"
    cold, warm = _http(url), _http(url)
    http = {
        "cold_seconds": cold["seconds"],
        "warm_seconds": warm["seconds"],
        "bytes": warm["bytes"],
        "status": warm["status"],
        "content_encoding": warm["content_encoding"],
        "webgl": "mapTimings" in warm["text"],
    }
    rng = random.Random(SEED)
    result: dict[str, Any] = {"url": url, "http": http}
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        loads, page = [], None
        for _ in range(LOADS):
            if page is not None:
                page.context.close()
            page, figures = _open(browser, url, base=base)
            loads.append(figures)
        result["loads"] = loads
        result.update(_medians(loads))
        ids = page.evaluate("JSON.parse(document.getElementById('map-data').textContent).nodes.id")
        labels = page.evaluate(
            "JSON.parse(document.getElementById('map-data').textContent).nodes.label"
        )
        focus_ids = rng.sample(ids, SAMPLES)
        result["focus"] = _focus(page, focus_ids)
        texts = []
        for index in rng.sample(range(len(labels)), SAMPLES):  # as if typed: a prefix of a name
            label = labels[index]
            texts.append(label[: rng.randint(min(3, len(label)), len(label))])
        result["search"] = _search(page, texts)
        page.evaluate(_RESET)
        candidates = page.evaluate(_HOVER_CANDIDATES)
        result["hover"] = _hover(page, rng.sample(candidates, min(SAMPLES, len(candidates))))
        result["hover"]["candidates"] = len(candidates)
        result["errors"] = list(page.bench_errors)
        # profiles for what missed its budget
        missed = {
            name
            for name, summary in (
                ("focus", result["focus"]["ms"]),
                ("unfocus", result["focus"]["unfocus_ms"]),
                ("search", result["search"]["ms"]),
                ("hover", result["hover"]["drawn_ms"]),
            )
            if summary["p95"] is None or summary["p95"] > BUDGETS["interaction_ms"]
        }
        if missed:
            _log(f"profiling {sorted(missed)}")
            result["interaction_profile"] = _interaction_profile(page, focus_ids, texts, missed)
        page.context.close()
        if (result["first_frame_after_load_s"] or 1e9) > BUDGETS["first_frame_s"]:
            _, figures = _open(browser, url, base=base, profile=True)
            result["load_profile"] = figures
            figures["page"] = "projects-13k"
        browser.close()
    return result


def _focus(page, ids: list[str]) -> dict:
    calls = []
    for actor in ids:
        page.evaluate(_RESET)
        started = time.perf_counter()
        calls.append({"id": actor, **page.evaluate(_FOCUS, actor)})
        _log(
            f"focus {actor}: {calls[-1]['ms']:.0f} ms, back {calls[-1]['unfocus_ms']:.0f} ms, "
            f"{calls[-1]['ego_links']} links drawn, {time.perf_counter() - started:.1f} s"
        )
    page.evaluate(_RESET)
    return {
        "calls": calls,
        "ms": _summary([c["ms"] for c in calls]),
        "next_frame_ms": _summary([c["next_frame"] for c in calls]),
        "unfocus_ms": _summary([c["unfocus_ms"] for c in calls]),
        "unfocus_next_frame_ms": _summary([c["unfocus_next_frame"] for c in calls]),
        "ego_links": _summary([c["ego_links"] for c in calls]),
    }


def _search(page, texts: list[str]) -> dict:
    calls = [{"text": t, **c} for t, c in zip(texts, page.evaluate(_SEARCH, texts), strict=True)]
    return {"calls": calls, "ms": _summary([c["ms"] for c in calls])}


def _hover(page, keys: list[str]) -> dict:
    calls = [page.evaluate(_HOVER, key) for key in keys]
    return {
        "calls": calls,
        "drawn_ms": _summary([c["drawn_ms"] for c in calls]),
        "enter_ms": _summary([c["enter_ms"] for c in calls]),
        "entered_the_node": sum(1 for c in calls if c["entered"] == c["key"]),
        "entered_another": sum(1 for c in calls if c["entered"] not in (None, c["key"])),
        "entered_none": sum(1 for c in calls if c["entered"] is None),
        "after_render_fired": sum(1 for c in calls if c["after_render_ms"] is not None),
    }


def _interaction_profile(page, focus_ids: list[str], texts: list[str], missed: set) -> dict:
    """CPU profiles of the interactions that missed their budget, on a few of the same calls."""
    out: dict[str, list] = {}
    page.evaluate(_RESET)
    if missed & {"focus", "unfocus"}:
        tops: dict[str, list] = {"focus": [], "unfocus": []}
        for actor in focus_ids[:3]:
            page.evaluate(_RESET)
            cdp = _profiler_start(page)
            page.evaluate("(id) => window.mapFocus(id)", actor)
            tops["focus"].append(_profiler_stop(cdp))
            page.wait_for_timeout(600)
            cdp = _profiler_start(page)
            page.evaluate("() => window.mapFocus('\\u0000none')")
            tops["unfocus"].append(_profiler_stop(cdp))
        out.update({key: _merge(value) for key, value in tops.items() if key in missed})
    if "search" in missed:
        cdp = _profiler_start(page)
        _search(page, texts)
        out["search"] = _profiler_stop(cdp)
    if "hover" in missed:
        page.evaluate(_RESET)
        keys = page.evaluate(_HOVER_CANDIDATES)[:5]
        cdp = _profiler_start(page)
        _hover(page, keys)
        out["hover"] = _profiler_stop(cdp)
    return out


def _merge(profiles: list[list[dict]]) -> list[dict]:
    total: dict[tuple, float] = defaultdict(float)
    for top in profiles:
        for row in top:
            total[(row["function"], row["where"])] += row["own_ms"]
    rows = sorted(total.items(), key=lambda item: -item[1])
    return [{"function": f, "where": w, "own_ms": round(ms, 1)} for (f, w), ms in rows[:12]]


def browser_aggregate(base: str, communities: list[int]) -> dict:
    """100k: the aggregated page and the opened communities' pages, time to ready."""
    import httpx
    from playwright.sync_api import sync_playwright

    # The aggregated page links to /map?community=K: the product route when it takes
    # `community` (its OpenAPI parameters say so, without making a page), else this bench's own.
    schema = httpx.get(f"{base}/openapi.json", timeout=60).json()
    parameters = schema["paths"]["/map"]["get"].get("parameters", [])
    product = any(parameter["name"] == "community" for parameter in parameters)
    aggregated = f"{base}/map" if product else f"{base}/bench/map"
    cold, warm = _http(aggregated), _http(aggregated)
    result: dict[str, Any] = {
        "http": {
            "route": aggregated.removeprefix(base),
            "product_route_takes_community": product,
            "aggregated_cold_seconds": cold["seconds"],
            "aggregated_warm_seconds": warm["seconds"],
            "aggregated_bytes": warm["bytes"],
        },
        "pages": {},
    }
    with sync_playwright() as playwright:
        browser = _launch(playwright)
        result["pages"]["aggregated"] = _loads(browser, aggregated, base)
        for community in communities:
            # the first load is the click: this server has not made that page yet
            url = f"{aggregated}?community={community}"
            result["pages"][f"community {community}"] = _loads(browser, url, base)
        for name, figures in result["pages"].items():
            budget = BUDGETS["aggregate_s" if name == "aggregated" else "open_community_s"]
            if figures["ready_after_load_s"] > budget:
                url = (
                    aggregated if name == "aggregated" else f"{aggregated}?{name.replace(' ', '=')}"
                )
                page, profiled = _open(browser, url, base=base, profile=True)
                page.context.close()
                figures["load_profile"] = profiled
        browser.close()
    return result


def _loads(browser, url: str, base: str) -> dict:
    loads = []
    for _ in range(LOADS):
        page, figures = _open(browser, url, base=base)
        page.context.close()
        loads.append(figures)
    warm = loads[1:] or loads
    return {
        "url": url,
        "loads": loads,
        "first_load_ready_s": loads[0]["timings_s"].get("ready"),
        "ready_s": statistics.median(f["timings_s"].get("ready") for f in warm),
        **_medians(warm),
        "response_end_s": statistics.median(f["response_end_s"] for f in warm),
        "nodes": loads[0]["nodes"],
        "edges": loads[0]["edges"],
    }


def _medians(loads: list[dict]) -> dict:
    """The median over `loads` of each "after load" figure (None if none measured it)."""
    out = {}
    for key in ("first_render_after_load_s", "first_frame_after_load_s", "ready_after_load_s"):
        values = [f[key] for f in loads if f[key] is not None]
        out[key] = statistics.median(values) if values else None
    return out


STEPS = {
    "warmup": warmup,
    "server_full": server_full,
    "server_aggregate": server_aggregate,
    "server_profile": server_profile,
    "browser_full": browser_full,
    "browser_aggregate": browser_aggregate,
}


# -- the report ----------------------------------------------------------------------------------


def _s(value, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f} s"


def _ms(value) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def _met(value, budget) -> str:
    if value is None or value != value:  # None or NaN
        return "not measured"
    return "met" if value <= budget else "**missed**"


def _largest_part(split: dict) -> str:
    name, part = max(split.items(), key=lambda item: item[1]["seconds"])
    return f"{name} {part['seconds']:.2f} s"


def _top_server(profile: dict | None, count: int = 2) -> str:
    if not profile or "top" not in profile:
        return ""
    return "; cProfile own time: " + ", ".join(
        f"`{row['function']}` ({row['where']}) {row['own_seconds']:.2f} s"
        for row in profile["top"][:count]
    )


def _top_browser(profile: list[dict] | None, count: int = 3) -> str:
    if not profile:
        return ""
    return "; CPU profile own time: " + ", ".join(
        f"`{row['function']}` {row['own_ms']:.0f} ms" for row in profile[:count]
    )


def _phases(load: dict) -> str:
    """Where a page load's time went, from responseEnd: parse+vendor, data, graph, sigma, frame."""
    t = dict(load["timings_s"])
    end = load["response_end_s"]
    if load.get("page") == "vis-network":
        return f"vis-network page: from responseEnd to mapperMap.ready {t['ready'] - end:.2f} s"
    if load["first_frame_after_load_s"] is not None:
        t["painted"] = load["first_frame_after_load_s"] + end
    parts = [("HTML and vendor scripts until our script", t.get("start", end) - end)]
    for name, a, b in (
        ("JSON.parse and search keys", "start", "parsed"),
        ("graphology graph", "parsed", "graph"),
        ("sigma setup and its first render", "graph", "sigma"),
        ("to ready", "sigma", "ready"),
        ("ready to painted", "ready", "painted"),
    ):
        if t.get(a) is not None and t.get(b) is not None:
            parts.append((name, t[b] - t[a]))
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts)


def _budget_rows(results: dict) -> list[dict]:
    rows: list[dict] = []
    budgets = BUDGETS
    profiles = results.get("profiles", {})

    def add(map_, figure, measured, budget, met, cause=""):
        rows.append(
            {
                "map": map_,
                "figure": figure,
                "measured": measured,
                "budget": budget,
                "met": met,
                "cause": cause if met == "**missed**" else "",
            }
        )

    full = results["server"].get("projects-13k", {})
    browser = results["browser"].get("projects-13k", {})
    name = "projects-13k"
    if "cold" in full:
        cold, warm = full["cold"], full["warm"]
        add(
            name,
            "served page (service)",
            f"{cold['bytes'] / 1e6:.2f} MB (gzip {cold['gzip_bytes'] / 1e6:.2f} MB)",
            "≤ 5 MB",
            _met(cold["bytes"], budgets["page_bytes"]),
            "the page carries every link (CSR columns) and positions for two groupings",
        )
        add(
            name,
            "layout on the server, cold (communities + 2 layouts + names)",
            _s(cold["layout_seconds"]),
            "≤ 10 s",
            _met(cold["layout_seconds"], budgets["layout_s"]),
            _top_server(profiles.get(name)),
        )
        add(
            name,
            "layout, repeat (cached?)",
            f"{_s(warm['layout_seconds'], 3)} (communities calls "
            f"{warm['parts'].get('communities', {}).get('calls', 0)}, layout calls "
            f"{warm['parts'].get('layout', {}).get('calls', 0)})",
            "cached",
            "met" if not warm["parts"].get("layout") else "**missed**",
            "layout recomputed on the repeat",
        )
        add(
            name,
            "whole actor_map cold (build + layout + brokers + render)",
            _s(cold["seconds"]),
            "(no budget; layout ≤ 10 s)",
            "–",
        )
        add(name, "whole actor_map repeat", _s(warm["seconds"]), "(cached)", "–")
    if browser and "http" in browser:
        add(
            name,
            "served page over HTTP",
            f"{browser['http']['bytes'] / 1e6:.2f} MB "
            f"(content-encoding {browser['http']['content_encoding'] or 'none'})",
            "≤ 5 MB",
            _met(browser["http"]["bytes"], budgets["page_bytes"]),
            "no compression on the response; the page carries every link",
        )
        load = browser["loads"][len(browser["loads"]) // 2]
        cause = _phases(load) + _top_browser((browser.get("load_profile") or {}).get("profile"))
        add(
            name,
            f"first drawn frame after load: painted, 2nd animation frame after sigma's "
            f"first render (median of {len(browser['loads'])} loads; SwiftShader)",
            _s(browser["first_frame_after_load_s"]),
            "≤ 3 s",
            _met(browser["first_frame_after_load_s"], budgets["first_frame_s"]),
            cause,
        )
        add(
            name,
            "first render done (end of sigma's constructor) after load",
            _s(browser["first_render_after_load_s"]),
            "(≤ 3 s)",
            _met(browser["first_render_after_load_s"], budgets["first_frame_s"]),
            _phases(load),
        )
        add(
            name,
            "ready after load",
            _s(browser["ready_after_load_s"]),
            "(≤ 3 s)",
            _met(browser["ready_after_load_s"], budgets["first_frame_s"]),
            _phases(load),
        )
        profile = browser.get("interaction_profile") or {}
        for key, figure, summary in (
            (
                "focus",
                "click an actor (mapFocus from the overview), median / p95 of 20",
                browser["focus"]["ms"],
            ),
            (
                "unfocus",
                "click empty space after it (mapFocus of no actor), median / p95 of 20",
                browser["focus"]["unfocus_ms"],
            ),
            ("search", "search (mapSearch), median / p95 of 20", browser["search"]["ms"]),
            (
                "hover",
                "hover (mousemove to hover layer drawn), median / p95 of 20",
                browser["hover"]["drawn_ms"],
            ),
        ):
            add(
                name,
                figure,
                f"{_ms(summary['median'])} / {_ms(summary['p95'])}",
                "≤ 100 ms",
                _met(summary["p95"], budgets["interaction_ms"]),
                _top_browser(profile.get(key)).lstrip("; "),
            )
    agg = results["server"].get("100k", {})
    agg_browser = results["browser"].get("100k", {})
    name = "100k"
    if "cold" in agg:
        add(
            name,
            "aggregated view, server cold (fresh process: build + communities + view)",
            _s(agg["cold"]["seconds"]),
            "≤ 3 s",
            _met(agg["cold"]["seconds"], budgets["aggregate_s"]),
            f"largest part {_largest_part(agg['cold']['parts'])}"
            + _top_server(profiles.get("100k aggregated")),
        )
        add(
            name,
            "aggregated view, server repeat",
            _s(agg["warm"]["seconds"]),
            "≤ 3 s",
            _met(agg["warm"]["seconds"], budgets["aggregate_s"]),
            f"largest part {_largest_part(agg['warm']['parts'])}",
        )
    pages = agg_browser.get("pages", {})
    if "aggregated" in pages:
        page = pages["aggregated"]
        add(
            name,
            "aggregated page, browser ready after load",
            _s(page["ready_after_load_s"]),
            "≤ 3 s",
            _met(page["ready_after_load_s"], budgets["aggregate_s"]),
            _phases(page["loads"][-1])
            + _top_browser((page.get("load_profile") or {}).get("profile")),
        )
        add(
            name,
            "aggregated page, navigation start to ready (warm server)",
            _s(page["ready_s"]),
            "≤ 3 s",
            _met(page["ready_s"], budgets["aggregate_s"]),
            f"server answer ends at {page['response_end_s']:.2f} s",
        )
    for opened in agg.get("communities", []):
        label = f"community {opened['community']} ({opened['role']}, {opened['actors']} actors)"
        first, repeat = opened["first"], opened["repeat"]
        add(
            name,
            f"open {label}: server, first call",
            _s(first["seconds"]),
            "≤ 1 s",
            _met(first["seconds"], budgets["open_community_s"]),
            f"largest part {_largest_part(first['parts'])}"
            + _top_server(profiles.get(f"100k community {opened['community']}")),
        )
        add(
            name,
            f"open {label}: server, repeat",
            _s(repeat["seconds"]),
            "≤ 1 s",
            _met(repeat["seconds"], budgets["open_community_s"]),
            f"largest part {_largest_part(repeat['parts'])}",
        )
        page = pages.get(f"community {opened['community']}")
        if page:
            add(
                name,
                f"open {label}: click to ready (first load, server makes the page)",
                _s(page["first_load_ready_s"]),
                "≤ 1 s",
                _met(page["first_load_ready_s"], budgets["open_community_s"]),
                f"server answer ends at {page['loads'][0]['response_end_s']:.2f} s",
            )
            add(
                name,
                f"open {label}: browser ready after load",
                _s(page["ready_after_load_s"]),
                "≤ 1 s",
                _met(page["ready_after_load_s"], budgets["open_community_s"]),
                _phases(page["loads"][-1])
                + _top_browser((page.get("load_profile") or {}).get("profile")),
            )
    return rows


def _split_line(split: dict) -> str:
    return ", ".join(
        f"{name} {part['seconds']:.2f} s" + (f" ({part['calls']}×)" if part["calls"] > 1 else "")
        for name, part in sorted(split.items(), key=lambda item: -item[1]["seconds"])
        if part["seconds"] >= 0.005
    )


def _write_markdown(results: dict) -> None:
    m = results["machine"]
    lines = [
        BEGIN,
        "## Large maps: `python -m bench.maps`",
        "",
        f"One run, {results['seconds']:.0f} s, on {m['nproc']} shared cores ({m['cpu']}); "
        f"load average {results['load_average_start'][0]:.1f} at the start, "
        f"{results['load_average_end'][0]:.1f} at the end. Embedded stores. Headless Chromium "
        "renders WebGL in software (SwiftShader), slower than a real GPU: the browser figures "
        "are an upper bound for a machine with a GPU. Numba kernels compiled or loaded from "
        f"cache by a warm-up first: layout {results['warmup'].get('layout_seconds', 0):.1f} s, "
        f"betweenness {results['warmup'].get('brokers_seconds', 0):.1f} s.",
        "",
        "| map | figure | measured | budget | met | cause (from a profile) |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["table"]:
        lines.append(
            f"| {row['map']} | {row['figure']} | {row['measured']} | {row['budget']} "
            f"| {row['met']} | {row['cause']} |"
        )
    full = results["server"].get("projects-13k", {})
    if "cold" in full:
        lines += [
            "",
            f"projects-13k ({full['actors']} actors, {full['links']} links), `actor_map(Scope())` "
            f"cold {full['cold']['seconds']:.2f} s: {_split_line(full['cold']['parts'])}. "
            f"Repeat {full['warm']['seconds']:.2f} s: {_split_line(full['warm']['parts'])}.",
        ]
    agg = results["server"].get("100k", {})
    if "cold" in agg:
        lines += [
            "",
            f"100k ({agg['actors']} actors, {agg['links']} links, {agg['communities_total']} "
            f"communities, {agg['singletons']} of one actor; the view shows the "
            f"{agg['communities_shown']} largest, sizes {agg['largest_sizes'][0]} down to "
            f"{agg['shown_size_min']}; {agg['shown_several']} of them have 2+ actors, median size "
            f"{agg['shown_size_median']}). Aggregated view cold "
            f"{agg['cold']['seconds']:.2f} s: {_split_line(agg['cold']['parts'])}; repeat "
            f"{agg['warm']['seconds']:.2f} s; page {agg['cold']['bytes'] / 1e6:.2f} MB.",
        ]
        for opened in agg["communities"]:
            lines.append(
                f"Community {opened['community']} ({opened['actors']} actors, "
                f"{'WebGL' if opened['first']['webgl'] else 'vis-network'} page, "
                f"{opened['first']['bytes'] / 1e6:.2f} MB): first call "
                f"{opened['first']['seconds']:.2f} s: {_split_line(opened['first']['parts'])}; "
                f"repeat {opened['repeat']['seconds']:.2f} s: "
                f"{_split_line(opened['repeat']['parts'])}."
            )
    browser = results["browser"].get("projects-13k", {})
    if "loads" in browser:
        lines += [
            "",
            "Browser page loads (s from navigation start; after load = minus responseEnd):",
            "",
        ]
        lines += [
            "| page | responseEnd | script start | parsed | graph | sigma (first render done) "
            "| ready | painted | first render after load | ready after load "
            "| painted after load | nodes | drawn links |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        pages = [("projects-13k /map", load) for load in browser["loads"]]
        for page_name, page in results["browser"].get("100k", {}).get("pages", {}).items():
            pages += [(f"100k {page_name}", load) for load in page["loads"]]
        for page_name, load in pages:
            t = load["timings_s"]
            painted = load["first_frame_after_load_s"]
            lines.append(
                f"| {page_name} | {load['response_end_s']:.2f} | {_num(t.get('start'))} "
                f"| {_num(t.get('parsed'))} | {_num(t.get('graph'))} | {_num(t.get('sigma'))} "
                f"| {_num(t.get('ready'))} "
                f"| {_num(None if painted is None else painted + load['response_end_s'])} "
                f"| {_num(load['first_render_after_load_s'])} "
                f"| {_num(load['ready_after_load_s'])} | {_num(painted)} "
                f"| {load['nodes']} | {load['edges']} |"
            )
        webgl = [load for _, load in pages if load["page"] == "webgl"]
        unset = [load for load in webgl if not load["first_frame_set_on_load"]]
        if unset:
            lines += [
                "",
                f"`window.mapTimings.firstFrame` was unset at ready on {len(unset)} of "
                f"{len(webgl)} loads of WebGL pages: sigma 3 renders its first frame "
                "synchronously at the end of its constructor, before webgl-map.js registers "
                "`once('afterRender')`, so "
                "firstFrame is only set by the next render (an interaction). The bench takes "
                "the first render as done at mapTimings.sigma and the frame as painted at the "
                "second animation frame after it.",
            ]
        hover = browser["hover"]
        lines += [
            "",
            f"Hover: {hover['entered_the_node']} of {hover['drawn_ms']['n']} drawn hovers entered "
            f"the node aimed at ({hover['entered_another']} another node on top, "
            f"{hover['entered_none']} none); afterRender fired on {hover['after_render_fired']} "
            "(sigma draws hovers on their own layer without it, so the hover is timed to the end "
            "of `renderHighlightedNodes`). The node's position is "
            "`framedGraphToViewport(getNodeDisplayData(key))`: display data are framed-graph "
            "coordinates, and `graphToViewport` of them points elsewhere (picking then finds "
            "another node or none). Click to the second animation frame after the call: median "
            f"{_ms(browser['focus']['next_frame_ms']['median'])}, p95 "
            f"{_ms(browser['focus']['next_frame_ms']['p95'])}; back to the overview "
            f"{_ms(browser['focus']['unfocus_next_frame_ms']['median'])} / "
            f"{_ms(browser['focus']['unfocus_next_frame_ms']['p95'])}. Links drawn for the "
            f"focused neighbourhoods: median {browser['focus']['ego_links']['median']:.0f}, max "
            f"{browser['focus']['ego_links']['max']}.",
        ]
    http = results["browser"].get("100k", {}).get("http", {})
    if http:
        lines += [
            "",
            f"The 100k pages were loaded from `{http['route']}` and `{http['route']}?community=K`"
            + (
                " (the product route)."
                if http["product_route_takes_community"]
                else ": the product's `/map` takes no `community`, so this bench's server process "
                "adds `/bench/map`, which calls `service.actor_map(Scope(), community=K)`."
            )
            + " The server was warmed by one request for the aggregated view "
            f"({http['aggregated_cold_seconds']:.1f} s; repeat "
            f"{http['aggregated_warm_seconds']:.2f} s); each community page's first load is "
            "its first request (the click).",
        ]
    errors = [
        f"{part} {size}: {value['error'][-600:]}"
        for part in ("server", "browser", "profiles")
        for size, value in results.get(part, {}).items()
        if isinstance(value, dict) and "error" in value
    ]
    lines += ["", *(f"- error: {e}" for e in errors), END]
    write_section(lines)


def _num(value) -> str:
    return "–" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
