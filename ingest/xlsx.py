"""Excel workbooks (.xlsx) read with the standard library: one sheet's cells as text, by row.

An .xlsx file is a zip of XML parts: the workbook names the sheets, `sharedStrings.xml` holds
most texts, `styles.xml` says which numbers are dates. Cells come back as the text a CSV export
would hold: shared and inline strings as they are, whole numbers without `.0`, other numbers
with at most 15 significant digits, dates as `2019-03-01`, booleans as `true`/`false`, formulas
as their cached value.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["MAX_PART_BYTES", "XlsxError", "sheet_names", "xlsx_rows"]

# Built-in number formats that show dates (ECMA-376 part 1, 18.8.30).
_DATE_FORMATS = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57})
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')
_EPOCHS = {False: dt.datetime(1899, 12, 30), True: dt.datetime(1904, 1, 1)}


class XlsxError(ValueError):
    """The file is no workbook this reader can read; the message says why."""


def sheet_names(path: str | Path) -> list[str]:
    """The names of a workbook's sheets, in order. Raises XlsxError."""
    with _open(path) as book:
        return [name for name, _ in _sheets(book)]


def xlsx_rows(path: str | Path, sheet: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of each row of a sheet (the first by default) that has a cell.

    Raises XlsxError for a file that is no workbook, or a sheet it does not have.
    """
    with _open(path) as book:
        sheets = dict(_sheets(book))
        if sheet is None:
            part = next(iter(sheets.values()), None)
            if part is None:
                raise XlsxError("the workbook has no sheets")
        elif sheet in sheets:
            part = sheets[sheet]
        else:
            raise XlsxError(f"no sheet {sheet!r}; the sheets are {', '.join(sheets)}")
        strings = _shared_strings(book)
        dates, date1904 = _date_styles(book), _date1904(book)
        root = _xml(book, part)
    number = 0
    for row in root.iter():
        if _local(row.tag) == "row":
            try:
                number = int(row.get("r") or number + 1)
                cells = _cells(row, strings, dates, date1904)
            except (ValueError, IndexError, KeyError, OverflowError) as error:
                raise XlsxError(
                    f"row {number + 1} of the sheet cannot be read ({error}); save the workbook "
                    "again from Excel, or as CSV UTF-8"
                ) from None
            if cells:
                yield number, cells


def _open(path: str | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise XlsxError(
            "not an .xlsx workbook; save it from Excel as .xlsx or as CSV UTF-8"
        ) from None


MAX_PART_BYTES = 256 * 1024 * 1024
"""The largest part of a workbook read (unpacked): a zip bomb is refused, not unpacked."""


def _xml(book: zipfile.ZipFile, name: str) -> ElementTree.Element:
    try:
        if book.getinfo(name).file_size > MAX_PART_BYTES:
            raise XlsxError(
                f"the workbook's part {name} is larger than {MAX_PART_BYTES // 2**20} MB unpacked"
            )
        text = book.read(name)
        if b"<!DOCTYPE" in text[:4096]:
            raise XlsxError(f"the workbook's part {name} has a DTD, which workbooks never have")
        return ElementTree.fromstring(text)
    except KeyError:
        raise XlsxError(f"the workbook has no part {name}") from None
    except ElementTree.ParseError as error:
        raise XlsxError(f"the workbook's part {name} is not XML ({error})") from None


def _local(tag: str) -> str:
    """A tag without its namespace: both transitional and strict OOXML are read."""
    return tag.rsplit("}", 1)[-1]


def _children(element: ElementTree.Element, name: str) -> list[ElementTree.Element]:
    return [child for child in element.iter() if _local(child.tag) == name]


def _sheets(book: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, part) of each sheet, in workbook order."""
    targets = {}
    for relation in _children(_xml(book, "xl/_rels/workbook.xml.rels"), "Relationship"):
        target = relation.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        targets[relation.get("Id")] = posixpath.normpath(part)
    sheets = []
    for sheet in _children(_xml(book, "xl/workbook.xml"), "sheet"):
        relation = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
        if relation in targets:
            sheets.append((sheet.get("name", ""), targets[relation]))
    return sheets


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    return [_text(item) for item in _children(_xml(book, "xl/sharedStrings.xml"), "si")]


def _text(item: ElementTree.Element) -> str:
    """The text of a string item: its `t`, or its runs' `t`s (phonetic hints left out)."""
    parts = []
    for child in item:
        if _local(child.tag) == "t":
            parts.append(child.text or "")
        elif _local(child.tag) == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _date_styles(book: zipfile.ZipFile) -> set[int]:
    """The indexes of the cell styles whose number format shows a date."""
    if "xl/styles.xml" not in book.namelist():
        return set()
    styles = _xml(book, "xl/styles.xml")
    custom = {
        int(fmt.get("numFmtId", -1)): fmt.get("formatCode", "")
        for fmt in _children(styles, "numFmt")
    }
    cell_formats = next((e for e in styles.iter() if _local(e.tag) == "cellXfs"), None)
    if cell_formats is None:
        return set()
    dates = set()
    for index, xf in enumerate(x for x in cell_formats if _local(x.tag) == "xf"):
        number_format = int(xf.get("numFmtId", 0))
        if number_format in _DATE_FORMATS or _is_date_format(custom.get(number_format, "")):
            dates.add(index)
    return dates


def _is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date: it has a day or a year outside quotes.

    >>> _is_date_format("yyyy-mm-dd"), _is_date_format('0.00" kr"'), _is_date_format("[Red]0")
    (True, False, False)
    """
    bare = _QUOTED.sub("", code).lower()
    return "d" in bare or "y" in bare


def _date1904(book: zipfile.ZipFile) -> bool:
    properties = _children(_xml(book, "xl/workbook.xml"), "workbookPr")
    return bool(properties) and properties[0].get("date1904", "0") in ("1", "true")


def _cells(
    row: ElementTree.Element, strings: list[str], dates: set[int], date1904: bool
) -> list[str]:
    cells: list[str] = []
    for cell in row:
        if _local(cell.tag) != "c":
            continue
        column = _column(cell.get("r")) if cell.get("r") else len(cells)
        value = _value(cell, strings, dates, date1904)
        if value:
            cells.extend([""] * (column + 1 - len(cells)))
            cells[column] = value
    return cells


def _column(reference: str) -> int:
    """The 0-based column of a cell reference.

    >>> _column("A1"), _column("AB12")
    (0, 27)
    """
    number = 0
    for char in reference:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number - 1


def _value(cell: ElementTree.Element, strings: list[str], dates: set[int], date1904: bool) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((child for child in cell if _local(child.tag) == "is"), None)
        return "" if inline is None else _text(inline)
    raw = next((child.text or "" for child in cell if _local(child.tag) == "v"), "")
    if kind == "s":
        return strings[int(raw)] if raw.isdigit() and int(raw) < len(strings) else ""
    if kind == "b":
        return {"1": "true", "0": "false"}.get(raw, raw)
    if kind != "n" or not raw:
        return raw  # str (a formula's text), e (an error such as #N/A), d (an ISO date)
    number = float(raw)
    if int(cell.get("s", 0)) in dates:
        return _date(number, date1904)
    return str(int(number)) if number.is_integer() else format(number, ".15g")


def _date(serial: float, date1904: bool) -> str:
    """An Excel date serial as ISO 8601: a date, or a date and time to the minute.

    >>> _date(43525.0, False), _date(43525.5, False)
    ('2019-03-01', '2019-03-01T12:00')
    """
    moment = _EPOCHS[date1904] + dt.timedelta(days=serial)
    if serial.is_integer():
        return moment.date().isoformat()
    return moment.isoformat(timespec="minutes")
