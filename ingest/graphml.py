"""GraphML and GEXF for Gephi and other graph tools: flat attributes, read back by networkx.

Neither format holds lists or objects, so the graph written is flat: `kinds` and `aliases` are
`|`-joined text, `sources` and `data` JSON text; a field that is not given is left out. Nodes are
keyed by id and have `node_type` ("actor" or "collaboration") and `label` (the name); edges are
keyed by `Relation.key` and have `type`. GEXF reserves `type`, `start` and `end` for its own
use, so there they are written as `relation_type`, `start_date` and `end_date`. XML keeps no
carriage returns, so line ends in text are written as `\n`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from ingest.rows import Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, Relation

__all__ = ["GEXF_NAMES", "flat_graph", "read_graphml", "to_gexf", "to_graphml"]

GEXF_NAMES = {"type": "relation_type", "start": "start_date", "end": "end_date"}
_JOINED = ("kinds", "aliases")
_JSON = ("sources", "data")


def flat_graph(G: nx.MultiDiGraph, *, names: dict[str, str] | None = None) -> nx.MultiDiGraph:
    """The graph as GraphML or GEXF hold it: text and numbers only; `names` renames fields.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("msi", node_type="actor", id="msi", name="MSI", sector="academia",
    ...            kinds=["network"], aliases=[], sources=[])
    >>> flat_graph(G).nodes["msi"]["kinds"], flat_graph(G).nodes["msi"]["label"]
    ('network', 'MSI')
    """
    names = names or {}
    batch = batch_from_graph(G)
    flat = nx.MultiDiGraph()
    for record in (*batch.actors, *batch.collaborations):
        flat.add_node(record.id, **_renamed(_node_attributes(record), names))
    for relation in batch.relations:
        attributes = _renamed(_edge_attributes(relation), names)
        flat.add_edge(relation.source, relation.target, key=relation.key, **attributes)
    return flat


def to_graphml(G: nx.MultiDiGraph, path_or_file: str | Path | IO[bytes]) -> None:
    """Write a snapshot graph as GraphML (for Gephi, yEd, Cytoscape); see `flat_graph`."""
    nx.write_graphml(flat_graph(G), path_or_file, encoding="utf-8")


def to_gexf(G: nx.MultiDiGraph, path_or_file: str | Path | IO[bytes]) -> None:
    """Write a snapshot graph as GEXF 1.2 (Gephi's own format); see `flat_graph`."""
    flat = flat_graph(G, names=GEXF_NAMES)
    for _, _, key, attributes in flat.edges(keys=True, data=True):
        attributes["id"] = key
    nx.write_gexf(flat, path_or_file, encoding="utf-8")


def read_graphml(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Rows from a GraphML file written by `to_graphml`; errors name the node or edge."""
    shown = str(shown_as or path)
    try:
        G = nx.read_graphml(path, force_multigraph=True)
    except (ParseError, nx.NetworkXError, ValueError) as error:
        yield SeedFileError(shown, None, None, f"not a GraphML file networkx can read: {error}")
        return
    for node, attributes in G.nodes(data=True):
        fields = _unflattened(attributes)
        record_type = fields.pop("node_type", "actor")
        fields.pop("label", None)
        yield Row(record_type, None, {"id": node, **fields}, "graphml", f"node {node!r}")
    for source, target, key, attributes in G.edges(keys=True, data=True):
        fields = {"source": source, "target": target, **_unflattened(attributes)}
        yield Row("relation", None, fields, "graphml", f"edge {key!r}")


def _node_attributes(record: Actor | Collaboration) -> dict[str, Any]:
    node_type = "actor" if isinstance(record, Actor) else "collaboration"
    fields = record.model_dump(mode="json", exclude={"id"})
    return {"node_type": node_type, "label": record.name, **_flattened(fields)}


def _edge_attributes(relation: Relation) -> dict[str, Any]:
    return _flattened(relation.model_dump(mode="json", exclude={"source", "target"}))


def _flattened(fields: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for name, value in fields.items():
        if value is None or value in ([], {}):
            continue
        if name in _JOINED:
            value = "|".join(value)
        elif name == "sources":
            value = json.dumps([_given(source) for source in value], ensure_ascii=False)
        elif name in _JSON:
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, str):
            value = _xml_line_ends(value)
        flat[name] = value
    return flat


def _unflattened(attributes: dict[str, Any]) -> dict[str, Any]:
    fields = dict(attributes)
    for name in _JOINED:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].split("|")
    for name in _JSON:
        if isinstance(fields.get(name), str):
            with contextlib.suppress(json.JSONDecodeError):  # else the validator says why
                fields[name] = json.loads(fields[name])
    return fields


def _xml_line_ends(text: str) -> str:
    """Line ends as XML reads them back: a parser turns every CR LF and lone CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _renamed(attributes: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(name, name): value for name, value in attributes.items()}


def _given(source: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in source.items() if value is not None}
