"""The one JSON error shape of every endpoint.

{"error": {"status": 404, "type": "ActorNotFound", "message": "no actor with id 'x'"}}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ERROR_RESPONSES", "ErrorDetail", "ErrorOut", "Suggestion", "error_body"]


class Suggestion(BaseModel):
    """A record a missing id most likely meant."""

    id: str = Field(description="Its id")
    name: str = Field(description="Its name")


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status code, repeated (400-599)")
    type: str = Field(description="The kind of error, e.g. `ActorNotFound`, `InvalidParameter`")
    message: str = Field(description="What went wrong and what was expected, in English")
    parameter: str | None = Field(None, description="422: the parameter that is invalid")
    id: str | None = Field(None, description="404: the id that was not found")
    suggestions: list[Suggestion] | None = Field(
        None, description="404: the records the id most likely meant"
    )
    problems: list[dict[str, Any]] | None = Field(
        None,
        description="422: every problem; of a parameter {parameter, in, message}, of a seed "
        "file {file, line, field, problem, message}",
    )


class ErrorOut(BaseModel):
    """The one error shape of every endpoint."""

    error: ErrorDetail = Field(description="The error")


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
