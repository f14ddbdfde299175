"""Where a request's work runs: light reads at once, analyses and maps apart from them.

`light_read` runs a read of records or a search on the event loop when the store answers it
at once (an embedded store with its search index built), else in the thread pool.

HeavyRequests wraps the requests to the routes tagged `analysis` or `maps`:

- each one gets a Cancel (mapper.workers.CANCEL) that is set when its client disconnects (or
  the server stops it), so that the worker computing for nobody is stopped;
- with `Prefer: respond-async` (RFC 7240) it is answered at once with 202 and a job URL
  (`Location: /jobs/{id}`); GET on that URL answers 202 while the job runs and then exactly
  what the request would have answered (status, media type, body).

Jobs keeps the finished answers for an hour, at most MAX_KEPT_BYTES of them (oldest dropped
first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_body
from mapper.service import MapperService, now
from mapper.workers import CANCEL, Cancel

__all__ = [
    "HEAVY_TAGS",
    "KEEP_SECONDS",
    "MAX_KEPT_BYTES",
    "MAX_RUNNING",
    "HeavyRequests",
    "Job",
    "Jobs",
    "heavy_routes",
    "light_read",
    "prefers_async",
]

_log = logging.getLogger("mapper.api")

HEAVY_TAGS = frozenset({"analysis", "maps"})
KEEP_SECONDS = 3600
MAX_KEPT_BYTES = 256 * 1024 * 1024
MAX_RUNNING = 64  # asynchronous jobs at once; more are refused (503) rather than queued here


_T = TypeVar("_T")


async def light_read(
    service: MapperService, kind: str, read: Callable[..., _T], *args: Any, **kwargs: Any
) -> _T:
    """`read(*args, **kwargs)`, a read of `kind` ("actors" or "collaborations"): on the event
    loop when the store answers it at once (MapperService.answers_at_once), else in the thread
    pool. A search in memory takes about a millisecond and holds the GIL all along, so a thread
    adds no parallelism, only two hand-offs between threads for each request (bench.search); a
    read that waits (on Neo4j, or for a search index to be built) must not stop the loop."""
    if service.answers_at_once(kind):
        return read(*args, **kwargs)
    return await run_in_threadpool(read, *args, **kwargs)


def prefers_async(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a `Prefer` header asks for `respond-async` (RFC 7240: tokens, any case).

    >>> prefers_async([(b"prefer", b"wait=10, Respond-Async")]), prefers_async([])
    (True, False)
    """
    for name, value in headers:
        if name.lower() == b"prefer":
            tokens = value.decode("latin-1").replace(";", ",").split(",")
            if any(token.strip().lower() == "respond-async" for token in tokens):
                return True
    return False


@dataclass(eq=False)
class Job:
    """One asynchronous request and, when ready, its answer."""

    id: str
    request: str
    created_at: str = field(default_factory=now)
    finished_at: str | None = None
    status: int | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    task: asyncio.Task | None = None
    finished: float | None = None

    @property
    def done(self) -> bool:
        return self.finished is not None

    def describe(self, root: str = "") -> dict[str, Any]:
        """The job as JobStatus (api.routes.jobs) shows it."""
        return {
            "id": self.id,
            "status": "done" if self.done else "running",
            "url": f"{root}/jobs/{self.id}",
            "request": self.request,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
        }


