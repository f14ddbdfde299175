"""The undo log of a staged Neo4j load: what each write step is about to change, kept in the
same transaction as the change, and how it is put back.

A staged load (mapper.stores.neo4j) writes in several transactions. Each one also writes a
`(:MapperUndo {load, seq, ops})` node, `ops` being the JSON of `capture`: for each kind of record
the transaction touches, one of

- `{"node": LABEL, "sets": [names], "made": [keys], "before": [[key, values, kinds]]}`: the nodes
  it made (deleted again), and of the others the values of the properties it sets (`sets`; all
  their properties if it deletes them, `sets` null) and their kind labels;
- `{"relationship": TYPE, "sets": [...], "made": [keys], "before": [[key, values]],
  "deleted": [[key, properties, start label, start id, end label, end id]]}`.

`reverse` deletes what was made, sets the kept values back (a property that was not there is
removed again) and makes what was deleted again, nodes before their relationships. Labels and
relationship types are formatted into Cypher only from the closed sets here (NODE_KEYS,
KIND_LABELS, RelationType); every value is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mapper.model import ActorKind, RelationType

__all__ = ["KIND_LABELS", "NODE_KEYS", "Step", "Undo", "capture", "reverse"]

KIND_LABELS = {kind: kind.value.capitalize() for kind in ActorKind}
# Every node label a load writes, and the property that is its key.
NODE_KEYS = {
    "Actor": "id",
    "Collaboration": "id",
    "ActorSearch": "id",
    "CollaborationSearch": "id",
    "MapperMerge": "id",
    "MapperDataset": "name",
}
_KINDS = list(KIND_LABELS.values())
_ALL_KINDS = ":".join(_KINDS)
_ENDS = ("Actor", "Collaboration")  # what a relationship starts or ends at
_IMAGE = (  # a relationship `n` as `deleted` keeps it
    "RETURN n.key, properties(n), startNode(n):Collaboration, startNode(n).id, "
    "endNode(n):Collaboration, endNode(n).id"
)


@dataclass(frozen=True)
class Undo:
    """What reverses a write step. `target` is a label of NODE_KEYS, or a RelationType value if
    `relationship`. The step either sets the properties `sets` of what it finds or makes by key,
    or deletes what `find` (a MATCH of `n` by `key`) finds, or `creates` new relationships."""

    target: str
    relationship: bool = False
    sets: tuple[str, ...] = ()
    find: str | None = None  # a deletion's MATCH
    creates: bool = False

    def __post_init__(self) -> None:
        if self.relationship:
            RelationType(self.target)  # raises ValueError outside the closed set
        elif self.target not in NODE_KEYS:
            raise ValueError(f"{self.target!r} is not a node label a load writes")

    @property
    def deletes(self) -> bool:
        return self.find is not None


@dataclass(frozen=True)
class Step:
    """One write of a load: `query` runs with `$rows` (some of `rows` at a time) and `params`.
    `key` is the rows' field holding the target's key; without it the rows are the keys."""

    query: str
    rows: list
    undo: Undo
    key: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def keys(self, rows: list) -> list[str]:
        return list(rows) if self.key is None else [row[self.key] for row in rows]


def capture(
    tx: Any, step: Step, rows: list, made: Mapping[str, set[str]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The undo ops of `step` over `rows`, read in the transaction `tx` before the step runs,
    and the keys of what it makes. `made` holds by target the keys the load made before: what
    they were before this step need not be kept, since undoing their making deletes them."""
    undo = step.undo
    keys = list(dict.fromkeys(step.keys(rows)))
    if undo.creates:
        return [{"relationship": undo.target, "made": keys}], keys
    if undo.deletes:
        return _deleted(tx, undo, keys), []
    earlier = made.get(undo.target, set())
    keys = [key for key in keys if key not in earlier]
    if not keys:  # all made by this load: undoing that deletes them
        return [], []
    if undo.relationship:
        name = undo.target
        query = f"""
            UNWIND $keys AS key
            OPTIONAL MATCH ()-[n:{name} {{key: key}}]->() USING INDEX SEEK n:{name}(key)
            RETURN key, n IS NOT NULL, [name IN $sets | n[name]], []
            """
    else:
        query = f"""
            UNWIND $keys AS key OPTIONAL MATCH (n:{undo.target} {{{NODE_KEYS[undo.target]}: key}})
            RETURN key, n IS NOT NULL, [name IN $sets | n[name]],
                   [label IN labels(n) WHERE label IN $kinds]
            """
    found = tx.run(query, keys=keys, sets=list(undo.sets), kinds=_KINDS).values()
    new = [key for key, there, _, _ in found if not there]
    kind = "relationship" if undo.relationship else "node"
    before = [
        [key, values] if undo.relationship else [key, values, kinds]
        for key, there, values, kinds in found
        if there
    ]
    return [{kind: undo.target, "sets": list(undo.sets), "made": new, "before": before}], new


