"""A membership table (CSV or XLSX: one row per actor in a collaboration), read by its mapping.

`table_rows` reads the table as its TOML mapping says (see ingest/table_mapping.py for the
format) and yields the actors, collaborations and relations of its rows. Ids are slugified from
an id column or, without one, from the names: `Region Skåne` is `region-skane`. Rows that name
the same actor (or collaboration, or relation) are merged: each field takes the first value
given, and two different values of one field are reported with both lines. Every record is
validated here, so a problem is reported in the table's terms: the line (the row number in a
workbook) and the column as its header says. `init_mapping` writes a mapping to start from.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from ingest.messages import problem_of
from ingest.rows import MODELS, Row
from ingest.table_mapping import (
    CHOICES,
    FIELDS,
    Section,
    TableMapping,
    fold,
    guessed_mapping,
    read_mapping,
)
from ingest.xlsx import XlsxError, sheet_names, xlsx_rows
from mapper.errors import SeedFileError
from mapper.model import slugify

__all__ = ["init_mapping", "table_rows"]

_UNIONS = ("aliases", "source_url")  # fields whose values add up over the rows of a record


def table_rows(
    path: Path, mapping: Path, *, shown: str | None = None
) -> Iterator[Row | SeedFileError]:
    """Yield the actors, collaborations and relations of a membership table, in that order,
    and a SeedFileError for each problem in the table or in its mapping.

    `path` is a .csv or .xlsx file, `mapping` the TOML file that maps its columns. `shown` is
    how `path` appears in messages (default: as given).
    """
    table = _Shown(str(shown or path), str(mapping))
    spec = read_mapping(Path(mapping), table.mapping)
    if isinstance(spec, list):
        yield from spec
        return
    try:
        header, rows = _read_table(Path(path), spec.reading)
        problems = spec.resolve(header, table.table, table.mapping)
        if problems:
            yield from problems
            return
        merger = _Merger(spec, table, len(header) if _is_csv(Path(path)) else None)
        for line, cells in rows:
            merger.add(line, cells)
    except _TableError as error:
        yield SeedFileError(table.table, error.line, None, str(error))
        return
    yield from merger.results()


class _Shown(NamedTuple):
    """How the table and the mapping appear in messages."""

    table: str
    mapping: str


# -- reading the table ----------------------------------------------------------------------------

_Rows = Iterator[tuple[int, list[str]]]


class _TableError(ValueError):
    """The table cannot be read from `line` on (None: at all)."""

    def __init__(self, line: int | None, problem: str):
        self.line = line
        super().__init__(problem)


_WORKBOOKS = (".xlsx", ".xlsm")


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".tsv", ".txt")


def _read_table(path: Path, reading: dict[str, Any]) -> tuple[list[str], _Rows]:
    """The header and the rows after it, read as the mapping's [table] says.

    Raises _TableError, also while the rows are read."""
    if not path.is_file():
        raise _TableError(None, "no such file")
    if _is_csv(path):
        rows = _csv_rows(path, reading)
    elif path.suffix.lower() in _WORKBOOKS:
        rows = _xlsx_rows(path, reading.get("sheet"))
    else:
        suffix = path.suffix or "a file without a suffix"
        raise _TableError(None, f"cannot read {suffix!r}; expected .csv or .xlsx")
    header_row = reading.get("header_row", 1)
    for line, cells in rows:
        if line >= header_row:
            return [cell.strip() for cell in cells], rows
    raise _TableError(None, "the table is empty; expected a header row")


def _xlsx_rows(path: Path, sheet: str | None) -> _Rows:
    try:
        yield from xlsx_rows(path, sheet)
    except XlsxError as error:
        raise _TableError(None, str(error)) from None


def _csv_rows(path: Path, reading: dict[str, Any]) -> _Rows:
    data = path.read_bytes()
    encoding = reading.get("encoding", "utf-8")
    try:
        text = data.decode("utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _TableError(
            line,
            f"the file is not {encoding} text (byte 0x{data[error.start]:02x}); if Excel in "
            'Windows saved it, write encoding = "cp1252" under [table] in the mapping',
        ) from None
    delimiter = reading.get("delimiter") or _sniff(text[:5000])
    return _csv_records(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _csv_records(reader: Any) -> _Rows:
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells
    except csv.Error as error:
        raise _TableError(last_line + 1, f"cannot read the row: {error}") from None


def _sniff(start: str) -> str:
    """The delimiter the first lines use most: , ; or a tab.

    >>> _sniff("Namn;Sektor\\nA;B"), _sniff("a,b"), _sniff("a\\tb")
    (';', ',', '\\t')
    """
    lines = start.splitlines()[:5]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in ",;\t"}
    return max(counts, key=counts.__getitem__) if any(counts.values()) else ","


# -- rows to records ------------------------------------------------------------------------------


class _Cell(NamedTuple):
    """A value and where it was read: a cell (line and column) or a default in the mapping."""

    value: Any
    path: str
    line: int | None
    column: str | None
    reported: bool = False  # a problem with the cell is reported already

    def error(self, problem: str) -> SeedFileError:
        return SeedFileError(self.path, self.line, self.column, problem)


@dataclass
class _Record:
    """The merged rows of one record: each field's first value and where it came from."""

    record_type: str
    section: str  # the section of the mapping it is read by
    key: str
    line: int
    cells: dict[str, _Cell] = field(default_factory=dict)  # field, or "data.key"
    unions: dict[str, dict[str, _Cell]] = field(default_factory=dict)  # aliases, source_url

    def fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, cell in self.cells.items():
            table, dot, key = name.partition(".")
            if dot:
                fields.setdefault(table, {})[key] = cell.value
            else:
                fields[name] = cell.value
        if "aliases" in self.unions:  # a cell may hold several, joined by |
            fields["aliases"] = [
                alias for cell in self.unions["aliases"] for alias in cell.split("|")
            ]
        if "source_url" in self.unions:
            fields["sources"] = [{"url": url} for url in self.unions["source_url"]]
        return fields

    def cell_at(self, loc: tuple) -> _Cell | None:
        """The cell a pydantic error location is about."""
        if not loc:
            return None
        name = loc[0]
        if name in ("external_ids", "data") and len(loc) > 1:
            return self.cells.get(f"{name}.{loc[1]}")
        union = {"sources": "source_url", "aliases": "aliases"}.get(name)
        if union is not None:
            cells = list(self.unions.get(union, {}).values())
            index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
            return cells[index] if index < len(cells) else None
        return self.cells.get(name)


