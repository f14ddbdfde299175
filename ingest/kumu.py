"""Kumu blueprints (https://docs.kumu.io/guides/import/blueprints): import and export.

Reads the blueprints people make in Kumu and Kumu's own JSON exports, by the rules of
`ingest.elements`: keys in any case ("Label", "Type", "Sector", "Start Date"), custom fields
into `data`, tags, free-text connection types. Kumu's presentation keys (image, color, size,
shape, x, y, layout, and a connection's id and direction) are ignored, an element's
`attributes` object is read as its keys (as Kumu's exports nest them), and its `_id` is a name
connections may use. `loops` and `maps` hold no records and are skipped.

`to_kumu` writes every field of every record (`id`, `label`, `type` and the model's field
names), so that reading its blueprint back gives exactly the same records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from ingest.elements import Connection, Element, MapReader, fold
from ingest.rows import Item, Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, Relation, RelationType

__all__ = ["KUMU_KEYS", "kumu_rows", "to_kumu"]

KUMU_KEYS = frozenset({"elements", "connections"})
_SKIPPED_KEYS = frozenset({"loops", "maps"})
_ACTOR_TYPE = "Organization"
_PRESENTATION = frozenset({"image", "color", "size", "shape", "x", "y", "layout"})


# -- import ----------------------------------------------------------------------------------


def kumu_rows(items: Iterable[Item], shown: str) -> Iterator[Row | SeedFileError]:
    """Rows from the top-level items of a Kumu blueprint: elements first, then connections."""
    elements, connections = [], []
    for item in items:
        problem = _item_problem(item)
        if problem is not None:
            yield SeedFileError(shown, item.line, *problem)
        elif item.index is not None and item.key in KUMU_KEYS:
            (elements if item.key == "elements" else connections).append(item)
    reader = MapReader(shown, "kumu")
    yield from reader.element_rows(_element_of(item) for item in elements)
    for item in connections:
        yield reader.connection_row(_connection_of(item))


def _item_problem(item: Item) -> tuple[str, str] | None:
    if item.key in _SKIPPED_KEYS:
        return None
    if item.key not in KUMU_KEYS:
        return item.key, "unknown key; expected elements, connections"
    if item.index is None:
        return None if item.value == [] else (item.key, "expected a list of objects")
    if not isinstance(item.value, dict):
        return f"{item.key}[{item.index}]", "expected an object"
    return None


def _element_of(item: Item) -> Element:
    attributes = _attributes(item.value)
    key = attributes.pop("_id", None)
    return Element(item.line, None, attributes, key if isinstance(key, str) else None)


def _connection_of(item: Item) -> Connection:
    attributes = _attributes(item.value)
    ends = {fold(k): attributes.pop(k) for k in list(attributes) if fold(k) in ("from", "to")}
    return Connection(item.line, None, ends.get("from"), ends.get("to"), attributes)


def _attributes(value: dict[str, Any]) -> dict[str, Any]:
    """An element's or connection's keys, with those of its `attributes` object (Kumu's
    exports), without presentation keys."""
    nested = value.get("attributes")
    merged = {k: v for k, v in value.items() if not (k == "attributes" and isinstance(v, dict))}
    if isinstance(nested, dict):
        merged.update({k: v for k, v in nested.items() if k not in merged})
    return {k: v for k, v in merged.items() if fold(k) not in _PRESENTATION}


# -- export ----------------------------------------------------------------------------------


def to_kumu(G: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """A Kumu blueprint of a snapshot graph; `json.dump` it and import it into Kumu.

    Every field is kept, so reading the blueprint back gives the same records.
    """
    batch = batch_from_graph(G)
    return {
        "elements": [_element(record) for record in (*batch.actors, *batch.collaborations)],
        "connections": [_connection(relation) for relation in batch.relations],
    }


def _element(record: Actor | Collaboration) -> dict[str, Any]:
    fields = _dumped(record)
    kumu_type = _ACTOR_TYPE if isinstance(record, Actor) else fields.pop("kind").capitalize()
    return {"id": fields.pop("id"), "label": fields.pop("name"), "type": kumu_type, **fields}


def _connection(relation: Relation) -> dict[str, Any]:
    fields = _dumped(relation)
    mutual = relation.type is RelationType.COLLABORATES_WITH
    return {
        "id": relation.key,
        "from": fields.pop("source"),
        "to": fields.pop("target"),
        "type": fields.pop("type"),
        "direction": "mutual" if mutual else "directed",
        **fields,
    }


def _dumped(record: Actor | Collaboration | Relation) -> dict[str, Any]:
    """The record's fields as JSON values, leaving out what is not given (None, [] or {})."""
    fields = record.model_dump(mode="json", exclude_none=True)
    fields["sources"] = [{k: v for k, v in s.items() if v is not None} for s in fields["sources"]]
    return {name: value for name, value in fields.items() if value not in ([], {})}
