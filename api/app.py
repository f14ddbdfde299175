"""create_app(service): the FastAPI application, with one JSON error shape for every error.

    {"error": {"status": 404, "type": "ActorNotFound", "message": "no actor with id 'x'"}}

A 404 names the id, a 422 names the parameter (`parameter`), a 503 says the store cannot be
reached or the server is busy (with Retry-After), without the store's address or file: the
server's log has those. A client's mistake is never a 500.

The API reference, /docs (Swagger UI) and /redoc (ReDoc), loads its JavaScript and CSS from
api/static/vendor through the app itself, so it works offline and asks no other host for anything.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import known_parameters
from api.errors import ERROR_RESPONSES, error_body
from api.security import (
    SECURITY_HEADERS,
    APISettings,
    RequestRefused,
    content_security_policy,
)
from api.work import HeavyRequests, Jobs, heavy_routes
from mapper import __version__
from mapper.errors import (
    InvalidBatch,
    InvalidParameter,
    LoadInProgress,
    LoadTooLarge,
    MapperError,
    NotFound,
    SeedFileError,
    SeedValidationFailed,
    StoreCorrupt,
    StoreError,
    StoreMissing,
    StoreUnavailable,
    WorkRefused,
)
from mapper.service import MapperService, paused_gc

__all__ = ["API_DOCS_VERSIONS", "SecurityHeaders", "create_app"]

_log = logging.getLogger("mapper.api")

# The npm packages vendored in api/static/vendor (see its README.md for licences and checksums).
API_DOCS_VERSIONS = {"swagger-ui-dist": "5.35.0", "redoc": "2.5.4"}
_DOCS_STATIC = "/static/api-docs"
_DOCS_FILES = Path(__file__).resolve().parent / "static" / "vendor"

_DESCRIPTION = """
Who works with whom across public, private, civil-society and academic actors in Swedish social
innovation. Read the actors and collaborations, ask which sector pairs are under-connected
compared with chance, who brokers between sectors, and whom an actor could partner with.

Every error has the shape `{"error": {"status", "type", "message", "parameter"?}}`.

