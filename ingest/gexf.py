"""GEXF in: the project's own `to_gexf` export, and graphs made in Gephi.

A node is an element and an edge a connection, read by the rules of `ingest.elements` that a
Kumu map follows: the label is the name and gives the id, "sector" any case and in Swedish or
English (else "unknown"), the type of a node ("type", "node_type") decides the record (a node
without one is an actor), an edge's relation type comes from its "type" or "relation_type"
attribute, its `kind`, or else its label, and other attributes go into `data` (an edge's into its
description; a weight other than Gephi's default 1 too). The project's own export is known by
its `node_type` attribute: there the node id is the record id, and `to_gexf`'s file reads back
as the same records. Values are typed as their attribute is declared (integer, double, boolean;
the rest text).

The file is read as a stream by expat, and refused where it could hurt: a DTD (none is needed,
and without one no entity can expand or point outside the file), elements nested deeper than
`MAX_DEPTH`, more than `MAX_DECLARED` attributes declared for nodes or edges. A value longer than
`MAX_VALUE` characters is an error of its node or edge. Messages name the node or edge and the
attribute: `map.gexf:12: node 'vinnova': attvalue: ...`.
"""

from __future__ import annotations

import math
import pyexpat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ingest.elements import CONNECTION_TYPE_KEYS, Connection, Element, MapReader, fold
from ingest.graphml import DTD_REFUSED
from ingest.rows import Row
from mapper.errors import SeedFileError

__all__ = ["MAX_DECLARED", "MAX_DEPTH", "MAX_VALUE", "read_gexf"]

MAX_DEPTH = 32
MAX_DECLARED = 1_000
MAX_VALUE = 1_000_000

_CHUNK = 1 << 20
_DIRECTIONS = frozenset({"directed", "undirected", "mutual"})
_INTEGERS = frozenset({"integer", "long", "short", "byte"})
_REALS = frozenset({"float", "double", "decimal", "bigdecimal"})
_WRITER_KEYS = frozenset({"networkx_key"})  # what networkx adds to an edge it writes


def read_gexf(path: str | Path, shown_as: str | None = None) -> Iterator[Row | SeedFileError]:
    """Yield a Row per node and edge of a GEXF file, and a SeedFileError per problem."""
    shown = str(shown_as or path)
    parser = _Parser(shown)
    rows = _Rows(shown, MapReader(shown, "gexf", untyped="actor"))
    with open(path, "rb") as file:
        for chunk in _chunks(file):
            fatal = parser.feed(chunk)
            yield from rows.of(parser.take())
            if fatal is not None:
                yield fatal
                return
    yield from rows.of_nodes()  # a file without edges


