"""The one JSON error shape of every endpoint.

{"error": {"status": 404, "type": "ActorNotFound", "message": "no actor with id 'x'"}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["ERROR_RESPONSES", "ErrorDetail", "ErrorOut", "Suggestion", "error_body"]


class Suggestion(BaseModel):
    """A record a missing id most likely meant."""

    id: str
    name: str


class ErrorDetail(BaseModel):
    status: int
    type: str
    message: str
    parameter: str | None = None
    id: str | None = None
    suggestions: list[Suggestion] | None = None
    problems: list[dict[str, Any]] | None = None


class ErrorOut(BaseModel):
    """The one error shape of every endpoint."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No record with that id (`suggestions`: the likeliest ones), or no such "
        "path",
        "model": ErrorOut,
    },
    422: {"description": "A parameter or an uploaded file is invalid", "model": ErrorOut},
    500: {"description": "The store file is damaged, or an unexpected error", "model": ErrorOut},
    503: {"description": "The store cannot be reached (Neo4j down)", "model": ErrorOut},
}


def error_body(status: int, kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "type": kind, "message": message, **extra}}
