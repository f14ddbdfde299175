"""Reads stay fast while analyses run (issue 18): on a real `mapper serve` with its workers, 16
clients reading actors by id and by name keep their p99 within 3x of their idle p99, with no
errors, while 4 clients ask for uncached analyses; both stores. bench/heavy.py runs the same for
60 s a phase; MAPPER_HEAVY_SECONDS sets this test's phase length (default 8)."""

from __future__ import annotations

import os

import httpx
import pytest

from ingest import read_batch
from tests.dense_seed import write_dense_seed
from tests.heavy_load import light_targets, run_phase
from tests.serving import serving

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("MAPPER_HEAVY_SECONDS", "8"))


def test_reads_keep_their_p99_while_analyses_run(store, tmp_path):
    store.apply(read_batch([write_dense_seed(tmp_path / "seed")]))
    with serving(store.location) as served:
        assert httpx.get(f"{served.url}/analysis/mixing", timeout=120).status_code == 200
        ids, names = light_targets(served.url)
        run_phase(served.url, ids, names, 2, heavy=False)  # connections and caches warm
        idle = run_phase(served.url, ids, names, SECONDS, heavy=False)
        loaded = run_phase(served.url, ids, names, SECONDS, heavy=True)
        log = served.output()
    print(f"\nidle {idle.summary()}\nloaded {loaded.summary()}")
    assert "Traceback" not in log, log
    assert not idle.errors and not loaded.errors
    assert sum(loaded.heavy.values()) >= 4, "the analyses hardly ran"
    assert set(loaded.heavy) <= {200}, f"{loaded.heavy}\n{log}"
    assert loaded.percentile(0.99) <= 3 * idle.percentile(0.99)
