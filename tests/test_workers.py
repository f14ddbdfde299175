"""The worker pool (issue 18, part 2): analyses in worker processes, the same answers as in the
server's process, identical requests shared, a bounded queue, a time limit, cancelling."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from ingest import read_batch
from mapper.errors import (
    ActorNotFound,
    OverBudget,
    ServerBusy,
    StoreMissing,
    WorkCancelled,
    WorkTimedOut,
)
from mapper.service import MapperService, Scope
from mapper.settings import Budget
from mapper.stores.embedded import EmbeddedStore
from mapper.workers import CANCEL, Cancel, WorkerPool
from tests.dense_seed import dense_store

SEED = Path(__file__).parent.parent / "seed_data"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("workers") / "seed.db"
    store = EmbeddedStore(path)
    store.apply(read_batch([SEED]))
    store.close()
    return path


@pytest.fixture(scope="module")
def dense(tmp_path_factory) -> Path:
    """3000 actors, 560k links: exact brokers take seconds, sample=300 about a second."""
    return dense_store(tmp_path_factory.mktemp("dense"))


def pooled(path: Path, budget: Budget | None = None, **options) -> MapperService:
    service = MapperService(EmbeddedStore(path), budget=budget)
    options = {"workers": 1, "queue": 16, "time_limit": 60.0} | options
    service.use_pool(WorkerPool(str(path), budget=service.budget, **options))
    return service


def without_time(answer):
    if isinstance(answer, dict) and "scope" in answer:
        return {**answer, "scope": {**answer["scope"], "computed_at": None}}
    return answer


def in_thread(call):
    """Start `call` in a thread with its own Cancel; (thread, cancel, outcome list)."""
    cancel, outcome = Cancel(), []

    def run():
        CANCEL.set(cancel)
        try:
            outcome.append(call())
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, cancel, outcome


def until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


def test_a_worker_answers_as_the_server_process_does(seeded):
    here = MapperService(EmbeddedStore(seeded))
    there = pooled(seeded)
    try:
        scope = Scope(country="SE", with_partners=True)
        for ask in (
            lambda s: s.mixing(Scope()),
            lambda s: s.gaps(scope, permutations=200, seed=3),
            lambda s: s.brokers(Scope(), top=5),
            lambda s: s.brokers(Scope(), sector_a="public", sector_b="academia"),
            lambda s: s.paths("vinnova", "malmo-stad", Scope(), k=2),
            lambda s: s.connections("public", "academia", Scope()),
            lambda s: s.suggestions("vinnova", Scope(), k=3),
            lambda s: s.funding(year_from=2015),
            lambda s: s.actor_map(Scope(), lang="en"),
            lambda s: s.gap_map(Scope(), permutations=100),
        ):
            assert without_time(ask(there)) == without_time(ask(here))
        assert there._pool.stats()["started"] == 10
        work = there.work()
        assert (work["workers"], work["queue"], work["time_limit"]) == (1, 16, 60.0)
        assert (work["queued"], work["running"], work["started"]) == (0, 0, 10)
    finally:
        there.close()


def test_errors_come_back_whole(seeded):
    service = pooled(seeded, budget=Budget(link_visits=10))  # the workers' budget too
    try:
        with pytest.raises(ActorNotFound) as missing:
            service.paths("vinova", "malmo-stad", Scope())
        assert missing.value.id == "vinova"
        assert ("vinnova", "Vinnova") in missing.value.suggestions  # added here, by the service
        with pytest.raises(OverBudget) as over:
            service.gaps(Scope(), permutations=500)
        assert over.value.name == "permutations" and over.value.budget == 10
    finally:
        service.close()


def test_a_store_that_is_not_there_is_an_error_not_a_crash(tmp_path):
    pool = WorkerPool(str(tmp_path / "none.db"), budget=Budget(), workers=1)
    try:
        with pytest.raises(StoreMissing):
            pool.run("mixing", (Scope(),), {}, key="missing")
    finally:
        pool.close()
    assert not (tmp_path / "none.db").exists()


def test_identical_requests_share_one_computation(dense):
    service = pooled(dense)
    try:
        runs = [in_thread(lambda: service.brokers(Scope(), sample=300)) for _ in range(4)]
        for thread, _, _ in runs:
            thread.join(60)
        answers = [outcome[0] for _, _, outcome in runs]
        assert all(answer == answers[0] for answer in answers)
        assert service._pool.stats()["started"] == 1
    finally:
        service.close()


def test_a_full_queue_is_refused_at_once(dense):
    service = pooled(dense, queue=1)
    try:
        running = in_thread(lambda: service.brokers(Scope()))
        until(lambda: service._pool.stats() == {"queued": 0, "running": 1, "started": 1})
        waiting = in_thread(lambda: service.brokers(Scope(), sample=300))
        until(lambda: service._pool.stats()["queued"] == 1)
        started = time.monotonic()
        with pytest.raises(ServerBusy) as busy:
            service.brokers(Scope(), sample=301)
        assert time.monotonic() - started < 0.5
        assert busy.value.retry_after == 5
        for thread, cancel, _ in (running, waiting):
            cancel.set()
            thread.join(5)
        assert isinstance(waiting[2][0], WorkCancelled)
    finally:
        service.close()


def test_an_analysis_past_the_time_limit_is_stopped_and_the_next_one_runs(dense):
    service = pooled(dense, time_limit=2.0)
    try:
        started = time.monotonic()
        with pytest.raises(WorkTimedOut, match="time limit of 2 s"):
            service.brokers(Scope())
        assert time.monotonic() - started < 4
        assert service.mixing(Scope())["actors"]["public"] == 750
    finally:
        service.close()


def test_a_client_that_goes_away_stops_its_worker(dense):
    service = pooled(dense)
    try:
        service.mixing(Scope())  # the worker is up
        (worker,) = service._pool.pids()
        thread, cancel, outcome = in_thread(lambda: service.brokers(Scope()))
        until(lambda: service._pool.stats()["running"] == 1)
        cancel.set()
        thread.join(2)
        assert isinstance(outcome[0], WorkCancelled)
        until(lambda: worker not in service._pool.pids(), 5)
        with pytest.raises(ProcessLookupError):
            os.kill(worker, 0)
    finally:
        service.close()


def test_closing_the_pool_stops_the_work_at_once(dense):
    service = pooled(dense)
    thread, _, outcome = in_thread(lambda: service.brokers(Scope()))
    until(lambda: service._pool.stats()["running"] == 1)
    started = time.monotonic()
    service._pool.close()
    thread.join(3)
    assert time.monotonic() - started < 3
    assert isinstance(outcome[0], ServerBusy)
    assert service._pool.pids() == []


def test_a_worker_sees_a_new_load(seeded, tmp_path):
    path = tmp_path / "copy.db"
    store = EmbeddedStore(path)
    store.apply(read_batch([SEED]))
    service = MapperService(store)
    service.use_pool(WorkerPool(str(path), budget=service.budget, workers=1))
    try:
        before = service.mixing(Scope())["actors"]["private"]
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "actors.csv").write_text(
            "id,name,kinds,sector,source_url\nny-firma,Ny firma AB,organisation,private,"
            "https://example.org/x\n",
            encoding="utf-8",
        )
        store.apply(read_batch([extra]))
        assert service.mixing(Scope())["actors"]["private"] == before + 1
    finally:
        service.close()
