"""Public sources and tables in, as rows: the adapters of `mapper import`.

    import_rows("cordis", [folder], sectors={"OTH": "unknown"}, funding=True)
    import_rows("table", [table], mapping=Path("mapping.toml"))

Each adapter turns its input into the same `Row`s seed files give (ingest.rows), so an import
is validated and loaded exactly as a seed file is, all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ingest.cordis import cordis_rows
from ingest.rows import Row
from ingest.table import table_rows
from mapper.errors import InvalidParameter, SeedFileError

__all__ = ["SOURCES", "import_rows"]

SOURCES: dict[str, str] = {
    "cordis": "CORDIS organization and project files (JSON or ;-separated CSV), H2020 and "
    "Horizon Europe",
    "table": "a membership table (CSV or XLSX, one row per actor and collaboration) with a TOML "
    "mapping of its columns",
}
"""The sources `mapper import` reads, and what each is."""

_Rows = Iterable[Row | SeedFileError]


def import_rows(source: str, paths: list[Path], **options: Any) -> list[tuple[str, _Rows]]:
    """(how messages name the input, its rows) for `source`'s adapter over `paths`.

    Raises InvalidParameter for an unknown source, an option it does not take, or a table
    without its mapping."""
    if source == "cordis":
        _only(options, {"sectors", "funding"})
        return [(", ".join(map(str, paths)), cordis_rows(paths, **options))]
    if source == "table":
        _only(options, {"mapping"})
        mapping = options.get("mapping")
        if mapping is None:
            raise InvalidParameter("mapping", "a table needs its mapping file (--mapping)")
        return [(str(path), table_rows(path, Path(mapping), shown=str(path))) for path in paths]
    raise InvalidParameter("source", f"{source!r} is not one of {', '.join(SOURCES)}")


def _only(options: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InvalidParameter(unknown[0], f"is not an option of this source; expected {allowed}")
