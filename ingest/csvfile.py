"""Seed CSV files: read row by row (UTF-8 with or without BOM, `,` or `;`), and written.

`write_csv` writes cells as they are, and its files read back as the same records. A cell that
begins with `=`, `+`, `-` or `@` is a formula to a spreadsheet program; pass
`spreadsheet_safe=True` to write files for Excel instead: a BOM so Excel sees UTF-8, and a `'`
before such cells so they stay text. Those files read back as the same records too: the reader
drops one `'` in front of a formula character (`'=SUM(A1)` reads as `=SUM(A1)`), so a cell that
really starts with `'=` is written as `''=` (in both modes).
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import itertools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import networkx as nx

from ingest.rows import COLUMNS, RECORD_TYPES, REQUIRED_COLUMNS, SOURCE_COLUMNS, Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, Relation, format_external_ids

__all__ = ["FORMULA_STARTS", "read_csv", "record_type_of_name", "write_csv"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_PREFIXES = {"actors": "actor", "collaborations": "collaboration", "relations": "relation"}
_INTERNED = frozenset({"source", "target", "source_document"})


def record_type_of_name(name: str) -> str | None:
    """The record type a file name promises: `actors*.csv` holds actors, and so on.

    >>> record_type_of_name("relations-2018.csv"), record_type_of_name("seed.csv")
    ('relation', None)
    """
    for prefix, record_type in _PREFIXES.items():
        if name.lower().startswith(prefix):
            return record_type
    return None


def read_csv(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Yield a Row per record of a seed CSV file, and a SeedFileError per unreadable row.

    Problems with the header (unknown or missing columns) are yielded and end the file.
    `shown_as` is how the path appears in messages (default: `path` as given).
    """
    shown = str(shown_as or path)
    with open(path, encoding="utf-8-sig", newline="") as file:
        try:
            yield from _rows(file, Path(path).name, shown)
        except UnicodeDecodeError:
            yield _not_utf8(Path(path), shown)


def _rows(file: TextIO, name: str, shown: str) -> Iterator[Row | SeedFileError]:
    header = file.readline()
    if not header.strip():
        yield SeedFileError(shown, None, None, "the file is empty; expected a header row")
        return
    reader = csv.reader(itertools.chain([header], file), delimiter=_delimiter(header))
    columns = [column.strip().lower() for column in next(reader)]
    record_type = record_type_of_name(name) or _record_type_of_header(columns)
    if record_type is None:
        yield SeedFileError(shown, 1, None, _unknown_header(columns))
        return
    problems = _header_problems(columns, record_type, shown)
    if problems:
        yield from problems
        return
    yield from _records(reader, columns, record_type, shown)


def _records(
    reader: Any, columns: list[str], record_type: str, shown: str
) -> Iterator[Row | SeedFileError]:
    to_fields = _fields_of(columns)
    last_line = reader.line_num
    for cells in reader:
        line, last_line = last_line + 1, reader.line_num
        if len(cells) != len(columns):
            if any(cell.strip() for cell in cells):
                yield SeedFileError(shown, line, None, _cell_count(len(cells), len(columns)))
            continue
        fields = to_fields(cells)
        if fields:
            yield Row(record_type, line, fields, "csv")


def _delimiter(header: str) -> str:
    """`;` when the header has more semicolons than commas (Excel in a Swedish locale)."""
    return ";" if header.count(";") > header.count(",") else ","


def _record_type_of_header(columns: list[str]) -> str | None:
    """The first record type whose required columns the header has."""
    for record_type in RECORD_TYPES:
        if set(REQUIRED_COLUMNS[record_type]) <= set(columns):
            return record_type
    return None


def _unknown_header(columns: list[str]) -> str:
    return (
        f"cannot tell which records this file holds from its name or its header "
        f"({', '.join(columns)}); name it actors*.csv, collaborations*.csv or relations*.csv, "
        "or give it the header of one of them (see docs/seed-format.md)"
    )


def _header_problems(columns: list[str], record_type: str, shown: str) -> list[SeedFileError]:
    expected = COLUMNS[record_type]
    problems = []
    for column in dict.fromkeys(columns):
        if not column:
            problem = "a column has no name; remove the delimiter at the end of the header"
            problems.append(SeedFileError(shown, 1, None, problem))
        elif column not in expected:
            problems.append(SeedFileError(shown, 1, column, _unknown_column(column, expected)))
        elif columns.count(column) > 1:
            problems.append(SeedFileError(shown, 1, column, "the column appears more than once"))
    for column in REQUIRED_COLUMNS[record_type]:
        if column not in columns:
            needed = ", ".join(REQUIRED_COLUMNS[record_type])
            problem = f"missing column; a file of {record_type}s needs the columns {needed}"
            problems.append(SeedFileError(shown, 1, column, problem))
    return problems


