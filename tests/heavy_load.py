"""Light reads beside heavy analyses, on a real server: the harness of tests/test_heavy_load.py
(a few seconds a phase) and bench/heavy.py (60 s a phase).

Two phases, one after the other against the same server: `idle`, 16 clients reading actors by
id and by name; `loaded`, the same 16 beside 4 clients asking for analyses, each request with
parameters no other request had (so that nothing is answered from the cache). Each phase
reports the light requests' latencies and every status that was not 200.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

LIGHT_CLIENTS = 16
HEAVY_CLIENTS = 4


@dataclass
class Phase:
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    heavy: Counter = field(default_factory=Counter)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def summary(self) -> dict:
        return {
            "seconds": self.seconds,
            "light_requests": len(self.latencies),
            "p50_ms": round(self.percentile(0.50) * 1000, 1),
            "p99_ms": round(self.percentile(0.99) * 1000, 1),
            "light_errors": dict(self.errors),
            "heavy_answers": dict(self.heavy),
        }


def heavy_paths(start: int = 0):
    """Analyses that no earlier request asked for: each one computes (no cache)."""
    for i in itertools.count(start):
        yield random.Random(i).choice(
            [
                f"/analysis/brokers?sample={100 + i % 2000}&top=5",
                f"/analysis/gaps?permutations=300&seed={i}",
                f"/analysis/mixing?year_from={2000 + i % 10}&year_to={2011 + i // 10 % 10}",
                f"/connections?sector_a=public&sector_b=academia&year_to={2010 + i % 15}"
                f"&limit={10 + i % 900}",
            ]
        )


def _light(url: str, ids: list[str], names: list[str], phase: Phase, stop, seed: int) -> None:
    chance = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as client:
        while not stop.is_set():
            if chance.random() < 0.5:
                path = f"/actors/{chance.choice(ids)}"
            else:
                path = f"/actors?q={chance.choice(names)}&limit=10"
            started = time.perf_counter()
            try:
                status = client.get(path).status_code
            except httpx.HTTPError as error:
                phase.errors[type(error).__name__] += 1
                continue
            elapsed = time.perf_counter() - started
            if status == 200:
                phase.latencies.append(elapsed)
            else:
                phase.errors[status] += 1


def _heavy(url: str, paths, lock, phase: Phase, stop) -> None:
    with httpx.Client(base_url=url, timeout=600) as client:
        while not stop.is_set():
            with lock:
                path = next(paths)
            try:
                phase.heavy[client.get(path).status_code] += 1
            except httpx.HTTPError as error:
                phase.heavy[type(error).__name__] += 1


def run_phase(url: str, ids: list[str], names: list[str], seconds: float, *, heavy: bool) -> Phase:
    phase, stop, lock = Phase(seconds), threading.Event(), threading.Lock()
    paths = heavy_paths(int(time.time() * 1000) % 10**9)
    threads = [
        threading.Thread(target=_light, args=(url, ids, names, phase, stop, i))
        for i in range(LIGHT_CLIENTS)
    ]
    if heavy:
        threads += [
            threading.Thread(target=_heavy, args=(url, paths, lock, phase, stop))
            for _ in range(HEAVY_CLIENTS)
        ]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()  # the heavy ones after their last answer
    return phase


def light_targets(url: str) -> tuple[list[str], list[str]]:
    """Actor ids and name words to read, from the server's first page of actors."""
    items = httpx.get(f"{url}/actors?limit=500", timeout=60).json()["items"]
    ids = [item["id"] for item in items]
    names = sorted({item["name"].split()[0] for item in items} | {item["id"][:5] for item in items})
    return ids, names
