"""create_app(service): the FastAPI application, with one JSON error shape for every error.

    {"error": {"status": 404, "type": "ActorNotFound", "message": "no actor with id 'x'"}}

A 404 names the id, a 422 names the parameter (`parameter`), a 503 names the store it could not
reach. A client's mistake is never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mapper import __version__
from mapper.errors import (
    InvalidBatch,
    InvalidParameter,
    MapperError,
    NotFound,
    SeedFileError,
    SeedValidationFailed,
    StoreCorrupt,
    StoreUnavailable,
)
from mapper.service import MapperService

__all__ = ["create_app", "error_body"]

log = logging.getLogger("mapper.api")

DESCRIPTION = """
Who works with whom across public, private, civil-society and academic actors in Swedish social
innovation. Read the actors and collaborations, ask which sector pairs are under-connected
compared with chance, who brokers between sectors, and whom an actor could partner with.

Every error has the shape `{"error": {"status", "type", "message", "parameter"?}}`.
"""


def error_body(status: int, kind: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "type": kind, "message": message, **extra}}


def _error(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(error_body(status, kind, message, **extra), status_code=status)


def _status_of(error: MapperError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, InvalidParameter | InvalidBatch | SeedFileError | SeedValidationFailed):
        return 422
    if isinstance(error, StoreUnavailable):
        return 503
    if isinstance(error, StoreCorrupt):
        return 500
    return 400


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MapperError)
    async def mapper_error(request: Request, error: MapperError) -> JSONResponse:
        extra: dict[str, Any] = {}
        if isinstance(error, InvalidParameter):
            extra["parameter"] = error.name
        if isinstance(error, NotFound):
            extra["id"] = error.id
        if isinstance(error, SeedValidationFailed):
            extra["problems"] = [str(problem) for problem in error.errors]
        return _error(_status_of(error), type(error).__name__, str(error), **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "parameter": str(problem["loc"][min(1, len(problem["loc"]) - 1)]),
                "in": problem["loc"][0],
                "message": problem["msg"],
            }
            for problem in error.errors()
        ]
        first = problems[0] if problems else {"parameter": "", "message": "invalid request"}
        message = "; ".join(f"parameter {p['parameter']!r}: {p['message']}" for p in problems)
        return _error(
            422,
            "InvalidParameter",
            message or "invalid request",
            parameter=first["parameter"],
            problems=problems,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        kind = "NotFound" if error.status_code == 404 else "HTTPError"
        response = _error(error.status_code, kind, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "InternalError", "an unexpected error occurred; it has been logged")


def create_app(service: MapperService) -> FastAPI:
    """The API over `service`; routers are added here, each a thin layer over the service."""
    from api.routes import analysis, records

    app = FastAPI(
        title="Ecosystem mapper",
        version=__version__,
        description=DESCRIPTION,
    )
    app.state.service = service
    _install_error_handlers(app)
    app.include_router(records.router)
    app.include_router(analysis.router)
    from api.routes import maps

    app.include_router(maps.router)
    return app