class _Merger:
    """Reads rows into records, merging the rows of one record, and validates the records."""

    def __init__(self, spec: TableMapping, shown: _Shown, width: int | None):
        self.spec, self.shown, self.width = spec, shown, width
        self.records: dict[str, dict[str, _Record]] = {name: {} for name in _RECORD_ORDER}
        self.problems: list[SeedFileError] = []

    def add(self, line: int, cells: list[str]) -> None:
        """Read one row: its actor, its collaboration, and the relation between them."""
        if self.width is not None and any(cell.strip() for cell in cells[self.width :]):
            problem = _cell_count(len(cells), self.width)
            self.problems.append(SeedFileError(self.shown.table, line, None, problem))
            return
        ids = {}
        for name in ("actor", "collaboration"):
            values = self.values(self.spec.sections[name], line, cells)
            record = self.identify(name, values, line)
            if record is not None:
                self.merge(record, values)
                ids[name] = record.key
        if len(ids) == 2:
            values = self.values(self.spec.sections["membership"], line, cells)
            record = self.relation(values, ids["actor"], ids["collaboration"], line)
            if record is not None:
                self.merge(record, values)
            values = self.values(self.spec.sections["funding"], line, cells)
            if any(cell.path == self.shown.table for cell in values.values()):
                record = self.funds(values, ids["actor"], ids["collaboration"], line)
                if record is not None:
                    self.merge(record, values)

    # -- cells to values -------------------------------------------------------------------------

    def values(self, section: Section, line: int, cells: list[str]) -> dict[str, _Cell]:
        """The fields a row gives a section: mapped cells, else defaults."""
        values = {}
        for name in FIELDS[section.name]:
            text = section.cell(name, cells)
            value = self.mapped(section, name, text, line) if text else None
            if value is _UNMAPPED:
                values[name] = _Cell(text, self.shown.table, line, section.header[name], True)
            elif value not in (None, ""):
                values[name] = _Cell(value, self.shown.table, line, section.header[name])
            elif name in section.defaults:
                values[name] = self.default(section, name)
        for table, columns in section.tables.items():
            for key in columns:
                text = section.cell(f"{table}.{key}", cells)
                if text:
                    header = section.header[f"{table}.{key}"]
                    values[f"{table}.{key}"] = _Cell(text, self.shown.table, line, header)
        return values

    def mapped(self, section: Section, name: str, text: str, line: int) -> Any:
        """A cell's value: through the field's value map if it has one, then converted.

        A choice (sector, role, ...) must be in the map or be a choice already; any other
        field keeps a cell the map does not have."""
        meaning = section.values.get(name, {}).get(fold(text))
        unmapped = meaning is None and name in section.values and name in CHOICES
        if unmapped and text not in CHOICES[name]:
            cell = _Cell(text, self.shown.table, line, section.header[name])
            self.problems.append(cell.error(_unmapped(text, section, name)))
            return _UNMAPPED
        return _CONVERSIONS.get(name, _as_is)(text if meaning is None else meaning)

    def default(self, section: Section, name: str) -> _Cell:
        value = section.defaults[name]
        if isinstance(value, str):
            value = _CONVERSIONS.get(name, _as_is)(value)
        line = self.spec.lines.at(section.name, f"default_{name}")
        return _Cell(value, self.shown.mapping, line, f"{section.name}.default_{name}")

    # -- records -------------------------------------------------------------------------------

    def identify(self, name: str, values: dict[str, _Cell], line: int) -> _Record | None:
        """The record a row names: by its id cell or, where that is empty, by its name."""
        given = values.get("id") or values.get("name")
        if given is None:
            self.unnamed(name, values, line)
            return None
        record_id = slugify(str(given.value))
        if not record_id:
            self.problems.append(given.error(f"{given.value!r} has no letter or digit for an id"))
            return None
        values["id"] = given._replace(value=record_id)
        records = self.records[name]
        if record_id not in records:
            records[record_id] = _Record(name, name, record_id, line)
        return records[record_id]

    def unnamed(self, name: str, values: dict[str, _Cell], line: int) -> None:
        """A row with no actor (or collaboration) is fine, unless it says something about one."""
        cells = [cell for cell in values.values() if cell.path == self.shown.table]
        if cells:
            header = self.spec.sections[name].header
            column = header.get("name") or header.get("id")
            problem = f"is empty, but the row gives the {name}'s {cells[0].column}"
            self.problems.append(SeedFileError(self.shown.table, line, column, problem))

    def relation(
        self, values: dict[str, _Cell], actor: str, collaboration: str, line: int
    ) -> _Record | None:
        values.setdefault("type", _Cell("PARTICIPATES_IN", self.shown.table, None, None))
        values["source"] = _Cell(actor, self.shown.table, None, None)
        values["target"] = _Cell(collaboration, self.shown.table, None, None)
        relation_type = values["type"].value
        if relation_type not in CHOICES["type"]:
            problem = (
                f"{relation_type!r} is not PARTICIPATES_IN or FUNDS, the relations of an actor "
                "to a collaboration"
            )
            self.problems.append(values["type"].error(problem))
            return None
        role = values["role"].value if "role" in values else None
        if role is None and relation_type == "PARTICIPATES_IN":
            role = "participant"  # as the model makes it
        year = values["year"].value if "year" in values else ""
        return self.relation_record(
            "membership", f"{relation_type}:{actor}->{collaboration}:{role}@{year}", line
        )

    def funds(
        self, values: dict[str, _Cell], actor: str, collaboration: str, line: int
    ) -> _Record | None:
        """The FUNDS relation of a row's funder to its actor, for its collaboration."""
        funder = values.pop("funder", None)
        funder_id = slugify(str(funder.value)) if funder is not None else ""
        if not funder_id:
            header = self.spec.sections["funding"].header.get("funder")
            given = next(cell.column for cell in values.values() if cell.path == self.shown.table)
            problem = f"is empty, but the row gives the funding's {given}; write the funder's id"
            self.problems.append(SeedFileError(self.shown.table, line, header, problem))
            return None
        values["type"] = _Cell("FUNDS", self.shown.table, None, None)
        values["source"] = funder._replace(value=funder_id)
        values["target"] = _Cell(actor, self.shown.table, None, None)
        values["collaboration"] = _Cell(collaboration, self.shown.table, None, None)
        year = values["year"].value if "year" in values else ""
        return self.relation_record(
            "funding", f"FUNDS:{funder_id}->{actor}/{collaboration}@{year}", line
        )

    def relation_record(self, section: str, key: str, line: int) -> _Record:
        records = self.records["relation"]
        if key not in records:
            records[key] = _Record("relation", section, key, line)
        return records[key]

    def merge(self, record: _Record, values: dict[str, _Cell]) -> None:
        for name, cell in values.items():
            if name in _UNIONS:
                record.unions.setdefault(name, {}).setdefault(str(cell.value), cell)
                continue
            first = record.cells.setdefault(name, cell)
            if first is not cell and fold(str(first.value)) != fold(str(cell.value)):
                self.problems.append(cell.error(_differs(record, name, first, cell)))

    # -- results -------------------------------------------------------------------------------

    def results(self) -> Iterator[Row | SeedFileError]:
        """Every problem, or else the rows: actors, collaborations, relations."""
        rows, invalid = [], set()
        for record_type, records in self.records.items():
            for record in records.values():
                fields = record.fields()
                if record_type == "relation" and {fields["source"], fields["target"]} & invalid:
                    continue  # its actor or collaboration is reported already
                if self.validate(record, fields):
                    rows.append(Row(record_type, record.line, fields, "table"))
                else:
                    invalid.add(record.key)
        problems = {str(problem): problem for problem in self.problems}.values()
        yield from sorted(problems, key=lambda p: (p.path != self.shown.table, p.line or 0))
        yield from rows

    def validate(self, record: _Record, fields: dict[str, Any]) -> bool:
        model = MODELS[record.record_type]
        try:
            model.model_validate(fields)
        except ValidationError as error:
            for details in error.errors(include_url=False):
                loc, problem = problem_of(details, model, blank="empty")
                cell = record.cell_at(loc)
                if cell is None or not cell.reported:
                    self.problems.append(self.located(record, cell, loc, problem))
            return False
        return True

    def located(
        self, record: _Record, cell: _Cell | None, loc: tuple, problem: str
    ) -> SeedFileError:
        """The problem at the cell it is about, else at the record's first line."""
        if cell is not None:
            return cell.error(problem)
        section = self.spec.sections[record.section]
        name = str(loc[0]) if loc else None
        column = section.header.get(name) or (f"{section.name}.{name}" if name else None)
        return SeedFileError(self.shown.table, record.line, column, problem)


