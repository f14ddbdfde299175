"""Load: 16 clients read from a real `mapper serve` on loopback while a writer loads over HTTP.

Every load adds BATCH actors, one collaboration and BATCH relations, all tagged with the load's
number. A reader must see a load entirely or not at all: counts stay multiples of BATCH, and
every tag group it sees is complete. Runs MAPPER_LOAD_SECONDS (default 10) per store.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.serving import serving

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "load-test-token-of-thirty-two-ch"
BATCH = 7
CLIENTS = 16
MAX_LOADS = 140  # BATCH * MAX_LOADS actors still fit in one page of 1000
SECONDS = float(os.environ.get("MAPPER_LOAD_SECONDS", "10"))

pytestmark = pytest.mark.slow


@pytest.fixture
def server(store):
    """`mapper serve` on the test's (empty) store, in its own process; yields its base URL."""
    with serving(store.location, env={"MAPPER_API_TOKEN": TOKEN}) as served:
        yield served.url


def _batch_files(number: int) -> list[tuple[str, tuple[str, bytes]]]:
    ids = [f"load-{number}-{i}" for i in range(BATCH)]
    actors = "id,name,sector,description\n" + "".join(
        f"{actor_id},Lasttest {number} {i},civil_society,batch-{number}\n"
        for i, actor_id in enumerate(ids)
    )
    collaborations = f"id,name,kind\nload-{number},Lasttest {number},project\n"
    relations = "type,source,target\n" + "".join(
        f"PARTICIPATES_IN,{actor_id},load-{number}\n" for actor_id in ids
    )
    return [
        ("files", ("actors.csv", actors.encode())),
        ("files", ("collaborations.csv", collaborations.encode())),
        ("files", ("relations.csv", relations.encode())),
    ]


class _Run:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors: list[str] = []
        self.requests = Counter()
        self.loads = 0

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _writer(url: str, run: _Run) -> None:
    with httpx.Client(base_url=url, timeout=60) as client:
        while not run.stop.is_set() and run.loads < MAX_LOADS:
            response = client.post(
                "/load", files=_batch_files(run.loads), headers={"Authorization": f"Bearer {TOKEN}"}
            )
            if response.status_code != 200:
                run.fail(f"load {run.loads}: {response.status_code} {response.text[:200]}")
                return
            if response.json()["actors"]["created"] != BATCH:
                run.fail(f"load {run.loads}: {response.json()}")
            run.loads += 1
            time.sleep(0.05)


def _check(path: str, body: dict, run: _Run) -> str | None:
    """What is torn in a response, or None."""
    if path == "/health":
        collaborations = body["collaborations"]
        if (body["actors"], body["relations"]) != (BATCH * collaborations,) * 2:
            return f"health {body}"
    elif path.startswith("/actors?"):
        groups = Counter(item["description"] for item in body["items"])
        if body["total"] % BATCH or any(size != BATCH for size in groups.values()):
            return f"actors total {body['total']}, groups {dict(groups)}"
    elif path.startswith("/collaborations/"):
        if len(body["relations"]) != BATCH:
            return f"{path}: {len(body['relations'])} relations"
    elif path == "/analysis/mixing" and sum(body["actors"].values()) % BATCH:
        return f"mixing actors {body['actors']}"
    return None


def _reader(url: str, run: _Run, seed: int) -> None:
    chance = random.Random(seed)
    with httpx.Client(base_url=url, timeout=60) as client:
        while not run.stop.is_set():
            paths = ["/health", "/actors?q=lasttest&limit=1000", "/analysis/mixing"]
            if run.loads:
                paths.append(f"/collaborations/load-{chance.randrange(run.loads)}")
            path = chance.choice(paths)
            try:
                response = client.get(path)
            except httpx.HTTPError as error:
                run.fail(f"{path}: {type(error).__name__}: {error}")
                continue
            with run.lock:
                run.requests[response.status_code] += 1
            if response.status_code != 200:
                run.fail(f"{path}: {response.status_code} {response.text[:200]}")
                continue
            torn = _check(path, response.json(), run)
            if torn:
                run.fail(f"torn read: {torn}")


def test_16_readers_and_a_writer_see_no_errors_and_no_torn_reads(server):
    run = _Run()
    threads = [threading.Thread(target=_writer, args=(server, run))]
    threads += [threading.Thread(target=_reader, args=(server, run, i)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(SECONDS)
    deadline = time.monotonic() + 60  # on a busy machine, wait for a few loads to interleave
    while run.loads < 3 and not run.errors and time.monotonic() < deadline:
        time.sleep(0.5)
    run.stop.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not run.errors, f"{len(run.errors)} errors, first: {run.errors[:5]}"
    assert run.loads >= 3, "the writer hardly got a load in"
    assert sum(run.requests.values()) >= CLIENTS * 5
    final = httpx.get(f"{server}/health").json()
    assert final["actors"] == BATCH * run.loads
    print(f"\n{sum(run.requests.values())} reads and {run.loads} loads in {SECONDS:.0f} s")
