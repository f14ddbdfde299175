"""Elements and connections of a map made by hand (Kumu, Gephi) as rows, by the rules both share.

A map made in Kumu or Gephi names things its own way: keys in any case, with spaces
("Sector", "Start Date"), values in Swedish or English ("Offentlig", "member of"), its own ids.
`MapReader` turns them into rows in the model's field names, and keeps what has no field:

- The element's type decides the record: an actor type (Organization, Company, University,
  Agency, Municipality, Funder, ...; see `ELEMENT_TYPES`) or a collaboration type (Project,
  Event, ...). It also gives a kind (Funder, Department) or a subsector (University, Kommun)
  that no field of the element gives. A Person is refused with what to do instead.
- A sector comes only from a sector field ("Sector", "Sektor"): Swedish or English words, any
  case (`SECTOR_WORDS`); anything else, or no sector at all, is "unknown", and a value that is
  not a sector is kept in `data` under its key.
- Keys are read case-insensitively, with spaces, `_` and `-` alike ("Start Date" is `start`).
  A key that is no field of the record goes into `data` under its own name, "Tags" into
  `data["tags"]` (a list; text is split at `|` or `,`), and PIC, VAT and organisationsnummer
  into `external_ids`.
- An element's id is its "id", or else its label slugified (`Region Skåne` -> `region-skane`).
  Different labels with the same slug get `-2`, `-3`, ... in file order, so that no element is
  lost; elements with the same label and no id are one record, as in Kumu.
- A connection's ends are element ids, the tool's own ids (Kumu `_id`, GEXF node ids) or
  labels. Its type is free text ("funds", "medlem i", `PART_OF`; see `RELATION_WORDS`); from an
  actor to a collaboration it is PARTICIPATES_IN (with the role the text names, such as
  "partner"), unless it funds; between two actors any other text is COLLABORATES_WITH. Text
  that the relation type does not say, the connection's label and fields that are no field of a
  relation are kept in its description, one line each.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from ingest.limits import LimitExceeded, loads
from ingest.messages import shorten
from ingest.rows import Row
from mapper.errors import SeedFileError
from mapper.model import RelationType, Role, slugify

__all__ = [
    "CONNECTION_TYPE_KEYS",
    "ELEMENT_TYPES",
    "ELEMENT_TYPE_KEYS",
    "RELATION_WORDS",
    "SECTOR_WORDS",
    "Connection",
    "Element",
    "MapReader",
    "fold",
]


@functools.lru_cache(maxsize=4096)  # a map repeats its keys and types on every element
def fold(key: str) -> str:
    """A key or word as the rules compare it: case-folded, with `_`, `-` and spaces alike.

    >>> fold("Start_Date"), fold(" Civil-society "), fold("Näringsliv")
    ('start date', 'civil society', 'näringsliv')
    """
    text = unicodedata.normalize("NFC", key).casefold()
    return " ".join(_SEPARATORS.split(text)).strip()


_SEPARATORS = re.compile(r"[\s_\-]+")


# -- vocabulary ------------------------------------------------------------------------------


def _each(words: str, meaning: Any) -> dict[str, Any]:
    """`meaning` for each of the comma-separated `words`."""
    return dict.fromkeys((word.strip() for word in words.split(",")), meaning)


def _actor(kind: str | None = None, subsector: str | None = None) -> tuple[str, Any, Any]:
    return ("actor", kind, subsector)


def _collaboration(kind: str | None) -> tuple[str, Any, Any]:
    return ("collaboration", kind, None)


ELEMENT_TYPES: dict[str, tuple[str, str | None, str | None]] = {
    **_each("actor, aktör, organization, organisation, organizations, organisations", _actor()),
    **_each("ngo, non profit, nonprofit, idéburen organisation", _actor()),
    **_each("department, departement", _actor("department")),
    "ministry": _actor("department", "ministry"),
    **_each("funder, finansiär", _actor("funder")),
    **_each("government, regering, regeringen", _actor(None, "government")),
    **_each("agency, government agency, myndighet", _actor(None, "agency")),
    **_each("municipality, kommun", _actor(None, "municipality")),
    **_each(
        "county administrative board, länsstyrelse", _actor(None, "county_administrative_board")
    ),
    **_each(
        "university, universitet, högskola, university college, lärosäte",
        _actor(None, "university"),
    ),
    **_each("research institute, forskningsinstitut", _actor(None, "research_institute")),
    **_each("company, business, corporation, företag, bolag", _actor(None, "company")),
    **_each("social enterprise, socialt företag", _actor(None, "social_enterprise")),
    **_each("cooperative, kooperativ, ekonomisk förening", _actor(None, "cooperative")),
    **_each("foundation, stiftelse", _actor(None, "foundation")),
    **_each("association, förening, ideell förening", _actor(None, "association")),
    **_each(
        "international organisation, international organization", _actor(None, "international_org")
    ),
    "collaboration": _collaboration(None),  # the kind is in a kind field (GEXF export)
    **_each("project, projekt", _collaboration("project")),
    **_each("partnership, partnerskap", _collaboration("partnership")),
    **_each("event, evenemang, conference, konferens", _collaboration("event")),
    **_each("programme, program", _collaboration("programme")),
    **_each("network, nätverk", _collaboration("network")),
    "policy": _collaboration("policy"),
}
"""An element type, folded, -> (record type, kind, subsector) it gives."""

_PEOPLE = frozenset({"person", "people", "individual", "individ", "personer"})

SECTOR_WORDS: dict[str, str] = {
    **_each("public, public sector, offentlig, offentlig sektor, offentliga sektorn", "public"),
    **_each(
        "private, private sector, privat, privat sektor, näringsliv, näringslivet, business",
        "private",
    ),
    **_each(
        "civil society, civilsamhälle, civilsamhället, ideell, ideell sektor, idéburen, "
        "idéburen sektor, ngo, non profit, nonprofit",
        "civil_society",
    ),
    **_each("academia, academic, akademi, akademin, university, universitet, högskola", "academia"),
    **_each("unknown, okänd, okänd sektor", "unknown"),
}
"""A sector value, folded, -> the sector; any other value is "unknown"."""

_PI, _FUNDS = RelationType.PARTICIPATES_IN, RelationType.FUNDS
_COLLABORATES = RelationType.COLLABORATES_WITH

RELATION_WORDS: dict[str, tuple[RelationType, bool]] = {
    **_each(
        "participates in, participates, participant in, takes part in, deltar i, deltar, "
        "medverkar i",
        (_PI, False),
    ),
    **_each(
        "funds, funder, funder of, funding, finances, finansierar, finansiär, finansiär av, "
        "finansiering",
        (_FUNDS, False),
    ),
    **_each("funded by, finansieras av, finansierad av, finansierat av", (_FUNDS, True)),
    **_each(
        "part of, is part of, del av, är del av, är en del av, belongs to, tillhör",
        (RelationType.PART_OF, False),
    ),
    **_each(
        "member of, is member of, is a member of, member, medlem i, medlem av",
        (RelationType.MEMBER_OF, False),
    ),
    **_each(
        "collaborates with, collaboration, collaborates, cooperates with, cooperation, "
        "works with, partner, partners, partnership, samarbetar med, samarbete, samverkar med, "
        "samverkan, samarbetspartner",
        (_COLLABORATES, False),
    ),
}
"""A connection type, folded, -> (relation type, whether it points the other way)."""

_ROLE_WORDS: dict[str, Role] = {
    **{fold(role.value): role for role in Role if role is not Role.FUNDER},  # "funder" funds
    **_each("leads, leader, coordinator, koordinator, leder", Role.LEAD),
    **_each("organizer, organises, organizes, arrangör, arrangerar", Role.ORGANISER),
    **_each("partners, projektpartner", Role.PARTNER),
    "talare": Role.SPEAKER,
    "deltagare": Role.PARTICIPANT,
    **_each("adviser, rådgivare", Role.ADVISOR),
    "utvärderare": Role.EVALUATOR,
    "medfinansiär": Role.CO_FUNDER,
}

_COMMON_FIELDS = {
    "id": "id",
    "label": "name",
    "name": "name",
    "namn": "name",
    "name en": "name_en",
    "english name": "name_en",
    "engelskt namn": "name_en",
    "region": "region",
    "county": "region",
    "län": "region",
    "description": "description",
    "beskrivning": "description",
    "sources": "sources",
    "data": "data",
}
_FIELDS: dict[str, dict[str, str]] = {
    "actor": {
        **_COMMON_FIELDS,
        "kinds": "kinds",
        "kind": "kinds",
        "sector": "sector",
        "sektor": "sector",
        "subsector": "subsector",
        "sub sector": "subsector",
        "undersektor": "subsector",
        "country": "country",
        "land": "country",
        "url": "url",
        "website": "url",
        "web": "url",
        "homepage": "url",
        "webbplats": "url",
        "webbsida": "url",
        "hemsida": "url",
        "aliases": "aliases",
        "alias": "aliases",
        "external ids": "external_ids",
    },
    "collaboration": {
        **_COMMON_FIELDS,
        "kind": "kind",
        "start": "start",
        "start date": "start",
        "startdatum": "start",
        "end": "end",
        "end date": "end",
        "slutdatum": "end",
    },
    "relation": {
        "role": "role",
        "roll": "role",
        "amount": "amount",
        "belopp": "amount",
        "currency": "currency",
        "valuta": "currency",
        "year": "year",
        "år": "year",
        "start": "start",
        "start date": "start",
        "startdatum": "start",
        "end": "end",
        "end date": "end",
        "slutdatum": "end",
        "description": "description",
        "beskrivning": "description",
        "sources": "sources",
        "collaboration": "collaboration",
    },
}
_EXTERNAL_SCHEMES = {
    "pic": "pic",
    "vat": "vat",
    "vat number": "vat",
    "momsregistreringsnummer": "vat",
    "orgnr": "orgnr",
    "org nr": "orgnr",
    "organisationsnummer": "orgnr",
    "organisation number": "orgnr",
    "organization number": "orgnr",
}
_JSON_FIELDS = frozenset({"sources", "data", "external_ids"})
ELEMENT_TYPE_KEYS = frozenset({"type", "element type", "node type", "typ", "elementtyp"})
"""The keys, folded, that hold an element's type."""
CONNECTION_TYPE_KEYS = frozenset(
    {"type", "connection type", "relation type", "typ", "relationstyp", "kopplingstyp"}
)
"""The keys, folded, that hold a connection's type."""
_CONNECTION_SKIPPED = frozenset({"id", "from", "to", "direction"})
_MAX_SLUG = 100


