"""Seed CSV files: read row by row (UTF-8 with or without BOM, `,` or `;`), and written.

`write_csv` writes cells as they are, and its files read back as the same records. A cell
holding `"`, `,`, `;`, CR or LF is quoted (`;` too, for Excel in a Swedish locale). A cell that
begins with `=`, `+`, `-`, `@` (or their full-width forms, tab or CR) is a formula to a
spreadsheet program, and so is a part of a cell after `,` or `;`, where Excel may split it;
pass `spreadsheet_safe=True` to write files for Excel instead: a BOM so Excel sees UTF-8, and a
`'` before each such part so it stays text. Those files read back as the same records too: the
reader drops one `'` in front of a formula character at the start of a cell or part
(`'=SUM(A1)` reads as `=SUM(A1)`, `a;'=b` as `a;=b`), so a part that really starts with `'=` is
written as `''=` (in both modes). A cell longer than `limits.MAX_CSV_CELL_CHARS` is an error,
a text longer than `limits.MAX_CELL_CHARS` a problem of its field.
"""

from __future__ import annotations

import csv
import difflib
import functools
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import networkx as nx

from ingest.limits import MAX_CSV_CELL_CHARS, LimitExceeded, loads
from ingest.rows import COLUMNS, RECORD_TYPES, REQUIRED_COLUMNS, SOURCE_COLUMNS, Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, Relation, format_external_ids

__all__ = [
    "FORMULA_STARTS",
    "FileNotRead",
    "csv_line",
    "defuse_formulas",
    "not_utf8",
    "read_csv",
    "record_type_of_name",
    "write_csv",
]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What a spreadsheet takes for the start of a formula: = + - @, tab and CR, and the full-width
＝ ＋ － ＠ (Excel converts them), at the start of a cell or of a part after `,` or `;`."""

csv.field_size_limit(MAX_CSV_CELL_CHARS)  # a bigger cell is a csv.Error, reported with its line

_PREFIXES = {"actors": "actor", "collaborations": "collaboration", "relations": "relation"}
_INTERNED = frozenset({"source", "target", "source_document"})
_BOM = b"\xef\xbb\xbf"


class FileNotRead(SeedFileError):
    """A problem that stops a seed file being read (not UTF-8, empty, a header that does not
    fit): the records after it are unknown. `record_type` is what the file holds, as its name
    or header says; None when neither does.
    """

    def __init__(
        self,
        path: str,
        line: int | None,
        field: str | None,
        problem: str,
        *,
        record_type: str | None = None,
    ):
        super().__init__(path, line, field, problem)
        self.record_type = record_type


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

    A problem that ends the file (not UTF-8, no header, unknown or missing columns) is a
    FileNotRead.
    `shown_as` is how the path appears in messages (default: `path` as given).
    """
    shown = str(shown_as or path)
    record_type = record_type_of_name(Path(path).name)
    try:
        file = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as error:
        yield FileNotRead(
            shown,
            None,
            None,
            f"cannot be read ({error.strerror}); check that you may read it",
            record_type=record_type,
        )
        return
    with file:
        try:
            yield from _rows(file, Path(path).name, shown)
        except UnicodeDecodeError:
            yield _not_utf8(Path(path), shown, record_type)


def _rows(file: TextIO, name: str, shown: str) -> Iterator[Row | SeedFileError]:
    header = file.readline()
    if not header.strip():
        problem = "the file is empty; expected a header row"
        yield FileNotRead(shown, None, None, problem, record_type=record_type_of_name(name))
        return
    reader = csv.reader(itertools.chain([header], file), delimiter=_delimiter(header))
    try:
        columns = [column.strip().lower() for column in next(reader)]
    except csv.Error as error:
        yield FileNotRead(shown, 1, None, _unreadable(error), record_type=record_type_of_name(name))
        return
    record_type = record_type_of_name(name) or _record_type_of_header(columns)
    if record_type is None:
        yield FileNotRead(shown, 1, None, _unknown_header(columns))
        return
    problems = _header_problems(columns, record_type, shown)
    if problems:
        yield from problems
        return
    yield from _records(reader, columns, record_type, shown)


