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

from api.errors import ERROR_RESPONSES, error_body
from api.security import APISettings, RequestRefused
from mapper import __version__
from mapper.errors import (
    InvalidBatch,
    InvalidParameter,
    LoadTooLarge,
    MapperError,
    NotFound,
    SeedFileError,
    SeedValidationFailed,
    StoreCorrupt,
    StoreUnavailable,
)
from mapper.service import MapperService

__all__ = ["create_app"]

_log = logging.getLogger("mapper.api")

_DESCRIPTION = """
Who works with whom across public, private, civil-society and academic actors in Swedish social
innovation. Read the actors and collaborations, ask which sector pairs are under-connected
compared with chance, who brokers between sectors, and whom an actor could partner with.

Every error has the shape `{"error": {"status", "type", "message", "parameter"?}}`.

Reads are public. Writes (`POST /load`) need `Authorization: Bearer <token>` matching the
server's MAPPER_API_TOKEN; without one configured they are disabled (403). See docs/security.md.
"""


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
    if isinstance(error, LoadTooLarge):
        return 507  # Insufficient Storage: the server cannot hold this load in one transaction
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
            extra["problems"] = [_problem(problem) for problem in error.errors]
        return _error(_status_of(error), type(error).__name__, str(error), **extra)

    @app.exception_handler(RequestRefused)
    async def refused(request: Request, error: RequestRefused) -> JSONResponse:
        response = _error(error.status, error.kind, error.message)
        response.headers.update(error.headers)
        return response

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
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error(500, "InternalError", "an unexpected error occurred; it has been logged")


def _problem(problem: SeedFileError) -> dict[str, Any]:
    """One seed file problem with its parts apart: file, line, field, problem, message."""
    return {
        "file": problem.path,
        "line": problem.line,
        "field": problem.field,
        "problem": problem.problem,
        "message": str(problem),
    }


def create_app(service: MapperService, settings: APISettings | None = None) -> FastAPI:
    """The API over `service`; routers are added here, each a thin layer over the service.

    `settings` holds the write token and the upload limit; without it writes are disabled.
    """
    from api.routes import admin, analysis, records

    app = FastAPI(
        title="Ecosystem mapper",
        version=__version__,
        description=_DESCRIPTION,
        responses=ERROR_RESPONSES,
    )
    app.state.service = service
    app.state.api_settings = settings or APISettings()
    _install_error_handlers(app)
    app.include_router(records.router)
    app.include_router(analysis.router)
    from api.routes import maps

    app.include_router(maps.router)
    app.include_router(admin.router)
    _json_errors_in_openapi(app)
    return app


def _json_errors_in_openapi(app: FastAPI) -> None:
    """Document every error response as JSON, also on the HTML pages (/map answers a 422 in
    JSON, not in HTML); FastAPI would give them the route's own media type."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            error = {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
            for operation in (op for path in schema["paths"].values() for op in path.values()):
                for status, response in operation.get("responses", {}).items():
                    if status[0] in "45":
                        response["content"] = {"application/json": error}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