class Element(NamedTuple):
    """An element (Kumu) or node (GEXF) as the file has it."""

    line: int | None
    place: str | None
    """Where it is in a file without lines, e.g. "node 'vinnova'"; None in Kumu."""
    attributes: dict[str, Any]
    """Every key and value, presentation (colours, positions) left out."""
    key: str | None = None
    """The tool's own id of the element, which connections may use (Kumu `_id`, GEXF node id)."""
    record_id: str | None = None
    """The record id, where the tool's id is one (the project's own GEXF export)."""


class Connection(NamedTuple):
    """A connection (Kumu) or edge (GEXF) as the file has it."""

    line: int | None
    place: str | None
    source: Any
    target: Any
    attributes: dict[str, Any]


@dataclass
class _Mapped:
    element: Element
    record_type: str
    fields: dict[str, Any]


class _Problem(Exception):
    """What is wrong with a key: it gives a field another key gives otherwise, say."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key, self.problem = key, problem


class MapReader:
    """The rows of one map: `element_rows` once with every element, then `connection_row`.

    `format` names the fields in messages ("kumu", "gexf"); `untyped` is the record type of an
    element without a type, or None to refuse it (Kumu).
    """

    def __init__(self, shown: str, format: str, *, untyped: str | None = None):
        self.shown, self.format, self.untyped = shown, format, untyped
        self.end_names = _END_NAMES.get(format, _END_NAMES["gexf"])
        self.kinds: dict[str, str] = {}  # record id -> "actor" or "collaboration"
        self.keys: dict[str, str] = {}  # the tool's own ids -> record id
        self.labels: dict[str, list[str]] = {}  # label -> record ids

    def element_rows(self, elements: Iterable[Element]) -> list[Row | SeedFileError]:
        """A row for each element (or the problem with it), ids given to those without."""
        results = [self._mapped(element) for element in elements]
        self._give_ids([result for result in results if isinstance(result, _Mapped)])
        return [self._row(result) if isinstance(result, _Mapped) else result for result in results]

    def connection_row(self, connection: Connection) -> Row | SeedFileError:
        """The relation of a connection, or the problem with it."""
        try:
            return self._relation_row(connection)
        except _Problem as conflict:
            return self._error(connection, conflict.key, conflict.problem)

    def _error(self, item: Element | Connection, field: str, problem: str) -> SeedFileError:
        where = f"{item.place}: {field}" if item.place is not None else field
        return SeedFileError(self.shown, item.line, where, problem)

    # -- elements ----------------------------------------------------------------------------

    def _mapped(self, element: Element) -> _Mapped | SeedFileError:
        try:
            type_key, element_type = _typed_value(element.attributes, ELEMENT_TYPE_KEYS)
            typed = self._record_type(element_type)
            if typed is None:
                return self._error(element, type_key or "type", _unknown_type(element_type))
            record_type, kind, subsector = typed
            fields = _record_fields(element.attributes, record_type)
            if element.record_id is not None:
                _put(fields, {}, "id", "id", element.record_id)
            _put_type(fields, record_type, kind, subsector, type_key or "type")
        except _Problem as conflict:
            return self._error(element, conflict.key, conflict.problem)
        return _Mapped(element, record_type, fields)

    def _record_type(self, element_type: Any) -> tuple[str, str | None, str | None] | None:
        if element_type is None:
            return None if self.untyped is None else (self.untyped, None, None)
        return ELEMENT_TYPES.get(fold(element_type)) if isinstance(element_type, str) else None

    def _give_ids(self, mapped: list[_Mapped]) -> None:
        """Explicit ids stay; the others get their label's slug, unique in the map.

        Elements with the tool's own id are told apart by it, the others by their label.
        """
        taken = {
            result.fields["id"] for result in mapped if isinstance(result.fields.get("id"), str)
        }
        given: dict[tuple[str, Any], str] = {}
        for result in mapped:
            label, key = _text(result.fields.get("name")), result.element.key
            if "id" not in result.fields:
                identity = ("key", key) if key is not None else ("label", _hashable(label))
                if identity not in given:
                    given[identity] = _unique(_slug(label) or _slug(key), taken)
                if given[identity]:
                    result.fields["id"] = given[identity]
            self._remember(result.fields.get("id"), result.record_type, label, key)

    def _remember(self, record_id: Any, record_type: str, label: Any, key: str | None) -> None:
        """How connections may name the record: its id, the tool's id, its label."""
        if not isinstance(record_id, str):
            return
        self.kinds[record_id] = record_type
        if key is not None:
            self.keys.setdefault(key, record_id)
        if isinstance(label, str):
            ids = self.labels.setdefault(label, [])
            if record_id not in ids:
                ids.append(record_id)

    def _row(self, result: _Mapped) -> Row:
        element = result.element
        return Row(result.record_type, element.line, result.fields, self.format, element.place)

    # -- connections -------------------------------------------------------------------------

    def _relation_row(self, connection: Connection) -> Row | SeedFileError:
        _, text = _typed_value(connection.attributes, CONNECTION_TYPE_KEYS)
        fields, extras = _relation_fields(connection.attributes)
        label = _text(_value_of(connection.attributes, "label"))
        if text is None:
            text, label = label, None
        ends = {"source": connection.source, "target": connection.target}
        if "collaboration" in fields:
            ends["collaboration"] = fields["collaboration"]
        for end, value in ends.items():
            ends[end] = self._resolve(value)
            if isinstance(ends[end], SeedFileError):
                return self._error(connection, self.end_names[end], ends[end].problem)
        decided = self._relation(text, ends["source"], ends["target"])
        if isinstance(decided, str):
            return self._error(connection, self.end_names["source"], decided)
        relation_type, role, swap, kept = decided
        if swap:
            ends["source"], ends["target"] = ends["target"], ends["source"]
        fields.update({end: value for end, value in ends.items() if value is not None})
        fields["type"] = relation_type
        if role is not None:
            fields.setdefault("role", role.value)
        if isinstance(fields.get("description"), str | None):
            description = _joined([kept, label, fields.get("description"), *extras])
            fields.update({"description": description} if description else {})
        return Row("relation", connection.line, fields, self.format, connection.place)

    def _resolve(self, value: Any) -> Any:
        """The record id a connection's end names: the tool's id, a record id or a label."""
        if not isinstance(value, str):
            return value
        if value in self.keys:
            return self.keys[value]
        if value in self.kinds:
            return value
        ids = self.labels.get(_text(value), [])
        if len(ids) > 1:
            named = ", ".join(repr(i) for i in ids)
            problem = (
                f"{shorten(value)} is the label of {len(ids)} elements ({named}); name the "
                "element by its id"
            )
            return SeedFileError(self.shown, None, None, problem)
        return ids[0] if ids else value

    def _relation(
        self, text: Any, source: Any, target: Any
    ) -> tuple[str, Role | None, bool, str | None] | str:
        """(type, role, whether the ends swap, text to keep) of a connection, or its problem."""
        if not isinstance(text, str | None):
            text = json.dumps(text, ensure_ascii=False)
        if text is not None and text.strip() in RelationType.__members__:
            return text.strip(), None, False, None  # the model's own name: taken as it is
        word = fold(text) if text else ""
        relation_type, swap = RELATION_WORDS.get(word, (None, False))
        role = _ROLE_WORDS.get(word)
        ends = (target, source) if swap else (source, target)
        kinds = tuple(self.kinds.get(end) if isinstance(end, str) else None for end in ends)
        if kinds == ("collaboration", "collaboration"):
            return (
                f"connects two collaborations ({shorten(source)} and {shorten(target)}); a "
                "relation goes from an actor: connect each actor to the collaborations instead"
            )
        if kinds == ("collaboration", "actor") and relation_type is not _FUNDS:
            swap, kinds = not swap, ("actor", "collaboration")
        if kinds[1] == "collaboration" and relation_type is not _FUNDS:
            understood = relation_type is _PI or role is not None
            return _PI.value, role, swap, None if understood else text
        if relation_type is _PI and kinds[1] is None:
            return _PI.value, role, swap, None  # the target may be a collaboration in the store
        if relation_type is not None and relation_type is not _PI:
            return relation_type.value, None, swap, None
        return _COLLABORATES.value, None, swap, text