class _Rows:
    """The rows of the nodes once every node is read (ids depend on the other labels), then
    those of the edges as they come."""

    def __init__(self, shown: str, reader: MapReader):
        self.shown, self.reader = shown, reader
        self.nodes: list[Element] | None = []  # None once their rows are out

    def of(
        self, items: list[Element | Connection | SeedFileError]
    ) -> Iterator[Row | SeedFileError]:
        for item in items:
            if isinstance(item, Connection):
                yield from self.of_nodes()
                yield self.reader.connection_row(item)
            elif isinstance(item, SeedFileError):
                yield item
            elif self.nodes is not None:
                self.nodes.append(item)
            else:
                problem = "comes after the edges; a GEXF file lists its nodes first"
                yield SeedFileError(self.shown, item.line, item.place, problem)

    def of_nodes(self) -> list[Row | SeedFileError]:
        nodes, self.nodes = self.nodes, None
        return self.reader.element_rows(nodes) if nodes else []


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks, then b"" to say it ended."""
    while chunk := file.read(_CHUNK):
        yield chunk
    yield b""


@dataclass
class _Attribute:
    """An attribute declared for nodes or edges: `<attribute id title type><default>`."""

    title: str
    type: str
    default: str | None = None


@dataclass
class _Open:
    """A node or edge whose end tag has not come yet."""

    kind: str  # "node" or "edge"
    line: int
    xml: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (field, problem)

    @property
    def place(self) -> str:
        if "id" in self.xml:
            return f"{self.kind} {self.xml['id']!r}"
        if self.kind == "edge":
            return f"edge {self.xml.get('source')!r} -> {self.xml.get('target')!r}"
        return self.kind


class _Fatal(Exception):
    """A problem that ends the reading of the file."""

    def __init__(self, line: int | None, problem: str):
        super().__init__(problem)
        self.line, self.problem = line, problem


class _Parser:
    """expat handlers that turn GEXF into Elements, Connections and per-item problems."""

    def __init__(self, shown: str):
        self.shown = shown
        self.expat = pyexpat.ParserCreate(namespace_separator=" ")
        self.expat.buffer_text = True
        self.expat.StartElementHandler = self._start
        self.expat.EndElementHandler = self._end
        self.expat.CharacterDataHandler = self._characters
        self.expat.StartDoctypeDeclHandler = self._doctype
        self.stack: list[str] = []  # local names of the open elements ("" for viz:...)
        self.declared: dict[str, dict[str, _Attribute]] = {"node": {}, "edge": {}}
        self.attribute_class = "node"
        self.declaring: tuple[str, _Attribute] | None = None
        self.default_text: list[str] | None = None
        self.default_length = 0
        self.open: list[_Open] = []
        self.ready: list[Element | Connection | SeedFileError] = []

    def feed(self, chunk: bytes) -> SeedFileError | None:
        """Parse the next chunk (b"" at the end); the problem that ends the file, if any."""
        try:
            self.expat.Parse(chunk, not chunk)
        except _Fatal as fatal:
            return SeedFileError(self.shown, fatal.line, None, fatal.problem)
        except pyexpat.ExpatError as error:
            problem = (
                f"not well-formed XML: {pyexpat.ErrorString(error.code)} "
                f"(column {error.offset + 1})"
            )
            return SeedFileError(self.shown, error.lineno, None, problem)
        return None

    def take(self) -> list[Element | Connection | SeedFileError]:
        """What the chunks fed so far have completed, in file order."""
        ready, self.ready = self.ready, []
        return ready

    # -- handlers ----------------------------------------------------------------------------

    def _doctype(self, *declaration: Any) -> None:
        raise _Fatal(self.expat.CurrentLineNumber, DTD_REFUSED)

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        parent = self.stack[-1] if self.stack else None
        if len(self.stack) >= MAX_DEPTH:
            problem = f"elements are nested more than {MAX_DEPTH} deep; GEXF needs far fewer"
            raise _Fatal(self.expat.CurrentLineNumber, problem)
        if parent is None and local != "gexf":
            raise _Fatal(
                self.expat.CurrentLineNumber, f"the root element is {local!r}; expected gexf"
            )
        if parent == "" or namespace.endswith("viz"):
            self.stack.append("")  # presentation (colour, position, size): not read
            return
        self.stack.append(local)
        if local == "attributes" and parent == "graph":
            self.attribute_class = attributes.get("class", "node")
        elif local == "attribute" and parent == "attributes":
            self._declare(attributes)
        elif local == "default" and parent == "attribute":
            self.default_text, self.default_length = [], 0
        elif local in ("node", "edge") and parent == f"{local}s":
            line = self.expat.CurrentLineNumber
            item = _Open(local, line, dict(attributes))
            self.open.append(item)
            for key, value in attributes.items():
                self._check_length(item, key, value)
        elif local == "attvalue" and parent == "attvalues" and self.open:
            self._attvalue(self.open[-1], attributes)

    def _end(self, name: str) -> None:
        local = self.stack.pop()
        if local == "attribute":
            self.declaring = None
        elif local == "default" and self.default_text is not None and self.declaring is not None:
            self.declaring[1].default = "".join(self.default_text)
            self.default_text = None
        elif local in ("node", "edge") and self.open and self.open[-1].kind == local:
            item = self.open.pop()
            self.ready.append(self._finished(item))

    def _characters(self, text: str) -> None:
        if self.default_text is not None:
            self.default_text.append(text)
            self.default_length += len(text)
            if self.default_length > MAX_VALUE:
                problem = f"an attribute's default is longer than {MAX_VALUE:,} characters"
                raise _Fatal(self.expat.CurrentLineNumber, problem)

    # -- attributes --------------------------------------------------------------------------

    def _declare(self, attributes: dict[str, str]) -> None:
        attribute_class = self.attribute_class if self.attribute_class == "edge" else "node"
        declared = self.declared[attribute_class]
        if len(declared) >= MAX_DECLARED:
            problem = f"more than {MAX_DECLARED:,} attributes are declared for {attribute_class}s"
            raise _Fatal(self.expat.CurrentLineNumber, problem)
        attribute_id = attributes.get("id", "")
        title = attributes.get("title") or attribute_id
        attribute = _Attribute(title, attributes.get("type", "string").casefold())
        self.declaring = (attribute_class, attribute)
        declared[attribute_id] = attribute

    def _attvalue(self, item: _Open, attributes: dict[str, str]) -> None:
        key = attributes.get("for", attributes.get("id"))
        attribute = self.declared[item.kind].get(key or "")
        if attribute is None:
            problem = f"for={key!r} names no attribute declared for {item.kind}s"
            item.problems.append(("attvalue", problem))
            return
        value = attributes.get("value")
        if value is not None and self._check_length(item, attribute.title, value):
            item.values[attribute.title] = _typed(value, attribute.type)

    def _check_length(self, item: _Open, name: str, value: str) -> bool:
        if len(value) <= MAX_VALUE:
            return True
        problem = f"is {len(value):,} characters long; at most {MAX_VALUE:,} are read"
        item.problems.append((name, problem))
        return False

    # -- nodes and edges ---------------------------------------------------------------------

    def _finished(self, item: _Open) -> Element | Connection | SeedFileError:
        if "id" not in item.xml and item.kind == "node":
            item.problems.insert(0, ("id", "is missing; every GEXF node has an id"))
        if item.problems:
            name, problem = item.problems[0]
            return SeedFileError(self.shown, item.line, f"{item.place}: {name}", problem)
        values = self._with_defaults(item)
        if item.kind == "node":
            return _element(item, values)
        return _connection(item, values)

    def _with_defaults(self, item: _Open) -> dict[str, Any]:
        defaults = {
            attribute.title: _typed(attribute.default, attribute.type)
            for attribute in self.declared[item.kind].values()
            if attribute.default is not None
        }
        return defaults | item.values


def _element(item: _Open, values: dict[str, Any]) -> Element:
    node_id = item.xml.get("id")
    attributes = dict(values)
    if item.xml.get("label") is not None:
        attributes["label"] = item.xml["label"]
    own = node_id if "node_type" in values else None  # the project's own export
    return Element(item.line, item.place, attributes, node_id, own)


def _connection(item: _Open, values: dict[str, Any]) -> Connection:
    attributes = {key: value for key, value in values.items() if key not in _WRITER_KEYS}
    if not any(fold(key) in CONNECTION_TYPE_KEYS for key in attributes):
        xml_type = item.xml.get("type")
        text = item.xml.get("kind") or (
            xml_type if fold(xml_type or "") not in _DIRECTIONS else None
        )
        if text:
            attributes["type"] = text
    if item.xml.get("label") is not None:
        attributes.setdefault("label", item.xml["label"])
    weight = item.xml.get("weight")
    if weight is not None and _typed(weight, "double") != 1.0:
        attributes.setdefault("weight", weight)
    return Connection(
        item.line, item.place, item.xml.get("source"), item.xml.get("target"), attributes
    )


def _typed(text: str | None, kind: str) -> Any:
    """A value as its attribute is declared: integer, double, boolean, or else text."""
    if text is None:
        return None
    try:
        if kind in _INTEGERS:
            return int(text)
        if kind in _REALS:
            number = float(text)
            return number if math.isfinite(number) else text
    except ValueError:
        return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.strip().casefold(), text)
    return text