_RECORD_ORDER = ("actor", "collaboration", "relation")
_UNMAPPED = object()  # a cell its value map does not have


def _cell_count(found: int, expected: int) -> str:
    return (
        f"the row has {found} cells but the header has {expected} columns; put a cell that "
        "contains the delimiter in double quotes"
    )


def _unmapped(text: str, section: Section, name: str) -> str:
    listed = {fold(cell): cell for cell in section.listed[name]}
    close = difflib.get_close_matches(fold(text), list(listed), n=1)
    hint = f"; did you mean {listed[close[0]]!r}?" if close else ""
    shown = ", ".join(repr(cell) for cell in listed.values()) or "none"
    return (
        f"{text!r} is not in [{section.name}.{name}_values] of the mapping{hint} "
        f"(mapped are {shown}); add it there"
    )


def _differs(record: _Record, name: str, first: _Cell, cell: _Cell) -> str:
    what = (
        "relation" if record.record_type == "relation" else f"{record.record_type} {record.key!r}"
    )
    where = f"line {first.line}" if first.path == cell.path else f"{first.path}, line {first.line}"
    return (
        f"{cell.value!r} differs from {first.value!r} on {where} for the same {what}; "
        f"give it one {name} (or leave the cell empty on all rows but one)"
    )


def _as_is(text: str) -> str:
    return text


