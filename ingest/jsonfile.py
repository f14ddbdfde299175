"""Read seed JSON (`{"actors": [...], ...}`, or a Kumu map) and JSON Lines files.

Line numbers are real: the JSON reader walks the top-level object itself and decodes one
record at a time with `json.JSONDecoder.raw_decode`, so each record knows the line its `{`
is on, at the cost of one pass over the text.

A file that cannot be read as a whole (not UTF-8; for JSON, not valid JSON anywhere; for JSON
Lines, a first line that is not JSON) is one `csvfile.FileNotRead`, so that the validator
does not also report the ids it would have defined as unknown.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.csvfile import FileNotRead, not_utf8, record_type_of_name
from ingest.kumu import KUMU_KEYS, kumu_rows
from ingest.limits import JSON_TOO_DEEP, TOO_DEEP, LimitExceeded, decoder, loads
from ingest.rows import Item, Row
from mapper.countries import normalise_country
from mapper.errors import SeedFileError

__all__ = ["read_json", "read_jsonl"]

_LISTS = {"actors": "actor", "collaborations": "collaboration", "relations": "relation"}
_RECORDS = {"actor", "collaboration", "relation"}
_WHITESPACE = " \t\n\r"
_RESAVE = "save it again as UTF-8"
_GUESS_BYTES = 4096
_decoder = decoder  # refuses whole numbers of too many digits (limits.LimitExceeded)


def read_json(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Yield a Row per record of a seed JSON file or Kumu map, a SeedFileError per bad item.

    A file that is not UTF-8 or not valid JSON is one FileNotRead: nothing of it is read."""
    shown = str(shown_as or path)
    record_type = record_type_of_name(Path(path).name)
    text = _text(Path(path), shown, record_type)
    if isinstance(text, SeedFileError):
        yield text
        return
    items = _items(text, shown, record_type)
    if isinstance(items, SeedFileError):
        yield items
    elif any(item.key in KUMU_KEYS for item in items):
        yield from kumu_rows(items, shown)
    else:
        yield from _seed_rows(items, shown)


