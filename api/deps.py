"""What route handlers receive: the service, and a tabular answer as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from mapper.service import ACTOR_RELATION_TYPES, MapperService, Scope

__all__ = ["Format", "FormatQuery", "ScopeDep", "ServiceDep", "csv_response"]


def _service(request: Request) -> MapperService:
    return request.app.state.service


ServiceDep = Annotated[MapperService, Depends(_service)]


ActorRelationType = StrEnum(  # type: ignore[misc]
    "ActorRelationType", {name: name for name in ACTOR_RELATION_TYPES}
)


def _scope(
    region: Annotated[
        str | None,
        Query(max_length=200, description="Only this county: `Skåne län`, `Region Skåne` or `12`"),
    ] = None,
    year_from: Annotated[
        int | None, Query(ge=1800, le=2200, description="Only links active from this year")
    ] = None,
    year_to: Annotated[
        int | None, Query(ge=1800, le=2200, description="Only links active up to this year")
    ] = None,
    relation_types: Annotated[
        list[ActorRelationType] | None,
        Query(description="Direct relations that link two actors (repeatable); default all four"),
    ] = None,
    shared_collaborations: Annotated[
        bool, Query(description="Link actors that take part in the same collaboration")
    ] = True,
) -> Scope:
    """The actor graph's parameters, common to every analysis endpoint and map."""
    return Scope(
        relation_types=tuple(relation_types) if relation_types else None,
        shared_collaborations=shared_collaborations,
        region=region or None,
        year_from=year_from,
        year_to=year_to,
    )


ScopeDep = Annotated[Scope, Depends(_scope)]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


FormatQuery = Annotated[
    Format, Query(description="`csv` for a CSV table instead of JSON, where the answer is a table")
]

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    """A CSV cell; lists and maps as JSON; a leading formula character is neutralised with '."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_response(rows: Iterable[dict[str, Any]], columns: list[str], filename: str) -> Response:
    """Rows as a spreadsheet-safe CSV download (UTF-8 with BOM, so Excel reads å, ä, ö)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )
