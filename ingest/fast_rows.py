"""Records of plainly valid rows, built without pydantic: the fast path of `ingest.validate`.

Most rows of a big seed file are plainly valid: the ids are slugs, the kinds, sectors and types
are spelled as the model spells them, the years and dates are ASCII digits, and no text holds a
control character. For such a row, `plain_record` checks each field in plain Python and builds
the record that validation would have built, with the same values, defaults and normalisations
(texts NFC and stripped, regions and countries normalised, a PARTICIPATES_IN role and a FUNDS
currency filled in). For any other row it returns None, and the row goes through the model,
which words what is wrong. tests/test_fast_rows.py checks that both paths give equal records.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ingest.rows import CONTROL_CHARACTERS
from mapper.countries import normalise_country
from mapper.model import (
    DATA_MAX_CHARS,
    DATA_MAX_VALUES,
    MAX_INTEGER_DIGITS,
    SUBSECTORS,
    WEB_SCHEMES,
    Actor,
    ActorKind,
    Collaboration,
    CollaborationKind,
    Relation,
    RelationType,
    Role,
    Sector,
    Source,
    parse_external_ids,
)
from mapper.regions import normalise_region

__all__ = ["plain_record"]

_Record = Actor | Collaboration | Relation
_Model = type[Actor] | type[Collaboration] | type[Relation] | type[Source]
_Converters = dict[str, Callable[[Any], Any]]


class _NotPlain(Exception):
    """The row needs the model: it is invalid, or valid in a way the fast path does not check."""


def plain_record(record_type: str, fields: dict[str, Any]) -> _Record | None:
    """The record of a plainly valid row (`Row.fields`), as validation makes it; else None.

    >>> plain_record("actor", {"id": "vinnova", "name": "Vinnova", "sector": "public"}).kinds
    (<ActorKind.ORGANISATION: 'organisation'>,)
    >>> plain_record("actor", {"id": "Vinnova", "name": "Vinnova", "sector": "public"}) is None
    True
    """
    try:
        return _BUILDERS[record_type](fields)
    # LookupError: an unknown field or enum value; TypeError: a value of the wrong type;
    # ValueError: a region, country or date that the model refuses. The model decides then.
    except (_NotPlain, LookupError, TypeError, ValueError):
        return None


# -- records -------------------------------------------------------------------------------------


def _actor(fields: dict[str, Any]) -> Actor:
    values = _ACTOR.converted(fields)
    # Actor._region: a region is a Swedish county, and it makes an unknown country SE
    if values["region"] is not None and values["country"] in (None, "SE"):
        values["region"] = _region(values["region"])
        values["country"] = "SE"
    return _built(Actor, values, fields)


def _collaboration(fields: dict[str, Any]) -> Collaboration:
    values = _COLLABORATION.converted(fields)
    if values["region"] is not None:
        values["region"] = _region(values["region"])
    _check_period(values)
    return _built(Collaboration, values, fields)


def _relation(fields: dict[str, Any]) -> Relation:
    """With what Relation._fields_fit_the_type fills in, and without what it refuses."""
    values = _RELATION.converted(fields)
    relation_type = values["type"]
    funds, amount = relation_type is RelationType.FUNDS, values["amount"]
    if relation_type is RelationType.PARTICIPATES_IN:
        if values["role"] is None:
            values["role"] = Role.PARTICIPANT
    elif values["role"] is not None:
        raise _NotPlain
    if funds and amount is not None and values["currency"] is None:
        values["currency"] = "SEK"
    if not funds and (amount is not None or values["currency"] or values["collaboration"]):
        raise _NotPlain
    if relation_type in _ACTOR_TO_ACTOR and values["source"] == values["target"]:
        raise _NotPlain
    _check_period(values)
    return _built(Relation, values, fields)


@dataclass
class _Fields:
    """How a model's field validators take a plain row: a converter per field."""

    model: _Model
    converters: _Converters
    required: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(init=False)
    """Every field in the model's order, with its default (None for a required field)."""
    factories: dict[str, Callable[[], Any]] = field(init=False)
    """The fields whose default is made for each record (`data`, `external_ids`)."""

    def __post_init__(self) -> None:
        self.defaults, self.factories = {}, {}
        for name, info in self.model.model_fields.items():
            self.defaults[name] = None if info.is_required() else info.default
            if info.default_factory is not None:
                self.factories[name] = info.default_factory  # type: ignore[assignment]

    def converted(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Every field of the model in its order: each given one as its validators make it (an
        unknown field raises KeyError), the others as their defaults."""
        values = self.defaults.copy()
        converters = self.converters
        for name, value in fields.items():
            values[name] = converters[name](value)
        for name in self.required:
            if values[name] is None:
                raise _NotPlain
        for name, factory in self.factories.items():
            if name not in fields:
                values[name] = factory()
        return values


def _built(model: _Model, values: dict[str, Any], given: dict[str, Any]) -> Any:
    """What `model.model_construct(_fields_set=set(given), **values)` builds, faster.

    model_construct also looks for aliases, extra fields and private attributes, which our
    models do not have, and takes four times as long as validating the row would.
    """
    record = model.__new__(model)
    _set(record, "__dict__", values)
    _set(record, "__pydantic_fields_set__", set(given))
    _set(record, "__pydantic_extra__", None)
    _set(record, "__pydantic_private__", None)
    return record


_set = object.__setattr__


def _check_period(values: dict[str, Any]) -> None:
    """mapper.model._check_period: an end before the start is not plain."""
    start, end = values["start"], values["end"]
    if start and end and end[: len(start)] < start[: len(end)]:
        raise _NotPlain


# -- fields --------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """What the model's `_blank_to_none` makes of a text: NFC, stripped, None when blank."""
    if type(value) is not str or CONTROL_CHARACTERS.search(value):
        raise _NotPlain
    return unicodedata.normalize("NFC", value).strip() or None


def _web_address(value: Any) -> str | None:
    """A text that is an http(s) address (Actor._url); anything else is left to the model."""
    text = _text(value)
    if text is not None and not text.lower().startswith(WEB_SCHEMES):
        raise _NotPlain
    return text


def _name(value: Any) -> str:
    text = _text(value)
    if text is None or len(text) > 100_000:
        raise _NotPlain
    return text


def _slug(value: Any) -> str:
    if type(value) is not str or len(value) > 200 or not _SLUG.fullmatch(value):
        raise _NotPlain
    return value


def _kinds(value: Any) -> tuple[ActorKind, ...]:
    """Actor._kinds: a text split at `|`, `,` or `;` and stripped, or a list of kinds spelled as
    the enum spells them; without repeats."""
    if type(value) is list:
        parts = dict.fromkeys(value)  # TypeError for a part that is a list or a dict
    elif value in _PLAIN_KINDS:  # most often one kind, spelled as the enum spells it
        return _PLAIN_KINDS[value]
    else:
        _text(value)  # a text, without control characters
        parts = dict.fromkeys(p.strip() for p in _KIND_SEPARATORS.split(value) if p.strip())
    if not parts:
        raise _NotPlain
    return tuple(_ACTOR_KINDS[part] for part in parts)


def _subsector(value: Any) -> str | None:
    if value not in SUBSECTORS:  # a name, exactly: no control character, nothing to strip
        raise _NotPlain
    return value


def _country(value: Any) -> str | None:
    text = _text(value)
    return normalise_country(text) if text is not None else None


@lru_cache(maxsize=256)
def _region(value: str) -> str:
    """normalise_region, remembered: a file names the same few counties again and again."""
    return normalise_region(value)


def _aliases(value: Any) -> tuple[str, ...]:
    """Actor._aliases: a text split at `|`, or a list of texts, each part as `_text` makes it,
    without blanks or repeats."""
    parts = value.split("|") if type(value) is str else value
    if type(parts) is not list:
        raise _NotPlain
    return tuple(dict.fromkeys(alias for alias in map(_text, parts) if alias))


def _data(value: Any) -> dict[str, Any]:
    """A flat JSON object whose texts hold no control characters and whose numbers are within
    the model's limits (others go to the model)."""
    if type(value) is not dict or len(value) >= DATA_MAX_VALUES:
        raise _NotPlain
    texts = []
    for key, item in value.items():
        kind = type(item)
        if kind not in _DATA_SCALARS:
            raise _NotPlain
        texts.append(key)  # a key that is not a text makes join raise TypeError
        if kind is str:
            texts.append(item)
        elif (kind is int and not -_MAX_INTEGER < item < _MAX_INTEGER) or (
            kind is float and not math.isfinite(item)
        ):
            raise _NotPlain  # check_data says which limit it breaks
    joined = "\n".join(texts)
    if len(joined) > DATA_MAX_CHARS // 4 or CONTROL_CHARACTERS.search(joined):
        raise _NotPlain  # a large one: the model measures its JSON
    return dict(value)


def _external_ids(value: Any) -> dict[str, str]:
    """`scheme:id|...` as parse_external_ids reads it, or an object of texts (JSON in a text is
    left to the model)."""
    if type(value) is dict:
        ids = dict(value)
        if CONTROL_CHARACTERS.search("\n".join([*ids, *ids.values()])):  # TypeError: no text
            raise _NotPlain
    elif _text(value) is None or value.lstrip().startswith("{"):
        raise _NotPlain
    else:
        ids = parse_external_ids(value)
    for scheme, external_id in ids.items():
        if len(scheme) > 40 or not _SCHEME.fullmatch(scheme):
            raise _NotPlain
        if len(external_id) > 200 or not _EXTERNAL_ID.fullmatch(external_id):
            raise _NotPlain
    return ids


def _date(value: Any) -> str:
    """A year or an ISO date in ASCII digits, as mapper.model._check_date keeps it."""
    if type(value) is not str or not _DATE.fullmatch(value):
        raise _NotPlain
    if len(value) == 10:
        dt.date.fromisoformat(value)  # ValueError for a day that is not in the calendar
    return value


def _amount(value: Any) -> float:
    """Digits, or a number (as JSON and importers give it), not negative, not too big."""
    if type(value) is str and len(value) <= 30 and _AMOUNT.fullmatch(value):
        return float(value)
    if type(value) in (int, float) and 0 <= value <= _EXACT_FLOATS:  # also False for NaN
        return float(value)
    raise _NotPlain


def _currency(value: Any) -> str:
    if type(value) is not str or not _CURRENCY.fullmatch(value):
        raise _NotPlain
    return value


def _year(value: Any) -> int:
    """Four digits, or a whole number (as JSON gives it), from 1800 to 2200."""
    if type(value) is str and not _YEAR.fullmatch(value):
        raise _NotPlain
    if type(value) not in (str, int) or not 1800 <= int(value) <= 2200:
        raise _NotPlain
    return int(value)


def _sources(value: Any) -> tuple[Source, ...]:
    if type(value) is not list:
        raise _NotPlain
    return tuple(map(_source, value))


def _source(value: Any) -> Source:
    """A source, remembered by its fields: the rows of a file often share one."""
    if type(value) is not dict:
        raise _NotPlain
    key = tuple(value.items())
    source = _SOURCES.get(key)
    if source is None:
        source = _new_source(value)
        if len(_SOURCES) < _SOURCES_KEPT:
            _SOURCES[key] = source
    return source


def _new_source(value: dict[str, Any]) -> Source:
    """With what Source._needs_an_origin checks."""
    values = _SOURCE.converted(value)
    document, url = values["document"], values["url"]
    if not (document or url) or (document and not values["quote"]):
        raise _NotPlain
    if url and not url.startswith(("https://", "http://")):
        raise _NotPlain
    return _built(Source, values, value)


# ASCII only, where the model's patterns would also take other digits or spaces: those rows go
# through the model, which then decides.
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SCHEME = re.compile(r"[a-z][a-z0-9_]*")
_EXTERNAL_ID = re.compile(r"[^|\s](?:[^|]*[^|\s])?")
_DATE = re.compile(r"[0-9]{4}(?:-[0-9]{2}-[0-9]{2})?")
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_YEAR = re.compile(r"[0-9]{4}")
_KIND_SEPARATORS = re.compile(r"[|,;]")

_ACTOR_KINDS = {kind.value: kind for kind in ActorKind}
_PLAIN_KINDS = {kind.value: (kind,) for kind in ActorKind}
_ACTOR_TO_ACTOR = {RelationType.PART_OF, RelationType.MEMBER_OF, RelationType.COLLABORATES_WITH}
_DATA_SCALARS = {str, int, float, bool, type(None)}
_MAX_INTEGER = 10**MAX_INTEGER_DIGITS
_EXACT_FLOATS = 2**53  # every whole number up to it is a float as it is
_SOURCES: dict[tuple, Source] = {}
_SOURCES_KEPT = 10_000

# Enum fields take a value spelled as the enum spells it (Relation.role would also strip it).
_SOURCE = _Fields(Source, {"document": _text, "quote": _text, "url": _text})
_ACTOR_FIELDS: _Converters = {
    "id": _slug,
    "name": _name,
    "name_en": _text,
    "kinds": _kinds,
    "sector": {sector.value: sector for sector in Sector}.__getitem__,
    "subsector": _subsector,
    "region": _text,  # normalised in _actor, as Actor._region does
    "country": _country,
    "url": _web_address,
    "aliases": _aliases,
    "description": _text,
    "data": _data,
    "external_ids": _external_ids,
    "sources": _sources,
}
_COLLABORATION_FIELDS: _Converters = {
    "id": _slug,
    "name": _name,
    "name_en": _text,
    "kind": {kind.value: kind for kind in CollaborationKind}.__getitem__,
    "start": _date,
    "end": _date,
    "region": _text,
    "description": _text,
    "data": _data,
    "sources": _sources,
}
_RELATION_FIELDS: _Converters = {
    "type": {relation_type.value: relation_type for relation_type in RelationType}.__getitem__,
    "source": _slug,
    "target": _slug,
    "collaboration": _slug,
    "role": {role.value: role for role in Role}.__getitem__,
    "amount": _amount,
    "currency": _currency,
    "year": _year,
    "start": _date,
    "end": _date,
    "description": _text,
    "sources": _sources,
}

_ACTOR = _Fields(Actor, _ACTOR_FIELDS, ("id", "name", "sector"))
_COLLABORATION = _Fields(Collaboration, _COLLABORATION_FIELDS, ("id", "name", "kind"))
_RELATION = _Fields(Relation, _RELATION_FIELDS, ("type", "source", "target"))
_BUILDERS: dict[str, Callable[[dict[str, Any]], _Record]] = {
    "actor": _actor,
    "collaboration": _collaboration,
    "relation": _relation,
}
