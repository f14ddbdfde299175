"""GraphML and GEXF for Gephi and other graph tools: flat attributes, read back by networkx.

Neither format holds lists or objects, so the graph written is flat: `kinds` and `aliases` are
`|`-joined text, `sources`, `data` and `external_ids` JSON text; a field that is not given is
left out. Nodes are
keyed by id and have `node_type` ("actor" or "collaboration") and `label` (the name); edges are
keyed by `Relation.key` and have `type`. GEXF reserves `type`, `start` and `end` for its own
use, so there they are written as `relation_type`, `start_date` and `end_date`. XML keeps no
carriage returns, so line ends in text are written as `\n`.

GraphML is read back by `read_graphml` (GEXF by `ingest.gexf.read_gexf`). `xml_root` tells the
two apart by their root element, and refuses a file with a DTD: neither format needs one, and
without it no entity can expand (billion laughs) or point outside the file.
"""

from __future__ import annotations

import json
import pyexpat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import networkx as nx

from ingest.limits import MAX_CELL_CHARS, MAX_INTEGER_DIGITS, LimitExceeded, loads
from ingest.messages import shorten
from ingest.rows import Row
from ingest.snapshot import batch_from_graph
from mapper.errors import SeedFileError
from mapper.model import Actor, Collaboration, Relation

__all__ = [
    "DTD_REFUSED",
    "GEXF_NAMES",
    "flat_graph",
    "read_graphml",
    "to_gexf",
    "to_graphml",
    "xml_root",
]

GEXF_NAMES = {"type": "relation_type", "start": "start_date", "end": "end_date"}
DTD_REFUSED = (
    "the file has a DTD (<!DOCTYPE ...>), which GraphML and GEXF do not need; it is refused "
    "so that no entity in it can expand: save the file again without it"
)
_JOINED = ("kinds", "aliases")
_JSON = ("sources", "data", "external_ids")
_SNIFF_CHUNK, _SNIFF_CHUNKS = 64 * 1024, 16


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


def xml_root(path: str | Path) -> str:
    """The name of the root element of an XML file, without its namespace: "graphml", "gexf".

    Only the beginning of the file is read. Raises ValueError saying why there is none: the
    file is not XML, has a DTD (refused), or has no root element in its first megabyte.
    """
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = _found_root
    parser.StartDoctypeDeclHandler = _refuse_dtd
    with open(path, "rb") as file:
        for _ in range(_SNIFF_CHUNKS):
            chunk = file.read(_SNIFF_CHUNK)
            try:
                parser.Parse(chunk, not chunk)
            except _Root as root:
                return root.name
            except pyexpat.ExpatError as error:
                raise ValueError(f"not an XML file: {error}") from None
            if not chunk:
                break
    raise ValueError("no XML element in the first megabyte; expected GraphML or GEXF")


class _Root(Exception):
    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def _found_root(name: str, attributes: Any) -> None:
    raise _Root(name.rpartition(" ")[2])


def _refuse_dtd(*declaration: Any) -> None:
    raise ValueError(DTD_REFUSED)


