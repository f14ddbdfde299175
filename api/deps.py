"""What route handlers receive: the service, and a tabular answer as JSON or CSV."""

from __future__ import annotations

import difflib
import inspect
import io
import json
import typing
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from mapper.errors import InvalidParameter
from mapper.filters import options
from mapper.service import (
    LIMITS,
    ActorFilter,
    CollaborationFilter,
    MapperService,
    Scope,
    csv_line,
    defuse_formulas,
)

_F = TypeVar("_F")

__all__ = [
    "ActorFilterDep",
    "CollaborationFilterDep",
    "Format",
    "FormatQuery",
    "PermutationsQuery",
    "ScopeDep",
    "SeedQuery",
    "ServiceDep",
    "csv_response",
    "filter_dependency",
    "known_parameters",
]


async def known_parameters(request: Request) -> None:
    """Refuse a query parameter the route does not take (a 422 naming it, with the nearest
    one it takes and all of them): `/actors?sectr=public` would otherwise answer as if no
    filter were given. Every route gets this as an app-wide dependency."""
    route = request.scope.get("route")
    if route is None or not request.query_params:
        return
    taken = _taken(route)
    unknown = sorted(set(request.query_params) - taken)
    if not unknown:
        return
    hints = []
    for name in unknown[:5]:
        near = difflib.get_close_matches(name[:100], sorted(taken), n=1, cutoff=0.6)
        shown = name if len(name) <= 40 else name[:40] + "…"
        hints.append(f"{shown!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    if len(unknown) > 5:
        hints.append(f"and {len(unknown) - 5} more")
    takes = ", ".join(sorted(taken)) if taken else "no query parameters"
    raise InvalidParameter(
        unknown[0][:40],
        f"{request.url.path} does not take the query parameter(s) {', '.join(hints)}; "
        f"it takes {takes}",
    )


_TAKEN: dict[int, frozenset[str]] = {}


def _taken(route: Any) -> frozenset[str]:
    """The query parameters a route takes, its dependencies' included (computed once)."""
    key = id(route)
    if key not in _TAKEN:
        names: set[str] = set()
        pending = [getattr(route, "dependant", None)]
        while pending:
            dependant = pending.pop()
            if dependant is not None:
                names.update(field.alias for field in dependant.query_params)
                pending.extend(dependant.dependencies)
        _TAKEN[key] = frozenset(names)
    return _TAKEN[key]


async def _service(request: Request) -> MapperService:
    return request.app.state.service


ServiceDep = Annotated[MapperService, Depends(_service)]


def _query_type(kind: Any) -> Any:
    """A filter's type as a query parameter: a tuple of values becomes a repeatable list."""
    members = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    if typing.get_origin(members[0] if members else kind) is tuple:
        item = typing.get_args(members[0])[0]
        return list[item] | None  # type: ignore[valid-type]
    return kind


def filter_dependency(filter_set: type[_F]) -> Callable[..., _F]:
    """A FastAPI dependency that reads the query parameters a filter set declares
    (mapper.filters) and makes the filter set, which checks them."""
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=default,
            annotation=Annotated[
                _query_type(kind),
                Query(
                    description=details.description,
                    ge=details.low,
                    le=details.high,
                    max_length=details.max_length,
                ),
            ],
        )
        for name, kind, default, details in options(filter_set)
    ]

    async def dependency(**values: Any) -> _F:
        return filter_set(
            **{name: tuple(v) if isinstance(v, list) else v for name, v in values.items()}
        )

    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    dependency.__name__ = f"{filter_set.__name__}_query"
    return dependency


ScopeDep = Annotated[Scope, Depends(filter_dependency(Scope))]
ActorFilterDep = Annotated[ActorFilter, Depends(filter_dependency(ActorFilter))]
CollaborationFilterDep = Annotated[
    CollaborationFilter, Depends(filter_dependency(CollaborationFilter))
]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


PermutationsQuery = Annotated[
    int,
    Query(
        ge=1,
        le=LIMITS.permutations,
        description="Shuffles of the gaps' null model; more give finer p-values "
        f"(count, 1-{LIMITS.permutations})",
    ),
]
SeedQuery = Annotated[
    int,
    Query(
        ge=0,
        le=2**32 - 1,
        description="Random seed of the shuffles: the same seed, the same answer "
        "(integer, 0 to 2^32-1)",
    ),
]

FormatQuery = Annotated[
    Format, Query(description="`csv` for a CSV table instead of JSON, where the answer is a table")
]


def _cell(value: Any) -> str:
    """A CSV cell; lists and maps as JSON; numbers as they are; every formula a spreadsheet
    would see, at the start or after a `,` or `;`, neutralised with ' as seed CSV does it."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if _is_number(text) else defuse_formulas(text)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(
    rows: Iterable[dict[str, Any]],
    columns: list[str],
    filename: str,
    *,
    asked: dict[str, Any] | None = None,
) -> Response:
    """Rows as a spreadsheet-safe CSV download (UTF-8 with BOM, so Excel reads å, ä, ö).

    `asked` (an answer's `scope`) comes first as comment lines, `# filters: {...}` and so on,
    one a key, the value as JSON: a CSV keeps the question it answers (read it with
    `comment="#"` in pandas, or skip the lines starting with `#`)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    for key, value in (asked or {}).items():
        buffer.write(f"# {key}: {json.dumps(value, ensure_ascii=False)}\r\n")
    buffer.write(csv_line(columns))  # quotes `;`, CR and LF too, unlike csv.writer
    for row in rows:
        buffer.write(csv_line([_cell(row.get(column)) for column in columns]))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