class Jobs:
    """The asynchronous requests of one app, by id."""

    def __init__(self, *, keep_seconds: float = KEEP_SECONDS, max_bytes: int = MAX_KEPT_BYTES):
        self.keep_seconds = keep_seconds
        self.max_bytes = max_bytes
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def get(self, job_id: str) -> Job | None:
        self._expire()
        return self._jobs.get(job_id)

    def running(self) -> int:
        return sum(not job.done for job in self._jobs.values())

    def start(self, app: ASGIApp, scope: Scope) -> Job:
        """Run the request `scope` through `app` in the background, as a new Job."""
        self._expire()
        query = scope.get("query_string", b"").decode("latin-1")
        job = Job(secrets.token_urlsafe(16), scope["path"] + (f"?{query}" if query else ""))
        job.task = asyncio.create_task(self._run(job, app, scope))
        self._jobs[job.id] = job
        return job

    async def _run(self, job: Job, app: ASGIApp, scope: Scope) -> None:
        CANCEL.set(None)  # nobody disconnects from a job: it runs until done or timed out
        answered = asyncio.Event()
        asked = False

        async def receive() -> Message:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await answered.wait()
            return {"type": "http.disconnect"}

        chunks: list[bytes] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                job.status = message["status"]
                job.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    answered.set()

        try:
            await app(scope, receive, send)
        except Exception:
            _log.exception("job %s (%s) failed", job.id, job.request)
            job.status, chunks[:] = 500, [_json(500, "InternalError", "an unexpected error")]
            job.headers = [(b"content-type", b"application/json")]
        job.body = b"".join(chunks)
        job.finished, job.finished_at = time.monotonic(), now()
        job.task = None
        self._expire()

    def _expire(self) -> None:
        """Drop finished jobs older than keep_seconds, then the oldest beyond max_bytes."""
        limit = time.monotonic() - self.keep_seconds
        for job_id in [i for i, job in self._jobs.items() if job.done and job.finished < limit]:
            del self._jobs[job_id]
        kept = sum(len(job.body) for job in self._jobs.values())
        for job_id, job in list(self._jobs.items()):
            if kept <= self.max_bytes:
                break
            if job.done:
                kept -= len(job.body)
                del self._jobs[job_id]


def _json(status: int, kind: str, message: str) -> bytes:
    return json.dumps(error_body(status, kind, message)).encode()


def heavy_routes(routers: list[APIRouter]) -> list[BaseRoute]:
    """The routes of `routers` tagged with one of HEAVY_TAGS."""
    return [
        route
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and HEAVY_TAGS & set(route.tags)
    ]


class HeavyRequests:
    """ASGI middleware for the `heavy` routes (see the module's doc)."""

    def __init__(self, app: ASGIApp, *, heavy: list[BaseRoute], jobs: Jobs):
        self.app = app
        self.heavy = heavy
        self.jobs = jobs

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_heavy(scope):
            await self.app(scope, receive, send)
        elif prefers_async(scope.get("headers", [])):
            await self._start_job(scope, send)
        else:
            await self._watched(scope, receive, send)

    def _is_heavy(self, scope: Scope) -> bool:
        return any(route.matches(scope)[0] is Match.FULL for route in self.heavy)

    async def _start_job(self, scope: Scope, send: Send) -> None:
        if self.jobs.running() >= MAX_RUNNING:
            message = f"{MAX_RUNNING} jobs are running already; try again shortly"
            await _respond(send, 503, _json(503, "ServerBusy", message), [(b"retry-after", b"5")])
            return
        job = self.jobs.start(self.app, scope)
        root = scope.get("root_path", "").rstrip("/")
        body = json.dumps({"job": job.describe(root)}).encode()
        location = f"{root}/jobs/{job.id}".encode()
        extra = [(b"location", location), (b"preference-applied", b"respond-async")]
        await _respond(send, 202, body, extra)

    async def _watched(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The request, with a Cancel in CANCEL set when its client goes away."""
        messages = [await receive()]  # its body (these routes take none): read before watching
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        cancel, gone = Cancel(), asyncio.Event()

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            await gone.wait()
            return {"type": "http.disconnect"}

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            cancel.set()
            gone.set()

        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        if messages[-1]["type"] == "http.disconnect":
            cancel.set()
        token = CANCEL.set(cancel)
        watcher = asyncio.create_task(watch())
        try:
            await self.app(scope, replay, sending)
        except asyncio.CancelledError:  # the server is stopping: so is the work
            cancel.set()
            if not started:  # a 503 that says so, rather than the server's 500
                message = "the server is stopping; try again shortly"
                with contextlib.suppress(Exception):
                    await _respond(send, 503, _json(503, "ServerBusy", message), [])
            raise
        finally:
            watcher.cancel()
            CANCEL.reset(token)


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
