"""Benchmark communities (Louvain) and the community layout on a store's compact graph, cold.

    python -m bench.layout --store /tmp/layout/p13k.db              # prints one JSON object
    python -m bench.layout --store /tmp/layout/p13k.db --networkx   # and networkx's Louvain

Run it in a fresh process: "communities_seconds" and "layout_seconds" are first calls, so they
include importing numba and loading the compiled kernels from numba's cache (or compiling
them, when the cache is empty: "compiled" names the kernels that were compiled rather than
loaded). Point NUMBA_CACHE_DIR at an empty folder to measure the first-ever compile. The graph
is `MapperService(EmbeddedStore(path)).compact(Scope())`, whose build is timed separately.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

__all__ = ["main", "run"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.layout", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--store", type=Path, required=True, help="an embedded (SQLite) store")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--networkx", action="store_true", help="also networkx's Louvain")
    parser.add_argument("--repeat", action="store_true", help="also a second, warm call of each")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.store, seed=args.seed, networkx=args.networkx, repeat=args.repeat)))


def run(store: Path, *, seed: int = 0, networkx: bool = False, repeat: bool = False) -> dict:
    from mapper.service import MapperService, Scope
    from mapper.stores.embedded import EmbeddedStore

    if not store.exists():
        raise SystemExit(f"no store at {store}")
    started = time.perf_counter()
    C = MapperService(EmbeddedStore(store)).compact(Scope())
    build_seconds = time.perf_counter() - started

    import mapper.analysis._kernels as kernels
    from mapper.analysis.layout import communities, layout_discs, modularity

    communities_seconds, labels = _timed(communities, C, seed=seed)
    layout_seconds, (xy, _, radii) = _timed(layout_discs, C, seed=seed, communities=labels)
    sizes = [int(size) for size in sorted(_sizes(labels), reverse=True)]
    result = {
        "store": str(store),
        "n": len(C),
        "links": C.number_of_links(),
        "build_seconds": round(build_seconds, 3),
        "communities_seconds": round(communities_seconds, 3),
        "layout_seconds": round(layout_seconds, 3),
        "total_seconds": round(communities_seconds + layout_seconds, 3),
        "communities": len(sizes),
        "communities_with_links": int((radii > 0).sum()),
        "isolated": int((C.degree == 0).sum()),
        "largest": sizes[:10],
        "modularity": round(modularity(C, labels), 5),
        "compiled": sorted(
            name
            for name in ("_local_moving", "_disc_forces", "_separate", "_member_forces")
            if getattr(kernels, name).stats.cache_misses
        ),
        "finite": bool(xy.size == 0 or (abs(xy).max() <= 1.0 and (xy == xy).all())),
    }
    if repeat:
        result["communities_warm_seconds"] = round(_timed(communities, C, seed=seed)[0], 3)
        result["layout_warm_seconds"] = round(
            _timed(layout_discs, C, seed=seed, communities=labels)[0], 3
        )
    if networkx:
        import networkx as nx

        convert_seconds, G = _timed(nx.from_scipy_sparse_array, C.weights)
        louvain_seconds, found = _timed(
            nx.community.louvain_communities, G, weight="weight", seed=seed
        )
        result["networkx"] = {
            "convert_seconds": round(convert_seconds, 3),
            "louvain_seconds": round(louvain_seconds, 3),
            "communities": len(found),
            "modularity": round(nx.community.modularity(G, found, weight="weight"), 5),
        }
    return result


def _sizes(labels):
    import numpy as np

    return np.bincount(labels) if len(labels) else np.zeros(0, dtype=int)


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


if __name__ == "__main__":
    main()
