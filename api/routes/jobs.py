"""Asynchronous answers: an analysis or map asked for with `Prefer: respond-async` (api.work).

GET /analysis/brokers?sample=2000  Prefer: respond-async
-> 202 {"job": {"id": "...", "status": "running", "url": "/jobs/..."}}, Location: /jobs/...
GET /jobs/{id}
-> 202 and the same while it runs; then what the request would have answered
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from api.security import RequestRefused
from api.work import Jobs

__all__ = ["JobOut", "JobStatus", "router"]

router = APIRouter(tags=["jobs"])

# The headers of a job's answer that are passed on (the server sets the others again).
_KEPT_HEADERS = {b"content-type", b"content-disposition", b"retry-after"}


class JobStatus(BaseModel):
    """An analysis or map asked for with `Prefer: respond-async`."""

    id: str = Field(description="The job's id, random and unguessable")
    status: Literal["running", "done"] = Field(description="Whether its answer is ready")
    url: str = Field(description="Where to GET its answer: this job")
    request: str = Field(description="The request it answers: path and query")
    created_at: str = Field(description="When it was asked for, ISO 8601 UTC")
    finished_at: str | None = Field(None, description="When its answer was ready, ISO 8601 UTC")


class JobOut(BaseModel):
    job: JobStatus = Field(description="The job")


_RUNNING = {
    "job": {
        "id": "q3J0b1VvR2FxN3Vh",
        "status": "running",
        "url": "/jobs/q3J0b1VvR2FxN3Vh",
        "request": "/analysis/brokers?sample=2000",
        "created_at": "2026-12-04T05:10:00+00:00",
        "finished_at": None,
    }
}
_ANSWER = {
    "scope": {
        "filters": {"region": None, "relation_types": ["COLLABORATES_WITH"]},
        "parameters": {},
        "generation": 2,
        "computed_at": "2026-12-04T05:10:03+00:00",
    },
    "...": "the rest of the answer, as GET /analysis/mixing answers it",
}


@router.get(
    "/jobs/{job_id}",
    responses={
        200: {
            "description": "The job is done: exactly what its request would have answered "
            "(its status, media type and body; an error keeps its 4xx/5xx status)",
            "content": {
                "application/json": {
                    "examples": {"mixing": {"summary": "a /analysis/mixing job", "value": _ANSWER}}
                }
            },
        },
        202: {
            "description": "The job is still running (Retry-After: 1)",
            "model": JobOut,
            "content": {"application/json": {"example": _RUNNING}},
        },
    },
)
def read_job(
    request: Request,
    job_id: Annotated[str, Path(description="The job's id, from its 202 answer", max_length=64)],
) -> Any:
    """The answer of an analysis or map asked for with `Prefer: respond-async`, when ready.

    Every analysis and map route (tags analysis, maps) answers `Prefer: respond-async` at once
    with 202, `Location: /jobs/{id}` and this job. Answers are kept for an hour."""
    jobs: Jobs = request.app.state.jobs
    job = jobs.get(job_id)
    if job is None:
        raise RequestRefused(
            404, "JobNotFound", f"no job with id {job_id!r}; answers are kept for an hour"
        )
    root = request.scope.get("root_path", "").rstrip("/")
    if not job.done:
        return JSONResponse(
            {"job": job.describe(root)}, status_code=202, headers={"Retry-After": "1"}
        )
    headers = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in job.headers
        if name.lower() in _KEPT_HEADERS
    }
    media_type = headers.pop("content-type", None)
    return Response(job.body, status_code=job.status or 500, headers=headers, media_type=media_type)