_END_NAMES = {
    "kumu": {"source": "from", "target": "to", "collaboration": "collaboration"},
    "gexf": {"source": "source", "target": "target", "collaboration": "collaboration"},
}


# -- fields ----------------------------------------------------------------------------------


def _typed_value(attributes: dict[str, Any], type_keys: frozenset[str]) -> tuple[str | None, Any]:
    """The key and value of the type, among the keys `type_keys` names; both None if none."""
    found: tuple[str | None, Any] = (None, None)
    for key, value in attributes.items():
        if fold(key) in type_keys and not _blank(value):
            if found[0] is not None and _text(found[1]) != _text(value):
                raise _Problem(key, _differs(value, found[0], found[1], "type"))
            found = found if found[0] is not None else (key, value)
    return found


def _record_fields(attributes: dict[str, Any], record_type: str) -> dict[str, Any]:
    """The model fields of an element's attributes, the rest in `data`. Raises _Problem."""
    names = _FIELDS[record_type]
    fields: dict[str, Any] = {}
    given_by: dict[str, str] = {}
    data: dict[str, Any] = {}
    external: dict[str, Any] = {}
    for key, value in attributes.items():
        folded = fold(key)
        if _blank(value) or folded in ELEMENT_TYPE_KEYS:
            continue
        name = names.get(folded)
        if name in _JSON_FIELDS:
            value = _decoded(value, key)
        if name == "data" and isinstance(value, dict):
            _merge(data, value, key)
        elif name == "external_ids" and isinstance(value, dict):
            _merge(external, value, key)
        elif name == "sector":
            sector = SECTOR_WORDS.get(fold(value)) if isinstance(value, str) else None
            _put(fields, given_by, key, "sector", sector or "unknown", shown=value)
            if sector is None:  # not a sector: kept as it is
                _merge(data, {key.strip(): value}, key)
        elif record_type == "actor" and folded in _EXTERNAL_SCHEMES and name is None:
            scheme = _EXTERNAL_SCHEMES[folded]
            _merge(external, {scheme: str(value) if isinstance(value, int) else value}, key)
        elif folded == "tags" and name is None:
            _merge(data, {"tags": _tags(value)}, key)
        elif name is None:
            _merge(data, {key.strip(): value}, key)
        else:
            _put(fields, given_by, key, name, value)
    if data:
        _put(fields, given_by, "data", "data", data)
    if external:
        _put(fields, given_by, "external_ids", "external_ids", external)
    if record_type == "actor":
        fields.setdefault("sector", "unknown")
    return fields