def read_jsonl(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Yield a Row per line of a JSON Lines file; each object names its `"record"` type.

    A line that is not UTF-8, or a first line that is not a JSON object, is a FileNotRead: the
    rest of the file is not read. A bad line after good ones is a SeedFileError of its own."""
    shown = str(shown_as or path)
    record_type = record_type_of_name(Path(path).name)
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        yield FileNotRead(shown, None, None, _no_access(error), record_type=record_type)
        return
    with file:
        first = True
        for line, data in enumerate(file, start=1):
            try:
                text = data.decode("utf-8-sig" if line == 1 else "utf-8")
            except UnicodeDecodeError:
                rest = data + file.read(_GUESS_BYTES)  # enough to tell text from binary
                yield not_utf8(rest, shown, line=line, record_type=record_type, advice=_RESAVE)
                return
            if not text.strip():
                continue
            row = _jsonl_row(text, line, shown, record_type, first=first)
            yield row
            if isinstance(row, FileNotRead):
                return
            first = False


def _jsonl_row(
    text: str, line: int, shown: str, file_holds: str | None, *, first: bool
) -> Row | SeedFileError:
    try:
        fields = loads(text.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        return _not_an_object(shown, line, _not_json(error), file_holds, first=first)
    except LimitExceeded as error:
        problem = TOO_DEEP if str(error) == JSON_TOO_DEEP else str(error)
        return SeedFileError(shown, line, None, problem)
    if not isinstance(fields, dict):
        problem = f"expected a JSON object, not {_kind(fields)}"
        return _not_an_object(shown, line, problem, file_holds, first=first)
    record_type = fields.pop("record", None)
    if record_type not in _RECORDS:
        problem = f"{record_type!r} is not one of actor, collaboration, relation"
        if record_type is None:
            problem = "is missing; every line needs one: actor, collaboration or relation"
        return SeedFileError(shown, line, "record", problem)
    return Row(record_type, line, fields, "json")


_DEFAULTS = {"country"}  # actor fields a seed file may give a default for, under "defaults"


def _seed_rows(items: list[Item], shown: str) -> Iterator[Row | SeedFileError]:
    defaults = {}
    for item in items:
        if item.key == "defaults":
            found = _defaults(item, shown)
            if isinstance(found, SeedFileError):
                yield found
            else:
                defaults = found
    for item in items:
        record_type = _LISTS.get(item.key)
        if item.key == "defaults":
            continue
        if record_type is None:
            expected = (
                "actors, collaborations, relations, defaults (or elements, connections for Kumu)"
            )
            yield SeedFileError(shown, item.line, item.key, f"unknown key; expected {expected}")
        elif item.index is None:
            if item.value != []:
                found = _kind(item.value)
                yield SeedFileError(shown, item.line, item.key, f"expected a list, found {found}")
        elif not isinstance(item.value, dict):
            found = _kind(item.value)
            where = f"{item.key}[{item.index}]"
            yield SeedFileError(shown, item.line, where, f"expected an object, found {found}")
        elif record_type == "actor" and defaults:
            yield Row(record_type, item.line, defaults | item.value, "json")
        else:
            yield Row(record_type, item.line, item.value, "json")


def _defaults(item: Item, shown: str) -> dict[str, Any] | SeedFileError:
    """The file's own defaults for actor fields, e.g. `"defaults": {"country": "SE"}`."""
    if not isinstance(item.value, dict) or item.index is not None:
        return SeedFileError(
            shown, item.line, "defaults", 'expected an object such as {"country": "SE"}'
        )
    unknown = sorted(set(item.value) - _DEFAULTS)
    if unknown:
        problem = f"{unknown[0]!r} cannot have a default; expected {', '.join(sorted(_DEFAULTS))}"
        return SeedFileError(shown, item.line, "defaults", problem)
    country = item.value.get("country")
    try:  # said once here, not once for every actor that takes it
        normalise_country(country) if country is not None else None
    except (ValueError, AttributeError):
        problem = f"{country!r} is not a country code; expected an ISO 3166-1 code such as 'SE'"
        return SeedFileError(shown, item.line, "defaults.country", problem)
    return item.value


def _not_an_object(
    shown: str, line: int, problem: str, file_holds: str | None, *, first: bool
) -> SeedFileError:
    """A line that is not a JSON object; the first such line means the file is no JSON Lines."""
    if not first:
        return SeedFileError(shown, line, None, problem)
    problem = (
        f"{problem}; expected JSON Lines (one JSON object on each line), so the rest of the file "
        "is not read"
    )
    return FileNotRead(shown, line, None, problem, record_type=file_holds)


def _text(path: Path, shown: str, file_holds: str | None) -> str | SeedFileError:
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileNotRead(shown, None, None, _no_access(error), record_type=file_holds)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return not_utf8(data, shown, record_type=file_holds, advice=_RESAVE)


def _items(text: str, shown: str, file_holds: str | None) -> list[Item] | SeedFileError:
    """Every item of the file's top-level object, or why none can be read."""
    lines = _LineCounter(text)
    try:
        return list(_top_level_items(text, lines))
    except json.JSONDecodeError as error:
        line, problem = error.lineno, _not_json(error)
    except RecursionError:
        line, problem = None, TOO_DEEP
    except LimitExceeded as error:  # at the item being read: the line its value starts on
        line, problem = lines.line, str(error)
    return FileNotRead(shown, line, None, problem, record_type=file_holds)


def _top_level_items(text: str, lines: _LineCounter) -> Iterator[Item]:
    """Every item of every list in the top-level object. Raises json.JSONDecodeError, and
    LimitExceeded while `lines.line` is the line of the item that breaks it."""
    position = _expect(text, _skip(text, 0), "{", "a JSON object")
    position = _skip(text, position)
    if text.startswith("}", position):
        return
    while True:
        key, position = _decoder.raw_decode(text, _expect_quote(text, position))
        position = _skip(text, _expect(text, _skip(text, position), ":", "':'"))
        if text.startswith("[", position):
            position = yield from _list_items(text, position, key, lines)
        else:
            line = lines.at(position)
            value, position = _decoder.raw_decode(text, position)
            yield Item(key, None, line, value)
        position = _skip(text, position)
        if text.startswith("}", position):
            _expect_end(text, position + 1)
            return
        position = _skip(text, _expect(text, position, ",", "',' or '}'"))


def _list_items(text: str, position: int, key: str, lines: _LineCounter):
    """Each item of the list at `position`; an empty list yields itself, so its key is seen."""
    list_at = position
    position = _skip(text, position + 1)
    if text.startswith("]", position):
        yield Item(key, None, lines.at(list_at), [])
        return position + 1
    for index in itertools.count():
        line = lines.at(position)
        value, position = _decoder.raw_decode(text, position)
        yield Item(key, index, line, value)
        position = _skip(text, position)
        if text.startswith("]", position):
            return position + 1
        position = _skip(text, _expect(text, position, ",", "',' or ']'"))


class _LineCounter:
    """Line numbers of increasing positions in a text, counting each newline once."""

    def __init__(self, text: str):
        self.text, self.position, self.line = text, 0, 1

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _expect(text: str, position: int, char: str, expected: str) -> int:
    if not text.startswith(char, position):
        raise json.JSONDecodeError(f"expected {expected}", text, position)
    return position + 1


def _expect_quote(text: str, position: int) -> int:
    if not text.startswith('"', position):
        raise json.JSONDecodeError("expected a key in double quotes", text, position)
    return position


def _expect_end(text: str, position: int) -> None:
    if _skip(text, position) != len(text):
        raise json.JSONDecodeError("extra data after the top-level object", text, position)


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), "null" if value is None else "a number")


def _not_json(error: json.JSONDecodeError) -> str:
    return f"not valid JSON: {error.msg} (column {error.colno})"


def _no_access(error: OSError) -> str:
    return f"cannot be read ({error.strerror}); check that you may read it"