def _unknown_column(column: str, expected: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(column, expected, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown column; {hint}expected columns are {', '.join(expected)}"


def _cell_count(found: int, expected: int) -> str:
    return (
        f"the row has {found} cells but the header has {expected} columns; "
        "put a cell that contains the delimiter or a line break in double quotes"
    )


def _not_utf8(path: Path, shown: str) -> SeedFileError:
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1]
    else:  # pragma: no cover - the reader only calls this after a decoding error
        line, byte = None, b""
    return SeedFileError(
        shown,
        line,
        None,
        f"the file is not UTF-8 text (byte 0x{byte.hex()} is not UTF-8{_guess(data)}); "
        'save it again as UTF-8, e.g. in Excel with Save As > "CSV UTF-8 (Comma delimited)"',
    )


def _guess(data: bytes) -> str:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return ", it looks like Windows-1252 or Latin-1" if any(c in text for c in "åäöÅÄÖé") else ""


# -- cells to fields -----------------------------------------------------------------------------


def _fields_of(columns: list[str]) -> Callable[[list[str]], dict[str, Any]]:
    """The function from a row's cells to its fields, for a file with these columns.

    Empty cells are left out ("not given"), the others stripped. Ids and other often repeated
    cells are interned (a million relations name far fewer ids); the source_* cells go into
    `sources`, a list of at most one source; the `data` cell becomes the JSON object it holds.
    The model splits `kinds`, `aliases` and `external_ids` itself, at `|`.
    """
    interned = [column for column in columns if column in _INTERNED]
    sources = [(column, column.removeprefix("source_")) for column in SOURCE_COLUMNS]
    sources = [(column, name) for column, name in sources if column in columns]
    has_data = "data" in columns

    def fields_of(cells: list[str]) -> dict[str, Any]:
        cleaned = zip(columns, map(str.strip, cells), strict=True)
        fields = {column: value for column, value in cleaned if value}
        if "'" in "".join(cells):  # seldom: one search instead of a look at each cell
            for column, value in fields.items():
                if value[0] == "'":
                    fields[column] = _unquoted(value)
        for column in interned:
            if column in fields:
                fields[column] = sys.intern(fields[column])
        source = {name: fields.pop(column) for column, name in sources if column in fields}
        if source:
            fields["sources"] = [source]
        if has_data and "data" in fields:
            # Text that is not JSON stays text: the validator then says why it is no JSON object.
            with contextlib.suppress(json.JSONDecodeError):
                fields["data"] = json.loads(fields["data"])
        return fields

    return fields_of


# -- writing -------------------------------------------------------------------------------------


def write_csv(
    G: nx.MultiDiGraph, folder: str | Path, *, spreadsheet_safe: bool = False
) -> list[Path]:
    """Write actors.csv, collaborations.csv and relations.csv of a snapshot graph to `folder`.

    A record with several sources gets one row per source. Returns the paths written.
    """
    batch = batch_from_graph(G)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"actor": batch.actors, "collaboration": batch.collaborations}
    tables["relation"] = batch.relations
    paths = []
    for record_type, records in tables.items():
        path = folder / f"{record_type}s.csv"
        _write_table(path, COLUMNS[record_type], records, spreadsheet_safe)
        paths.append(path)
    return paths


def _write_table(
    path: Path,
    columns: tuple[str, ...],
    records: list[Actor] | list[Collaboration] | list[Relation],
    spreadsheet_safe: bool,
) -> None:
    encoding = "utf-8-sig" if spreadsheet_safe else "utf-8"
    escape = _safe if spreadsheet_safe else _kept
    with open(path, "w", encoding=encoding, newline="") as file:
        # CRLF, as RFC 4180 has it: the writer then quotes a cell with a lone CR too (it quotes
        # the characters of its line terminator), which the reader would take for a line break
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(columns)
        for record in records:
            for cells in _record_rows(record, columns):
                writer.writerow([escape(cell) for cell in cells])


def _record_rows(
    record: Actor | Collaboration | Relation, columns: tuple[str, ...]
) -> Iterator[list[str]]:
    """One row per source (one row with empty source cells when there is none)."""
    cells = [
        format_external_ids(record.external_ids)
        if column == "external_ids"
        else _cell(getattr(record, column))
        for column in columns
        if column not in SOURCE_COLUMNS
    ]
    for source in record.sources or (None,):
        if source is None:
            yield [*cells, "", "", ""]
        else:
            yield [*cells, _cell(source.document), _cell(source.quote), _cell(source.url)]


def _cell(value: Any) -> str:
    """A field as seed CSV writes it: `|`-joined lists, JSON objects, whole numbers bare.

    >>> _cell(150000000.0), _cell(("organisation", "funder")), _cell({}), _cell(None)
    ('150000000', 'organisation|funder', '', '')
    """
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "|".join(_cell(part) for part in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else ""
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}"
    return str(getattr(value, "value", value))


def _safe(cell: str) -> str:
    """`cell` with a `'` in front if a spreadsheet takes it as a formula; `_unquoted` undoes it.

    >>> _safe("=cmd|' /C calc'!A0"), _safe("'=x"), _safe("'quoted'")
    ("'=cmd|' /C calc'!A0", "''=x", "'quoted'")
    """
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def _kept(cell: str) -> str:
    """`cell`, with a `'` in front only where the reader would otherwise drop one.

    >>> _kept("=SUM(A1)"), _kept("'=x"), _kept("'quoted'")
    ('=SUM(A1)', "''=x", "'quoted'")
    """
    return "'" + cell if cell[:1] == "'" and cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def _unquoted(cell: str) -> str:
    """A cell as written before `_safe`: one `'` less in front of a formula character.

    >>> _unquoted("'=SUM(A1)"), _unquoted("''=x"), _unquoted("'quoted'")
    ('=SUM(A1)', "'=x", "'quoted'")
    """
    return cell[1:] if cell.lstrip("'").startswith(FORMULA_STARTS) else cell
