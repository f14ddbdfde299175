"""What every reader yields: one `Row` per record in a seed file, in the model's field names.

A reader turns a file into `Row(record_type, line, fields, format)` items, and into a
`SeedFileError` for a row it cannot read at all (a bad cell count, a line that is not JSON).
`fields` uses the model's field names (`sources` a list of `{document, quote, url}`), so one
validator serves every format; `format` only decides how a field is named in messages.

`Item` is one step earlier for JSON: an item of the top-level object as `jsonfile` reads it,
which `kumu` turns into rows when the file is a Kumu map.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from mapper.model import Actor, Collaboration, Relation

__all__ = [
    "COLUMNS",
    "CONTROL_CHARACTERS",
    "MODELS",
    "RECORD_TYPES",
    "REQUIRED_COLUMNS",
    "SOURCE_COLUMNS",
    "Item",
    "Row",
]

RECORD_TYPES = ("actor", "collaboration", "relation")

MODELS: dict[str, type[Actor] | type[Collaboration] | type[Relation]] = {
    "actor": Actor,
    "collaboration": Collaboration,
    "relation": Relation,
}

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""The characters no text of a row may hold: every C0 and C1 control character (NUL, ESC, DEL,
...) but tab, line feed and carriage return, since terminals and spreadsheets act on them."""

SOURCE_COLUMNS = ("source_document", "source_quote", "source_url")

COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": (
        "id",
        "name",
        "name_en",
        "kinds",
        "sector",
        "subsector",
        "region",
        "country",
        "url",
        "aliases",
        "description",
        "external_ids",
        "data",
        *SOURCE_COLUMNS,
    ),
    "collaboration": (
        "id",
        "name",
        "name_en",
        "kind",
        "start",
        "end",
        "region",
        "description",
        "data",
        *SOURCE_COLUMNS,
    ),
    "relation": (
        "type",
        "source",
        "target",
        "collaboration",
        "role",
        "amount",
        "currency",
        "year",
        "start",
        "end",
        "description",
        *SOURCE_COLUMNS,
    ),
}

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "actor": ("id", "name", "sector"),
    "collaboration": ("id", "name", "kind"),
    "relation": ("type", "source", "target"),
}


class Row(NamedTuple):
    """One record as read from a file, before validation."""

    record_type: str
    """"actor", "collaboration" or "relation"."""
    line: int | None
    """The line the record starts on (None where a format has no lines, as in GraphML)."""
    fields: dict[str, Any]
    """The record in the model's field names; "not given" fields are left out."""
    format: str = "json"
    """"csv", "json", "kumu" or "graphml": how messages name the fields."""
    place: str | None = None
    """Where the record is in a file without lines, e.g. "node 'vinnova'" in GraphML."""
    path: str | None = None
    """The file the record is in, as messages show it, when a reader reads several (CORDIS'
    organization and project files); None: the file the reader was given."""


class Item(NamedTuple):
    """One item of a list in a JSON top-level object, or a top-level value that is no list."""

    key: str
    """The top-level key, e.g. "actors" or, in a Kumu map, "elements"."""
    index: int | None
    """The item's place in the list; None for a value that is no list (or an empty list)."""
    line: int
    """The line the item starts on."""
    value: Any
    """The decoded JSON value."""