Reads are public. Writes (`POST /load`) need `Authorization: Bearer <token>` matching the
server's MAPPER_API_TOKEN; without one configured they are disabled (403). See docs/security.md.
"""


_TAGS = [
    {
        "name": "records",
        "description": "Actors, collaborations and the relations between them, as stored; "
        "sectors, datasets and likely duplicates",
    },
    {
        "name": "analysis",
        "description": "The actor graph across sectors: mixing, gaps against a null model, "
        "brokers, funding flows, paths, connections and partner suggestions "
        "(definitions: docs/analysis.md)",
    },
    {"name": "maps", "description": "The actor map and the gap map, as self-contained HTML pages"},
    {"name": "admin", "description": "Writes: seed files loaded over HTTP, behind the API token"},
    {
        "name": "jobs",
        "description": "Answers of analyses and maps asked for with `Prefer: respond-async`",
    },
    {"name": "meta", "description": "The store in use and whether it answers"},
]


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
            extra["suggestions"] = [{"id": i, "name": name} for i, name in error.suggestions]
        if isinstance(error, SeedValidationFailed):
            extra["problems"] = [_problem(problem) for problem in error.errors]
        kind, message = type(error).__name__, _public_message(error)
        if message != str(error):  # the whole story, paths and driver text, for the server
            level = logging.WARNING if isinstance(error, StoreUnavailable) else logging.ERROR
            _log.log(level, "%s %s: %s: %s", request.method, request.url.path, kind, error)
        return _error(_status_of(error), kind, message, **extra)

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


_STORE_MESSAGES: dict[type[MapperError], str] = {
    StoreMissing: "there is no store yet; load seed files into it first",
    LoadInProgress: "another load is being written to the store; try again when it is done",
    StoreUnavailable: "the store cannot be reached; try again shortly",
    StoreCorrupt: "the store is damaged and cannot answer this; the server's log says what is "
    "wrong",
    LoadTooLarge: "this load is too large for one transaction of the store; load the seed files "
    "in parts",
    StoreError: "the store failed; the server's log says why",
}


def _public_message(error: MapperError) -> str:
    """What a client is told of `error`: for a StoreError, a fixed message of its class, since
    its own names the store's file or address and quotes SQLite, the Neo4j driver or stored
    records (the server logs that; the CLI, run by whoever owns the store, shows it all)."""
    for kind in type(error).__mro__:
        if kind in _STORE_MESSAGES:
            return _STORE_MESSAGES[kind]
    return str(error)


def _problem(problem: SeedFileError) -> dict[str, Any]:
    """One seed file problem with its parts apart: file, line, field, problem, message."""
    return {
        "file": problem.path,
        "line": problem.line,
        "field": problem.field,
        "problem": problem.problem,
        "message": str(problem),
    }


def _stopping(service: MapperService) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's lifespan: at start, what is loaded is frozen for the garbage collector; when
    the server stops, so do the service's analysis workers (before uvicorn re-raises a SIGTERM
    it caught, which ends the process without clean-up)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, the app) lives as long as the server: frozen, a
        # full collection skips it (a bare route's p99 under 16 clients: 138 -> 25 ms,
        # bench/RESULTS.md).
        with paused_gc(freeze=True):
            pass
        yield
        service.stop_work()

    return lifespan


def create_app(service: MapperService, settings: APISettings | None = None) -> FastAPI:
    """The API over `service`; routers are added here, each a thin layer over the service.

    `settings` holds the write token and the upload limit; without it writes are disabled.
    """
    from api.routes import admin, analysis, records

    app = FastAPI(
        title="Ecosystem mapper",
        version=__version__,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        responses=ERROR_RESPONSES,
        docs_url=None,  # served by _install_docs from vendored files, not from a CDN
        redoc_url=None,
        dependencies=[Depends(known_parameters)],
        lifespan=_stopping(service),
    )
    app.state.service = service
    app.state.api_settings = settings or APISettings()
    app.state.jobs = Jobs()
    _install_error_handlers(app)
    _install_work_handlers(app)
    from api.routes import jobs, maps

    heavy = heavy_routes([records.router, analysis.router, maps.router])
    app.add_middleware(HeavyRequests, heavy=heavy, jobs=app.state.jobs)  # inside the headers
    app.add_middleware(SecurityHeaders)
    app.include_router(records.router)
    app.include_router(analysis.router)

    app.include_router(maps.router)
    app.include_router(jobs.router)
    app.include_router(admin.router)
    _install_docs(app)
    _json_errors_in_openapi(app)
    return app


class SecurityHeaders:
    """SECURITY_HEADERS and a Content-Security-Policy on every answer, errors included (pure
    ASGI: the request's messages pass untouched, so a client's disconnect is seen inside)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if "content-security-policy" not in headers:
                    policy = content_security_policy(headers.get("content-type", ""))
                    headers["Content-Security-Policy"] = policy
            await send(message)

        await self.app(scope, receive, secured)


def _install_work_handlers(app: FastAPI) -> None:
    """WorkRefused (mapper.workers): 503, with Retry-After when a retry may work."""

    @app.exception_handler(WorkRefused)
    async def refused(request: Request, error: WorkRefused) -> JSONResponse:
        response = _error(503, type(error).__name__, str(error))
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response


def _install_docs(app: FastAPI) -> None:
    """/docs, its OAuth2 redirect and /redoc, as FastAPI's defaults but with every file served
    from api/static/vendor at /static/api-docs: no CDN, no Google Fonts, no online validator."""
    app.mount(_DOCS_STATIC, StaticFiles(directory=_DOCS_FILES), name="api-docs")
    swagger = API_DOCS_VERSIONS["swagger-ui-dist"]
    redoc = API_DOCS_VERSIONS["redoc"]
    redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_swagger_ui_html(
            openapi_url=root + str(app.openapi_url),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{_DOCS_STATIC}/swagger-ui-bundle.js?v={swagger}",
            swagger_css_url=f"{root}{_DOCS_STATIC}/swagger-ui.css?v={swagger}",
            swagger_favicon_url=f"{root}{_DOCS_STATIC}/favicon-32x32.png",
            oauth2_redirect_url=root + redirect,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters={"validatorUrl": None, **(app.swagger_ui_parameters or {})},
        )

    @app.get(redirect, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        return get_redoc_html(
            openapi_url=root + str(app.openapi_url),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{_DOCS_STATIC}/redoc.standalone.js?v={redoc}",
            redoc_favicon_url=f"{root}{_DOCS_STATIC}/favicon-32x32.png",
            with_google_fonts=False,
        )


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