def _records(
    reader: Any, columns: list[str], record_type: str, shown: str
) -> Iterator[Row | SeedFileError]:
    to_fields = _fields_of(columns, shown)
    last_line = reader.line_num
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if len(cells) != len(columns):
                if any(cell.strip() for cell in cells):
                    yield SeedFileError(shown, line, None, _cell_count(len(cells), len(columns)))
                continue
            fields = to_fields(cells, line)
            if isinstance(fields, SeedFileError):
                yield fields
            elif fields:
                yield Row(record_type, line, fields, "csv")
    except csv.Error as error:  # a cell over the limit (the reader cannot go on after it)
        yield FileNotRead(shown, last_line + 1, None, _unreadable(error), record_type=record_type)


def _unreadable(error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return (
            f"a cell is longer than {MAX_CSV_CELL_CHARS:,} characters, the most a cell may hold "
            "(is a quote left open?); the rest of the file is not read"
        )
    return f"cannot read the row ({error}); the rest of the file is not read"


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


def _header_problems(columns: list[str], record_type: str, shown: str) -> list[FileNotRead]:
    expected = COLUMNS[record_type]
    problem_at = functools.partial(FileNotRead, shown, 1, record_type=record_type)
    problems = []
    for column in dict.fromkeys(columns):
        if not column:
            problem = "a column has no name; remove the delimiter at the end of the header"
            problems.append(problem_at(None, problem))
        elif column not in expected:
            problems.append(problem_at(column, _unknown_column(column, expected)))
        elif columns.count(column) > 1:
            problems.append(problem_at(column, "the column appears more than once"))
    for column in REQUIRED_COLUMNS[record_type]:
        if column not in columns:
            needed = ", ".join(REQUIRED_COLUMNS[record_type])
            problem = f"missing column; a file of {record_type}s needs the columns {needed}"
            problems.append(problem_at(column, problem))
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


def _not_utf8(path: Path, shown: str, record_type: str | None) -> FileNotRead:
    advice = 'save it again as UTF-8, e.g. in Excel with Save As > "CSV UTF-8 (Comma delimited)"'
    return not_utf8(path.read_bytes(), shown, record_type=record_type, advice=advice)


def not_utf8(
    data: bytes, shown: str, *, line: int = 1, record_type: str | None, advice: str
) -> FileNotRead:
    r"""The problem of a seed file that is not UTF-8 text: the line of the first byte that is
    not, what the file looks like instead, and `advice`. `data` are the file's bytes from the
    start of `line` on.

    >>> error = not_utf8(b"id\nk\xf6", "a.csv", record_type=None, advice="save it as UTF-8")
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    a.csv:2: the file is not UTF-8 text (byte 0xf6 is not UTF-8, it looks like Windows-1252 or
    Latin-1); save it as UTF-8
    """
    data = data.removeprefix(_BOM)  # so that the error's offsets are offsets in `data`
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line += data.count(b"\n", 0, error.start)
        byte = data[error.start : error.start + 1]
    else:  # pragma: no cover - the readers only call this after a decoding error
        byte = b""
    return FileNotRead(
        shown,
        line,
        None,
        f"the file is not UTF-8 text (byte 0x{byte.hex()} is not UTF-8{_guess(data)}); {advice}",
        record_type=record_type,
    )


def _guess(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        return ", it looks like a binary file, not text"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return ", it looks like Windows-1252 or Latin-1" if any(c in text for c in "åäöÅÄÖé") else ""


# -- cells to fields -----------------------------------------------------------------------------


def _fields_of(
    columns: list[str], shown: str
) -> Callable[[list[str], int], dict[str, Any] | SeedFileError]:
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

    def fields_of(cells: list[str], line: int) -> dict[str, Any] | SeedFileError:
        cleaned = zip(columns, map(str.strip, cells), strict=True)
        fields = {column: value for column, value in cleaned if value}
        if "'" in "".join(cells):  # seldom: one search instead of a look at each cell
            for column, value in fields.items():
                if "'" in value:
                    fields[column] = _unquoted(value)
        for column in interned:
            if column in fields:
                fields[column] = sys.intern(fields[column])
        source = {name: fields.pop(column) for column, name in sources if column in fields}
        if source:
            fields["sources"] = [source]
        if has_data and "data" in fields:
            # Text that is not JSON stays text: the validator then says why it is no JSON object.
            try:
                fields["data"] = loads(fields["data"])
            except json.JSONDecodeError:
                pass
            except LimitExceeded as error:
                return SeedFileError(shown, line, "data", str(error))
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
    escape = defuse_formulas if spreadsheet_safe else _kept
    with open(path, "w", encoding=encoding, newline="") as file:
        file.write(csv_line(columns))
        for record in records:
            for cells in _record_rows(record, columns):
                file.write(csv_line([escape(cell) for cell in cells]))


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


def csv_line(cells: list[str]) -> str:
    r"""One CSV row, CRLF-terminated, with every cell quoted that holds `"`, `,`, `;`, CR or LF.

    `;` too, since Excel in a Swedish locale splits at it; csv.writer would leave it bare.

    >>> csv_line(["a", "b;c", "d\re", 'say "hi" twice'])
    'a,"b;c","d\re","say ""hi"" twice"\r\n'
    """
    line = ",".join(cells)
    if _SPECIAL.search(line) is None and line.count(",") == len(cells) - 1:
        return line + "\r\n"  # the common row: no cell needs quotes
    return ",".join(_quoted(cell) for cell in cells) + "\r\n"


_SPECIAL = re.compile(r'[";\r\n]')
_QUOTED = re.compile(r'[",;\r\n]')
_SEPARATORS = re.compile(r"([,;])")


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if _QUOTED.search(cell) else cell


def defuse_formulas(cell: str) -> str:
    """`cell` with a `'` in front of each part (the cell, and each piece after a `,` or `;`)
    that a spreadsheet takes for a formula; `_unquoted` undoes it.

    >>> defuse_formulas("=cmd|' /C calc'!A0"), defuse_formulas("'=x"), defuse_formulas("'q'")
    ("'=cmd|' /C calc'!A0", "''=x", "'q'")
    >>> defuse_formulas("Kommun;=cmd|' /C calc'!A0;x"), defuse_formulas("\uff1dSUM(A1)")
    ("Kommun;'=cmd|' /C calc'!A0;x", "'\uff1dSUM(A1)")
    """
    if not _maybe_formula(cell):
        return cell
    return "".join("'" + part if _starts_formula(part) else part for part in _parts(cell))


def _kept(cell: str) -> str:
    """`cell`, with a `'` in front only of the parts where the reader would otherwise drop one.

    >>> _kept("=SUM(A1)"), _kept("'=x"), _kept("'quoted'"), _kept("a;'=x")
    ('=SUM(A1)', "''=x", "'quoted'", "a;''=x")
    """
    if "'" not in cell:
        return cell
    return "".join("'" + part if _drops_quote(part) else part for part in _parts(cell))


def _unquoted(cell: str) -> str:
    """A cell as written before `defuse_formulas`: one `'` less in front of each part that
    starts with `'` and then (after any more `'`) a formula character.

    >>> _unquoted("'=SUM(A1)"), _unquoted("''=x"), _unquoted("'quoted'"), _unquoted("a;'=x")
    ('=SUM(A1)', "'=x", "'quoted'", 'a;=x')
    """
    return "".join(part[1:] if _drops_quote(part) else part for part in _parts(cell))


def _parts(cell: str) -> list[str]:
    """The pieces of a cell between `,` and `;`, with the separators kept between them."""
    return _SEPARATORS.split(cell) if ("," in cell or ";" in cell) else [cell]


def _starts_formula(part: str) -> bool:
    return part.lstrip("'").startswith(FORMULA_STARTS)


def _drops_quote(part: str) -> bool:
    return part[:1] == "'" and part.lstrip("'").startswith(FORMULA_STARTS)


_FORMULA_ANYWHERE = re.compile("[" + re.escape("".join(FORMULA_STARTS)) + "]")


def _maybe_formula(cell: str) -> bool:
    """False for most cells: no formula character anywhere, so no part starts with one."""
    return _FORMULA_ANYWHERE.search(cell) is not None