def _put_type(
    fields: dict[str, Any], record_type: str, kind: str | None, subsector: str | None, key: str
) -> None:
    """What the element's type says: a collaboration's kind; an actor's kind and subsector
    where no field gives them."""
    if record_type == "collaboration" and kind is not None:
        given = fields.get("kind")
        if given is not None and ELEMENT_TYPES.get(fold(str(given)), (None, None))[1] != kind:
            raise _Problem(key, _differs(kind, "kind", given, "kind"))
        fields["kind"] = kind
    elif kind is not None:
        fields.setdefault("kinds", [kind])
    if subsector is not None:
        fields.setdefault("subsector", subsector)


def _relation_fields(attributes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The model fields of a connection, and the rest as "key: value" lines."""
    names = _FIELDS["relation"]
    fields: dict[str, Any] = {}
    given_by: dict[str, str] = {}
    extras = []
    for key, value in attributes.items():
        folded = fold(key)
        if _blank(value) or folded in CONNECTION_TYPE_KEYS or folded in _CONNECTION_SKIPPED:
            continue
        name = names.get(folded)
        if name == "sources":
            value = _decoded(value, key)
        if name == "role" and isinstance(value, str):
            value = _role(value)
        if name is not None:
            _put(fields, given_by, key, name, value)
        elif folded == "tags":
            extras.append(f"{key.strip()}: {', '.join(map(str, _tags(value)))}")
        elif folded != "label":
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            extras.append(f"{key.strip()}: {shown}")
    return fields, extras


def _put(
    fields: dict[str, Any],
    given_by: dict[str, str],
    key: str,
    name: str,
    value: Any,
    *,
    shown: Any = None,
) -> None:
    """Set a field from `key`; raise _Problem if another key gave it another value."""
    if name in fields and _text(fields[name]) != _text(value):
        other_key = given_by.get(name, name)
        other = given_by.get(f"{name} as written", fields[name])
        raise _Problem(key, _differs(value if shown is None else shown, other_key, other, name))
    fields[name] = value
    given_by.setdefault(name, key)
    given_by.setdefault(f"{name} as written", value if shown is None else shown)


def _merge(into: dict[str, Any], values: dict[str, Any], key: str) -> None:
    for name, value in values.items():
        if name in into and into[name] != value:
            raise _Problem(key, _differs(value, name, into[name], f"data[{name!r}]"))
        into[name] = value


def _differs(value: Any, other_key: str, other: Any, name: str) -> str:
    return (
        f"{shorten(value)} differs from {shorten(other)} given as {other_key!r}; both give the "
        f"{name}: keep one"
    )


def _unknown_type(kumu_type: Any) -> str:
    expected = (
        "expected an actor type (Organization, Organisation, Department, Funder, or a kind of "
        "organisation such as Company, University, Agency, Municipality, Foundation, "
        "Association) or a collaboration type (Project, Partnership, Event, Programme, "
        "Network, Policy)"
    )
    if kumu_type is None:
        return f"is missing; {expected}"
    if isinstance(kumu_type, str) and fold(kumu_type) in _PEOPLE:
        return (
            f"{shorten(kumu_type)} is not an element type of this map: it maps organisations, "
            "not people. Remove the people and their connections from the file, or give the "
            "element the type of the organisation it stands for (such as Organization)"
        )
    return f"{shorten(kumu_type)} is not an element type of this map; {expected}"


def _role(value: str) -> str:
    """A role as the model names it, if the text is one ("Co-funder" -> "co_funder")."""
    role = _ROLE_WORDS.get(fold(value))
    return role.value if role is not None else value


def _tags(value: Any) -> list[Any]:
    """Kumu's tags: a list, or text separated by `|` (or else `,`)."""
    if isinstance(value, str):
        parts = value.split("|") if "|" in value else value.split(",")
        return [part.strip() for part in parts if part.strip()]
    return list(value) if isinstance(value, list | tuple) else [value]


def _decoded(value: Any, key: str) -> Any:
    """JSON text (as GEXF holds `sources`, `data` and `external_ids`) as what it holds."""
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return loads(value)
        except json.JSONDecodeError:
            return value  # the validator says why it is no list or object
        except LimitExceeded as error:
            raise _Problem(key, str(error)) from None
    return value


def _value_of(attributes: dict[str, Any], folded: str) -> Any:
    return next((v for k, v in attributes.items() if fold(k) == folded and not _blank(v)), None)


def _joined(parts: list[Any]) -> str | None:
    kept = [part for part in dict.fromkeys(parts) if isinstance(part, str) and part.strip()]
    return "\n".join(kept) if kept else None


def _blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> Any:
    """A value as two keys are compared: text stripped and NFC-normalised."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip() or None
    return value


def _hashable(value: Any) -> Any:
    return value if isinstance(value, str | int | float | None) else repr(value)


def _slug(text: Any) -> str:
    if not isinstance(text, str):
        return ""
    return slugify(text)[:_MAX_SLUG].rstrip("-")


def _unique(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`, ... if it is taken; "" stays "" (no id to give)."""
    if not slug:
        return ""
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate
