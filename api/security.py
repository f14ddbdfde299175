"""Who may write over HTTP, and how much: the API token and the upload size limit.

Reads are public. A write (`POST /load`) needs `Authorization: Bearer <token>` matching
MAPPER_API_TOKEN; with no token configured, writes over HTTP are disabled. Uploads are limited to
`max_upload_bytes` (MAPPER_MAX_UPLOAD_BYTES, default 50 MB), counted while the body streams in.

Configuration is read once, at the edge (`APISettings.from_env()` in `mapper serve`), and passed
to `create_app(service, settings)`; handlers read it from `app.state.api_settings`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.types import Message

__all__ = [
    "DEFAULT_MAX_UPLOAD_BYTES",
    "MIN_TOKEN_CHARS",
    "SECURITY_HEADERS",
    "APISettings",
    "RequestRefused",
    "WriteAccess",
    "api_settings",
    "content_security_policy",
    "limited_request",
    "require_token",
]

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MIN_TOKEN_CHARS = 32
"""The shortest MAPPER_API_TOKEN taken: a short one is guessed."""


# Headers on every answer. JSON gets nothing to run or embed; the pages (maps, /docs, /redoc)
# run their own inline scripts (and the vendored libraries evaluate strings: 'unsafe-eval') and
# load only from this server. Nothing may frame any of it.
_FRAMING = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_CSP_JSON = f"default-src 'none'; {_FRAMING}"
_CSP_PAGE = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob:; worker-src 'self' blob:; connect-src 'self'; {_FRAMING}"
)


def content_security_policy(content_type: str) -> str:
    """The Content-Security-Policy of an answer of this media type."""
    return _CSP_PAGE if content_type.startswith("text/html") else _CSP_JSON


class RequestRefused(Exception):
    """A request the API refuses before doing any work: 401, 403, 413 or 415.

    Rendered in the API's one error shape, with `headers` (e.g. WWW-Authenticate) added.
    """

    def __init__(self, status: int, kind: str, message: str, headers: Mapping[str, str] = {}):
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = dict(headers)
        super().__init__(message)


@dataclass(frozen=True)
class APISettings:
    """What the HTTP API needs beyond the store: the write token and the upload limit."""

    api_token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> APISettings:
        """MAPPER_API_TOKEN and MAPPER_MAX_UPLOAD_BYTES. Raises ValueError on a bad limit or a
        token shorter than MIN_TOKEN_CHARS."""
        env = os.environ if env is None else env
        token = env.get("MAPPER_API_TOKEN") or None
        if token is not None and len(token) < MIN_TOKEN_CHARS:
            raise ValueError(
                f"MAPPER_API_TOKEN is {len(token)} characters long; use at least "
                f"{MIN_TOKEN_CHARS}, e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`"
            )
        limit = env.get("MAPPER_MAX_UPLOAD_BYTES", "").strip()
        if limit and not (limit.isdigit() and int(limit) > 0):
            raise ValueError(
                f"MAPPER_MAX_UPLOAD_BYTES={limit!r} is not a positive whole number of bytes"
            )
        return cls(
            api_token=token,
            max_upload_bytes=int(limit) if limit else DEFAULT_MAX_UPLOAD_BYTES,
        )

    @property
    def writes_enabled(self) -> bool:
        return bool(self.api_token)


def api_settings(request: Request) -> APISettings:
    return request.app.state.api_settings


def require_token(request: Request) -> APISettings:
    """Let the request through only with the configured bearer token.

    Raises RequestRefused: 403 when no token is configured (writes disabled), 401 with
    `WWW-Authenticate: Bearer` when the token is missing or wrong.
    """
    settings = api_settings(request)
    if not settings.writes_enabled:
        raise RequestRefused(
            403,
            "WritesDisabled",
            "writes over HTTP are disabled on this server; set MAPPER_API_TOKEN before "
            "`mapper serve` to enable them, or load files with `mapper load`",
        )
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Header values arrive as latin-1 text: back to the bytes sent, so a UTF-8 token matches too.
    sent = given.strip().encode("latin-1", errors="replace")
    expected = settings.api_token.encode()  # type: ignore[union-attr]
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent, expected):
        problem = "no bearer token was sent" if not given else "the bearer token is wrong"
        raise RequestRefused(
            401,
            "Unauthorized",
            f"{problem}; send the header 'Authorization: Bearer <MAPPER_API_TOKEN>'",
            headers={"WWW-Authenticate": 'Bearer realm="mapper"'},
        )
    return settings


WriteAccess = Annotated[APISettings, Depends(require_token)]


def _too_large(limit: int) -> RequestRefused:
    return RequestRefused(
        413,
        "UploadTooLarge",
        f"the upload is larger than the limit of {limit} bytes; split it into smaller loads "
        "or raise MAPPER_MAX_UPLOAD_BYTES on the server",
    )


def limited_request(request: Request, limit: int) -> Request:
    """`request` with a body that raises RequestRefused (413) once more than `limit` bytes came.

    A Content-Length above the limit is refused before anything is read; otherwise the bytes
    are counted as they stream in, so a chunked upload is cut off at the limit, not after it.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise _too_large(limit)
        return message

    return Request(request.scope, receive=receive)
