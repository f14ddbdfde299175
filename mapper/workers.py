"""WorkerPool: analyses and map builds in worker processes, apart from the server's reads.

The analyses are CPU-bound and their kernels hold the GIL, so in the server's own process one
of them slows every other request down (a cheap read's p99 went from 16 ms to 2.2 s with four
running, issue 18). A pool of `workers` processes, each with the store opened read-only and
its own cache, does them instead:

- a job is one MapperService method call (name, arguments); identical jobs asked for while one
  is queued or running share it;
- at most `queue` jobs wait; one more is ServerBusy (the API answers 503 with Retry-After), and
  so is a job that waited longer than the time limit;
- a job running past `time_limit` seconds is stopped by killing its worker (a compiled kernel
  cannot be interrupted otherwise), and a new worker is started: WorkTimedOut;
- a job whose every waiter has gone (each waiter's Cancel, read from CANCEL, was set) is stopped
  the same way: WorkCancelled;
- `close()` stops every worker at once.

Workers are spawned, not forked: the server has threads (and a Neo4j driver) a fork would copy
mid-use. Each opens the store from the same Settings and sees new loads by its generation.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import multiprocessing
import os
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from mapper.errors import MapperError, ServerBusy, WorkCancelled, WorkTimedOut
from mapper.settings import Budget, Settings

__all__ = ["CANCEL", "Cancel", "WorkerPool", "default_workers"]

_log = logging.getLogger("mapper.workers")

_POLL_SECONDS = 0.05  # how often a running job checks its deadline and its waiters
_NICENESS = 5  # a worker's CPU priority below the server's (os.nice)
_START_SECONDS = 120  # how long a new worker may take to import the analyses


class Cancel:
    """Set when the client a computation is for has gone away (thread-safe)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


# The Cancel of the request being served, set by the API for each analysis request; the
# threads it runs in inherit it (anyio copies the context into worker threads).
CANCEL: contextvars.ContextVar[Cancel | None] = contextvars.ContextVar(
    "mapper_cancel", default=None
)


def default_workers(cores: int | None = None) -> int:
    """Cores - 1, at least 1: one core stays with the server's reads.

    >>> default_workers(2), default_workers(1), default_workers(16)
    (1, 1, 15)
    """
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


@dataclass(eq=False)
class _Job:
    key: Hashable
    call: tuple[str, tuple, dict]
    queued_at: float = field(default_factory=time.monotonic)
    waiters: int = 0
    done: threading.Event = field(default_factory=threading.Event)
    outcome: tuple = ()

    def finish(self, *outcome: Any) -> None:
        self.outcome = outcome
        self.done.set()

    def result(self) -> Any:
        kind, *rest = self.outcome
        if kind == "ok":
            return rest[0]
        if kind == "error":
            raise _rebuilt(*rest)
        if kind == "refused":
            raise rest[0]
        raise RuntimeError(f"analysis worker failed: {rest[0]}")


def _rebuilt(kind: type[MapperError], args: tuple, attributes: dict) -> MapperError:
    """A MapperError from a worker, as it was there: its __init__ takes other arguments than its
    args, so it is rebuilt from its parts rather than unpickled."""
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(attributes)
    return error