def _deleted(tx: Any, undo: Undo, keys: list[str]) -> list[dict[str, Any]]:
    """The ops that make again what `undo.find` finds: relationships whole with their ends;
    nodes whole with their kind labels, after the relationships they have (made again later)."""
    match = f"UNWIND $keys AS key {undo.find}"
    if undo.relationship:
        rows = tx.run(f"{match} {_IMAGE}", keys=keys).values()
        return [{"relationship": undo.target, "deleted": _images(rows)}]
    attached: dict[str, list] = {}
    for relation_type, *image in tx.run(
        f"{match} MATCH (n)-[r]-() WITH DISTINCT r AS n RETURN type(n), "
        + _IMAGE.removeprefix("RETURN "),
        keys=keys,
    ).values():
        attached.setdefault(relation_type, []).append(image)
    nodes = tx.run(
        f"{match} RETURN DISTINCT n[$key], properties(n), "
        "[label IN labels(n) WHERE label IN $kinds]",
        keys=keys,
        key=NODE_KEYS[undo.target],
        kinds=_KINDS,
    ).values()
    ops: list[dict[str, Any]] = [
        {"relationship": RelationType(name).value, "deleted": _images(rows)}
        for name, rows in attached.items()
    ]
    ops.append({"node": undo.target, "sets": None, "before": [list(row) for row in nodes]})
    return ops


def _images(rows: list[list]) -> list[list]:
    return [
        [key, props, _ENDS[starts_at_collaboration], start, _ENDS[ends_at_collaboration], end]
        for key, props, starts_at_collaboration, start, ends_at_collaboration, end in rows
    ]


def reverse(tx: Any, ops: list[dict[str, Any]]) -> None:
    """Put back what the transaction that wrote `ops` changed, last op first."""
    for op in reversed(ops):
        if "node" in op:
            _reverse_nodes(tx, op)
        else:
            _reverse_relationships(tx, op)


def _reverse_nodes(tx: Any, op: dict[str, Any]) -> None:
    label = _label(op["node"])
    match = f"(n:{label} {{{NODE_KEYS[label]}: key}})"
    if op.get("made"):
        tx.run(f"UNWIND $keys AS key MATCH {match} DETACH DELETE n", keys=op["made"]).consume()
    before = op.get("before") or []
    if not before:
        return
    sets = op.get("sets")
    rows = [
        {"key": key, "props": values if sets is None else dict(zip(sets, values, strict=True))}
        for key, values, _ in before
    ]
    assign = "SET n = row.props" if sets is None else "SET n += row.props"  # nulls remove
    tx.run(
        f"UNWIND $rows AS row WITH row, row.key AS key MERGE {match} {assign}", rows=rows
    ).consume()
    if label != "Actor":
        return
    by_kinds: dict[tuple[str, ...], list[str]] = {}
    for key, _, kinds in before:
        by_kinds.setdefault(tuple(k for k in _KINDS if k in kinds), []).append(key)
    for kinds, keys in by_kinds.items():  # kind labels from the closed KIND_LABELS only
        add = f"SET n:{':'.join(kinds)}" if kinds else ""
        tx.run(
            f"UNWIND $keys AS key MATCH {match} REMOVE n:{_ALL_KINDS} {add}", keys=keys
        ).consume()


def _reverse_relationships(tx: Any, op: dict[str, Any]) -> None:
    name = RelationType(op["relationship"]).value  # raises outside the closed set
    match = f"()-[n:{name} {{key: key}}]->() USING INDEX SEEK n:{name}(key)"
    if op.get("made"):
        tx.run(f"UNWIND $keys AS key MATCH {match} DELETE n", keys=op["made"]).consume()
    if op.get("before"):
        rows = [
            {"key": key, "props": dict(zip(op["sets"], values, strict=True))}
            for key, values in op["before"]
        ]
        tx.run(
            f"UNWIND $rows AS row WITH row, row.key AS key MATCH {match} SET n += row.props",
            rows=rows,
        ).consume()
    by_ends: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _, props, start_label, start, end_label, end in op.get("deleted") or []:
        ends = (_end(start_label), _end(end_label))
        by_ends.setdefault(ends, []).append({"start": start, "end": end, "props": props})
    for (start_label, end_label), rows in by_ends.items():  # labels from _ENDS only
        tx.run(
            f"""
            UNWIND $rows AS row
            MATCH (s:{start_label} {{id: row.start}})
            MATCH (t:{end_label} {{id: row.end}})
            CREATE (s)-[n:{name}]->(t) SET n = row.props
            """,
            rows=rows,
        ).consume()


def _label(name: str) -> str:
    if name not in NODE_KEYS:
        raise ValueError(f"undo entry names {name!r}, not a node label a load writes")
    return name


def _end(name: str) -> str:
    if name not in _ENDS:
        raise ValueError(f"undo entry names {name!r}, not a label a relation starts or ends at")
    return name
