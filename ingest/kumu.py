"""Kumu blueprints (https://docs.kumu.io/guides/import/blueprints): import and export.

An element is an actor when its type is "Organization" (or Organisation, Actor, Department,
Funder) and a collaboration when its type names a collaboration kind (Project, Partnership,
Event, Programme or Program, Network, Policy). `label` is the name, `id` the id (else the
slugified label), and every other attribute is the model field of the same name. A connection's
`from` and `to` are element ids or labels, its `type` a relation type (`PARTICIPATES_IN` or
"participates in"). Kumu's presentation keys (image, color, size, shape, x, y, layout, and a
connection's id and direction) are ignored. `to_kumu` writes exactly what this reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx

from ingest.rows import Item, Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, CollaborationKind, Relation, RelationType, slugify

__all__ = ["KUMU_KEYS", "kumu_rows", "to_kumu"]

KUMU_KEYS = frozenset({"elements", "connections"})
_ACTOR_TYPE = "Organization"

_ACTOR_TYPES: dict[str, str | None] = {
    "organization": None,
    "organisation": None,
    "actor": None,
    "department": "department",
    "funder": "funder",
}
_COLLABORATION_TYPES = {kind.value: kind.value for kind in CollaborationKind} | {
    "program": "programme"
}
_PRESENTATION = frozenset({"image", "color", "size", "shape", "x", "y", "layout"})
_CONNECTION_PRESENTATION = _PRESENTATION | {"id", "direction"}


# -- import ----------------------------------------------------------------------------------


def kumu_rows(items: Iterable[Item], shown: str) -> Iterator[Row | SeedFileError]:
    """Rows from the top-level items of a Kumu blueprint: elements first, then connections."""
    elements, connections = [], []
    for item in items:
        problem = _item_problem(item)
        if problem is not None:
            yield SeedFileError(shown, item.line, *problem)
        elif item.index is not None:
            (elements if item.key == "elements" else connections).append(item)
    rows = [_element_row(item, shown) for item in elements]
    yield from rows
    ids = _element_ids([row for row in rows if isinstance(row, Row)])
    for item in connections:
        yield _connection_row(item, ids)


def _item_problem(item: Item) -> tuple[str, str] | None:
    if item.key not in KUMU_KEYS:
        return item.key, "unknown key; expected elements, connections"
    if item.index is None:
        return None if item.value == [] else (item.key, "expected a list of objects")
    if not isinstance(item.value, dict):
        return f"{item.key}[{item.index}]", "expected an object"
    return None


def _element_row(item: Item, shown: str) -> Row | SeedFileError:
    attributes = {k: v for k, v in item.value.items() if k not in _PRESENTATION}
    kumu_type = attributes.pop("type", None)
    typed = _record_type(kumu_type)
    if typed is None:
        return SeedFileError(shown, item.line, "type", _unknown_type(kumu_type))
    record_type, kind = typed
    label = attributes.pop("label", None)
    record_id = attributes.pop("id", None) or (slugify(label) if isinstance(label, str) else None)
    fields = {"id": record_id, "name": label, **attributes}
    if record_type == "collaboration":
        fields["kind"] = kind
    elif kind is not None and "kinds" not in fields:
        fields["kinds"] = [kind]
    return Row(record_type, item.line, _given(fields), "kumu")


def _record_type(kumu_type: Any) -> tuple[str, str | None] | None:
    name = kumu_type.strip().casefold() if isinstance(kumu_type, str) else None
    if name in _ACTOR_TYPES:
        return "actor", _ACTOR_TYPES[name]
    if name in _COLLABORATION_TYPES:
        return "collaboration", _COLLABORATION_TYPES[name]
    return None


def _unknown_type(kumu_type: Any) -> str:
    expected = (
        f"expected an actor type ({_ACTOR_TYPE}, Organisation, Department, Funder) or a "
        "collaboration type (Project, Partnership, Event, Programme, Network, Policy)"
    )
    if kumu_type is None:
        return f"is missing; {expected}"
    return f"{kumu_type!r} is not an element type of this map; {expected}"


def _element_ids(rows: list[Row]) -> dict[str, str]:
    """How connections may name an element: by its id or by its label."""
    ids: dict[str, str] = {}
    for row in rows:
        record_id, label = row.fields.get("id"), row.fields.get("name")
        if isinstance(label, str):
            ids.setdefault(label, record_id)
    for row in rows:
        ids[row.fields.get("id")] = row.fields.get("id")
    return ids


def _connection_row(item: Item, ids: dict[str, str]) -> Row:
    fields = {k: v for k, v in item.value.items() if k not in _CONNECTION_PRESENTATION}
    for kumu_name, name in (("from", "source"), ("to", "target")):
        if kumu_name in fields:
            end = fields.pop(kumu_name)
            fields[name] = ids.get(end, end) if isinstance(end, str) else end
    if isinstance(fields.get("type"), str):
        fields["type"] = fields["type"].strip().upper().replace(" ", "_").replace("-", "_")
    return Row("relation", item.line, _given(fields), "kumu")


def _given(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


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