class WorkerPool:
    """`workers` processes that run MapperService methods on `store` (as open_service names
    it: a path, a Neo4j URI, or None for MAPPER_STORE, NEO4J_URI or the default file)."""

    def __init__(
        self,
        store: str | None,
        *,
        budget: Budget,
        workers: int,
        queue: int = 16,
        time_limit: float = 120.0,
    ):
        if workers < 1:
            raise ValueError(f"a pool needs at least one worker, not {workers}")
        self.settings = Settings.from_env(store)
        self.budget = budget
        self.workers = workers
        self.queue_limit = queue
        self.time_limit = time_limit
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._queue: deque[_Job] = deque()
        self._jobs: dict[Hashable, _Job] = {}
        self._closed = False
        self.started = 0  # jobs given to a worker so far
        self._processes: list[Any] = [None] * workers
        self._threads = [
            threading.Thread(target=self._serve, args=(i,), name=f"worker-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- the caller's side -------------------------------------------------------------------

    def run(self, name: str, args: tuple = (), kwargs: dict | None = None, *, key: Hashable) -> Any:
        """MapperService.`name`(*args, **kwargs) in a worker; jobs with the same `key` share one
        computation. Raises what the method raised, or a WorkRefused."""
        kwargs = kwargs or {}
        cancel = CANCEL.get()
        with self._lock:
            if self._closed:
                raise ServerBusy("the server is stopping; try again shortly")
            job = self._jobs.get(key)
            if job is None:
                if len(self._queue) >= self.queue_limit:
                    raise ServerBusy(
                        f"all {self.workers} analysis worker(s) are busy and {len(self._queue)} "
                        "analyses are waiting; try again shortly"
                    )
                job = _Job(key, (name, args, kwargs))
                self._jobs[key] = job
                self._queue.append(job)
                self._ready.notify()
            job.waiters += 1
        try:
            while not job.done.wait(_POLL_SECONDS * 2):
                if cancel is not None and cancel.is_set():
                    raise WorkCancelled("the client went away")
                if self._closed:
                    raise ServerBusy("the server is stopping; try again shortly")
        finally:
            with self._lock:
                job.waiters -= 1
                if job.waiters == 0 and not job.done.is_set() and job in self._queue:
                    self._queue.remove(job)  # nobody waits for it: never start it
                    self._forget(job)
        return job.result()

    def stats(self) -> dict[str, int]:
        """Jobs waiting and running now, and started so far."""
        with self._lock:
            queued = len(self._queue)
            return {"queued": queued, "running": len(self._jobs) - queued, "started": self.started}

    def describe(self) -> dict[str, Any]:
        """The pool's settings and its jobs now: workers, queue, time_limit, queued, running,
        started."""
        return {
            "workers": self.workers,
            "queue": self.queue_limit,
            "time_limit": self.time_limit,
            **self.stats(),
        }

    def pids(self) -> list[int]:
        """The process ids of the workers running now."""
        with self._lock:
            return [p.pid for p in self._processes if p is not None and p.pid is not None]

    def close(self) -> None:
        """Stop every worker now; waiting callers get ServerBusy."""
        with self._lock:
            self._closed = True
            self._ready.notify_all()
            processes = [process for process in self._processes if process is not None]
        for process in processes:
            process.kill()
        for thread in self._threads:
            thread.join(timeout=2)

    # -- the pool's side ---------------------------------------------------------------------

    def _forget(self, job: _Job) -> None:
        if self._jobs.get(job.key) is job:
            del self._jobs[job.key]

    def _start(self, slot: int) -> tuple[Any, Connection]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_work,
            args=(self.settings, self.budget, theirs),
            name=f"mapper-worker-{slot}",
            daemon=True,
        )
        process.start()
        theirs.close()
        with self._lock:
            self._processes[slot] = process
        # Ready once its imports are done (a second or two): a job's time starts after that.
        try:
            if ours.poll(_START_SECONDS) and ours.recv() == "ready":
                return process, ours
        except (EOFError, OSError):
            pass
        self._stop(slot, process)
        raise RuntimeError(f"the worker did not start within {_START_SECONDS} s")

    def _stop(self, slot: int, process: Any) -> None:
        process.kill()
        process.join(timeout=5)
        with self._lock:
            self._processes[slot] = None

    def _serve(self, slot: int) -> None:
        """One worker's thread: start it, give it one job at a time, watch each one."""
        process = connection = None
        while True:
            if process is None and not self._closed:
                try:
                    process, connection = self._start(slot)
                except Exception:  # e.g. no resources for a process: the jobs say so
                    if self._closed:
                        break
                    _log.exception("could not start analysis worker %s", slot)
                    process = connection = None
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if self._closed:
                    break
                job = self._queue.popleft()
            if time.monotonic() - job.queued_at > self.time_limit:
                self._settle(
                    job, "refused", ServerBusy("the analysis waited too long for a worker")
                )
                continue
            if process is None or connection is None:
                self._settle(job, "crash", "no analysis worker could be started")
                time.sleep(1)
                continue
            outcome = self._watch(job, process, connection)
            if outcome[0] in ("refused", "crash"):  # killed or dead: a fresh one next time
                self._stop(slot, process)
                process = connection = None
            self._settle(job, *outcome)
        if process is not None:
            self._stop(slot, process)

    def _watch(self, job: _Job, process: Any, connection: Connection) -> tuple:
        deadline = time.monotonic() + self.time_limit
        with self._lock:
            self.started += 1
        try:
            connection.send(job.call)
            while not connection.poll(_POLL_SECONDS):
                if job.waiters == 0:
                    return ("refused", WorkCancelled("every client waiting for it went away"))
                if time.monotonic() > deadline:
                    return (
                        "refused",
                        WorkTimedOut(
                            f"the analysis ran longer than the time limit of "
                            f"{self.time_limit:g} s (MAPPER_TIME_LIMIT) and was stopped; narrow "
                            "the scope or ask for less (sample, permutations)"
                        ),
                    )
                if self._closed:
                    return ("refused", ServerBusy("the server is stopping"))
            return connection.recv()
        except (EOFError, OSError) as error:  # the worker died (killed, out of memory)
            if self._closed:  # killed by close()
                return ("refused", ServerBusy("the server is stopping; try again shortly"))
            _log.error("analysis worker %s stopped: %r", process.name, error)
            return ("crash", f"the worker stopped ({process.exitcode})")

    def _settle(self, job: _Job, *outcome: Any) -> None:
        with self._lock:
            self._forget(job)
        job.finish(*outcome)


def _work(settings: Settings, budget: Budget, connection: Connection) -> None:
    """A worker process: open the store read-only, then answer calls until the pipe closes."""
    from mapper.service import MapperService
    from mapper.settings import open_store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's; it stops us
    _die_with_parent()
    with contextlib.suppress(OSError):  # the server's reads go first when cores are short
        os.nice(_NICENESS)
    service: MapperService | None = None
    connection.send("ready")
    try:
        while True:
            try:
                name, args, kwargs = connection.recv()
            except (EOFError, OSError):
                return
            try:
                if service is None:  # opened on the first call, again after a failure
                    service = MapperService(open_store(settings, create=False), budget=budget)
                outcome: tuple = ("ok", getattr(service, name)(*args, **kwargs))
            except MapperError as error:
                outcome = ("error", type(error), error.args, dict(vars(error)))
            except Exception as error:  # logged here, where the traceback is
                _log.error("analysis %s failed:\n%s", name, traceback.format_exc())
                outcome = ("crash", type(error).__name__)
            connection.send(outcome)
    finally:
        if service is not None:
            service.close()


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the server process dies, however it dies (kill -9
    included), rather than compute on for nobody (prctl PR_SET_PDEATHSIG; elsewhere a worker
    ends at its next call, when the pipe is closed)."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