def read_graphml(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Rows from a GraphML file written by `to_graphml`; errors name the node or edge."""
    shown = str(shown_as or path)
    try:
        root = xml_root(path)
    except ValueError as error:
        yield SeedFileError(shown, None, None, str(error))
        return
    if root != "graphml":
        yield SeedFileError(shown, None, None, f"the root element is {root!r}; expected graphml")
        return
    try:
        G = nx.read_graphml(path, force_multigraph=True)
    except (ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as error:
        # a type or value networkx cannot read: found again, to name its line and key
        found = None if isinstance(error, ParseError) else _typed_values_problem(path)
        problem = f"not a GraphML file networkx can read: {error}"
        yield SeedFileError(shown, *found) if found else SeedFileError(shown, None, None, problem)
        return
    for node, attributes in G.nodes(data=True):
        try:
            fields = _unflattened(attributes)
        except _Unreadable as error:
            yield SeedFileError(shown, None, f"node {node!r}: {error.name}", error.problem)
            continue
        record_type = fields.pop("node_type", "actor")
        fields.pop("label", None)
        if record_type not in _NODE_TYPES:
            problem = f"{shorten(record_type)} is not a node type; expected actor or collaboration"
            yield SeedFileError(shown, None, f"node {node!r}: node_type", problem)
            continue
        yield Row(record_type, None, {"id": node, **fields}, "graphml", f"node {node!r}")
    for source, target, key, attributes in G.edges(keys=True, data=True):
        try:
            fields = {"source": source, "target": target, **_unflattened(attributes)}
        except _Unreadable as error:
            yield SeedFileError(shown, None, f"edge {key!r}: {error.name}", error.problem)
            continue
        yield Row("relation", None, fields, "graphml", f"edge {key!r}")


_NODE_TYPES = ("actor", "collaboration")
# GraphML's attr.type values, and the texts networkx reads as booleans (after lower())
_TYPES = ("boolean", "int", "long", "float", "double", "string")
_BOOLEANS = ("true", "false", "1", "0")


def _typed_values_problem(path: str | Path) -> tuple[int, str | None, str] | None:
    """(line, field, problem) of the first <key> or <data> whose type or value networkx cannot
    read: an attr.type GraphML does not have, an empty <default/>, a value not of its type."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    types: dict[str, tuple[str, str]] = {}  # key id -> (attr.name, attr.type)
    state: dict[str, Any] = {"open": None, "text": []}  # the <default> or <data> being read

    def start(name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        line = parser.CurrentLineNumber
        if local == "key":
            kind = attributes.get("attr.type", "string")
            field = attributes.get("attr.name", attributes.get("id", ""))
            if kind not in _TYPES and "yfiles.type" not in attributes:
                problem = f"attr.type {kind!r} is not a GraphML type; expected {', '.join(_TYPES)}"
                raise _Found(line, field, problem)
            types[attributes.get("id", "")] = (field, kind)
            state["key"] = attributes.get("id", "")
        elif local in ("default", "data"):
            key = state.get("key", "") if local == "default" else attributes.get("key", "")
            state["open"], state["text"] = (local, key, line), []
            state.setdefault("used", {}).setdefault(key, line)

    def characters(text: str) -> None:
        if state["open"] is not None:
            state["text"].append(text)

    def end(name: str) -> None:
        local = name.rpartition(" ")[2]
        if state["open"] is None or local != state["open"][0]:
            return
        _, key, line = state["open"]
        state["open"] = None
        field, kind = types.get(key, (key, "string"))
        text = "".join(state["text"])
        problem = _value_problem(text, kind, local)
        if problem is not None:
            raise _Found(line, field, problem)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = characters
    try:
        with open(path, "rb") as file:
            parser.ParseFile(file)
    except _Found as found:
        return found.line, found.field, found.problem
    except pyexpat.ExpatError:
        return None  # networkx says what is wrong with the XML
    for key, line in state.get("used", {}).items():
        if key not in types:
            return line, None, f"<data key={key!r}> names no <key> of the file; declare it"
    return None


def _value_problem(text: str, kind: str, element: str) -> str | None:
    """What is wrong with a <default> or <data> text of a GraphML type, or None."""
    if element == "default" and not text.strip():
        return f"<default/> is empty; give the default {kind} value or remove the element"
    if kind == "boolean" and text.strip().lower() not in _BOOLEANS:
        return f"{shorten(text)} is not a boolean; expected true or false"
    if kind in ("int", "long"):
        digits = len(text.strip().lstrip("+-"))
        if digits > MAX_INTEGER_DIGITS:
            return f"a whole number of {digits:,} digits; at most {MAX_INTEGER_DIGITS} are allowed"
        try:
            int(text)
        except ValueError:
            return f"{shorten(text)} is not a whole number ({kind})"
    if kind in ("float", "double"):
        try:
            float(text)
        except ValueError:
            return f"{shorten(text)} is not a number ({kind})"
    if len(text) > MAX_CELL_CHARS:
        return f"is {len(text):,} characters long; at most {MAX_CELL_CHARS:,} are allowed"
    return None


class _Found(Exception):
    def __init__(self, line: int, field: str | None, problem: str):
        super().__init__(problem)
        self.line, self.field, self.problem = line, field, problem


def _node_attributes(record: Actor | Collaboration) -> dict[str, Any]:
    node_type = "actor" if isinstance(record, Actor) else "collaboration"
    fields = record.model_dump(mode="json", exclude={"id"})
    return {"node_type": node_type, "label": _xml_line_ends(record.name), **_flattened(fields)}


def _edge_attributes(relation: Relation) -> dict[str, Any]:
    return _flattened(relation.model_dump(mode="json", exclude={"source", "target"}))


def _flattened(fields: dict[str, Any]) -> dict[str, Any]:
    flat = {}
    for name, value in fields.items():
        if value is None or value in ([], {}):
            continue
        if name in _JOINED:
            value = _xml_line_ends("|".join(value))
        elif name == "sources":
            value = json.dumps([_given(source) for source in value], ensure_ascii=False)
        elif name in _JSON:
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, str):
            value = _xml_line_ends(value)
        flat[name] = value
    return flat


def _unflattened(attributes: dict[str, Any]) -> dict[str, Any]:
    """The fields of flat attributes. Raises _Unreadable for JSON text beyond the limits."""
    fields = dict(attributes)
    for name in _JOINED:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].split("|")
    for name in _JSON:
        if isinstance(fields.get(name), str):
            try:
                fields[name] = loads(fields[name])
            except json.JSONDecodeError:
                pass  # the validator says why it is no list or object
            except LimitExceeded as error:
                raise _Unreadable(name, str(error)) from None
    return fields


class _Unreadable(Exception):
    """JSON text of a field beyond the limits (ingest.limits)."""

    def __init__(self, name: str, problem: str):
        super().__init__(problem)
        self.name, self.problem = name, problem


def _xml_line_ends(text: str) -> str:
    """Line ends as XML reads them back: a parser turns every CR LF and lone CR into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _renamed(attributes: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names.get(name, name): value for name, value in attributes.items()}


def _given(source: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in source.items() if value is not None}