def _amount(text: str) -> Any:
    """An amount as Swedish and English tables write it; text that is no number stays text.

    >>> _amount("1 200 000"), _amount("1 200 000,50"), _amount("1,200,000.5"), _amount("3,5")
    (1200000.0, 1200000.5, 1200000.5, 3.5)
    """
    number = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
    if "," in number and "." in number:
        number = number.replace("." if number.rfind(",") > number.rfind(".") else ",", "")
    elif number.count(",") > 1:
        number = number.replace(",", "")
    try:
        return float(number.replace(",", "."))
    except ValueError:
        return text


def _date(text: str) -> str:
    """A date cell without a time of day: `2019-03-01 00:00:00` is `2019-03-01`."""
    return text[:10] if len(text) > 10 and text[10] in " T" else text


def _year(text: str) -> Any:
    return text[:-2] if text.endswith(".0") else text


def _url(text: str) -> str:
    return text if "://" in text else f"https://{text}"


def _relation_type(text: str) -> str:
    return text.strip().upper().replace(" ", "_").replace("-", "_")


_CONVERSIONS = {
    "amount": _amount,
    "start": _date,
    "end": _date,
    "year": _year,
    "url": _url,
    "currency": str.upper,
    "type": _relation_type,
}


# -- a mapping to start from ----------------------------------------------------------------------


def init_mapping(path: Path) -> str:
    """A commented TOML mapping for a table, with the columns guessed from its header.

    Every field of every section is there: the guessed ones filled in, the others commented
    out; see `guessed_mapping`. Raises SeedFileError if the table cannot be read.
    """
    path = Path(path)
    reading, note = _reading_of(path)
    try:
        header, rows = _read_table(path, reading)
        cells = [row for _, row in rows]
    except _TableError as error:
        raise SeedFileError(str(path), error.line, None, str(error)) from None
    sheets = sheet_names(path) if path.suffix.lower() in _WORKBOOKS else None
    return guessed_mapping(path.name, header, cells, reading=reading, note=note, sheets=sheets)


def _reading_of(path: Path) -> tuple[dict[str, Any], str]:
    """How to read the file: UTF-8, or cp1252 if it is not UTF-8 (a CSV from Excel)."""
    if not _is_csv(path) or not path.is_file():
        return {}, ""
    try:
        path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        return {"encoding": "cp1252"}, "the file is not UTF-8, so it is read as cp1252"
    return {}, ""
