"""Plain-language messages for pydantic's validation errors, and the field names users see.

Each message names the bad value and what was expected, e.g.
`'public sector' is not one of public, private, civil_society, academia`.
"""

from __future__ import annotations

import difflib
import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from mapper.model import ActorKind, CollaborationKind, RelationType, Role, Sector, Source, slugify

__all__ = ["field_name", "problem_of", "shorten"]

_ENUMS: dict[str, type[StrEnum]] = {
    "sector": Sector,
    "kinds": ActorKind,
    "kind": CollaborationKind,
    "type": RelationType,
    "role": Role,
}
_PATTERNS = {
    "country": "a two-letter country code (ISO 3166-1) such as 'SE'",
    "currency": "a three-letter currency code (ISO 4217) such as 'SEK'",
}
_CSV_SOURCE_FIELDS = {"document": "source_document", "quote": "source_quote", "url": "source_url"}
_KUMU_FIELDS = {"name": "label", "source": "from", "target": "to"}
# CORDIS' names of the fields a record of its files gives (`name` and `id` are its own names).
_CORDIS_FIELDS = {
    "url": "organizationURL",
    "aliases": "shortName",
    "start": "startDate",
    "end": "endDate",
    "description": "objective",
    "amount": "ecContribution",
}
_HEAD_NAMES = {"kumu": _KUMU_FIELDS, "cordis": _CORDIS_FIELDS}

# Model-level validators name the wrong field only in their text: (start of text, field, and
# how much of the start to drop because the field name says it: "end: '2017' is before ...").
_FIELDS_OF_MODEL_ERRORS = (
    ("end ", "end", "end "),
    ("role is only", "role", "role "),
    ("amount and currency", "amount", ""),
    ("an actor cannot have", "target", ""),
    ("a source needs", "document", ""),
    ("the source from document", "quote", ""),
    ("url ", "url", "url "),
)
_MISSING = {
    "name": "every record needs a name",
    "id": "every record needs an id: lowercase ASCII words joined by hyphens, e.g. 'region-skane'",
}


def shorten(value: Any, length: int = 60) -> str:
    """`repr` of a value, cut to about `length` characters.

    >>> shorten("x" * 100, 10)
    "'xxxxxxxxxx…'"
    """
    if isinstance(value, str) and len(value) > length:
        return repr(value[:length] + "…")
    text = repr(value)
    return text if len(text) <= length + 2 else text[:length] + "…"


def problem_of(
    error: ErrorDetails, model: type[BaseModel], *, blank: str = "missing"
) -> tuple[tuple, str]:
    """The location of one pydantic error of `model` and what is wrong there, in plain words.

    `blank` is how a field that is not given is described ("empty" for a CSV cell).
    """
    loc = tuple(error["loc"])
    if error["type"] == "value_error":
        return _model_error(loc, str(error["ctx"]["error"]))
    if error["type"] == "extra_forbidden":
        owner = Source if loc[0] == "sources" else model
        expected = ", ".join(owner.model_fields)
        return loc, f"is not a field of {_a(owner.__name__.lower())}; expected one of {expected}"
    field = next((part for part in reversed(loc) if isinstance(part, str)), "")
    return loc, _describe(error, field, blank)


def _model_error(loc: tuple, text: str) -> tuple[tuple, str]:
    """The field a validator's ValueError is about, and its text."""
    if "is not a Swedish county" in text and not loc:
        return ("region",), text
    if loc and not isinstance(loc[-1], int):
        return loc, text
    for start, field, drop in _FIELDS_OF_MODEL_ERRORS:
        if text.startswith(start):
            return (*loc, field), text.removeprefix(drop)
    return loc, text


def _describe(error: ErrorDetails, field: str, blank: str) -> str:
    kind, value = error["type"], error.get("input")
    ctx = error.get("ctx", {})
    if kind == "missing" or (kind in ("string_type", "string_too_short") and value in (None, "")):
        return _missing(field, blank)
    if kind == "enum":
        return _not_one_of(value, _ENUMS.get(field), ctx)
    if kind == "string_pattern_mismatch":
        return _pattern(field, value)
    if kind == "finite_number":
        return f"{shorten(value)} is not a finite number; expected digits only, such as 150000000"
    if kind in ("float_parsing", "float_type"):
        return f"{shorten(value)} is not a number; expected digits only, such as 150000000"
    if kind in ("int_parsing", "int_type", "int_from_float", "int_parsing_size"):
        return f"{shorten(value)} is not a whole number; expected a year such as 2018"
    if kind in ("greater_than_equal", "less_than_equal"):
        return _out_of_range(field, value)
    if kind == "dict_type":
        return _not_an_object(value)
    if kind in ("model_type", "model_attributes_type"):
        return f"{shorten(value)} is not a source; expected an object with document, quote, url"
    if kind in ("tuple_type", "list_type"):
        return f"{shorten(value)} is not a list"
    if kind == "string_type":
        return f"{shorten(value)} is not text"
    if kind == "string_too_long":
        return f"is {len(value)} characters long; at most {ctx['max_length']} are allowed"
    return f"{shorten(value)}: {error['msg']}"


def _missing(field: str, blank: str) -> str:
    if field in _ENUMS:
        return f"is {blank}; expected one of {_values(_ENUMS[field])}"
    return f"is {blank}; {_MISSING.get(field, 'this field is required')}"


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _values(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


def _not_one_of(value: Any, enum: type[StrEnum] | None, ctx: dict[str, Any]) -> str:
    if enum is None:
        return f"{shorten(value)} is not one of {ctx.get('expected', 'the allowed values')}"
    message = f"{shorten(value)} is not one of {_values(enum)}"
    if isinstance(value, str):
        by_folded = {member.value.casefold(): member.value for member in enum}
        folded = value.strip().casefold().replace(" ", "_").replace("-", "_")
        close = difflib.get_close_matches(folded, by_folded, n=1)
        if close:
            message += f"; did you mean {by_folded[close[0]]!r}?"
    return message


def _pattern(field: str, value: Any) -> str:
    if field in _PATTERNS:
        return f"{shorten(value)} is not {_PATTERNS[field]}"
    suggestion = slugify(value) if isinstance(value, str) else ""
    example = f"{suggestion!r}" if suggestion else "'region-skane'"
    return (
        f"{shorten(value)} is not a valid id; expected lowercase ASCII letters and digits "
        f"joined by hyphens, such as {example}"
    )


def _out_of_range(field: str, value: Any) -> str:
    if field == "amount":
        return f"{shorten(value)} is negative; expected an amount of 0 or more"
    if field == "year":
        return f"{shorten(value)} is not a year between 1800 and 2200"
    return f"{shorten(value)} is out of range"


def _not_an_object(value: Any) -> str:
    example = 'expected a JSON object such as {"participants": 600}'
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError as error:
            reason = f"{error.msg}, column {error.colno}"
            return f"{shorten(value)} is not valid JSON ({reason}); {example}"
        except (ValueError, RecursionError):  # numbers or nesting beyond what Python reads
            pass
    return f"{shorten(value)} is not a JSON object; {example}"


def field_name(loc: tuple, format: str) -> str | None:
    """How a format names the field at a pydantic location, e.g. `source_quote` in CSV.

    >>> field_name(("sources", 0, "quote"), "csv"), field_name(("sources", 1, "quote"), "json")
    ('source_quote', 'sources[1].quote')
    >>> field_name(("start",), "cordis")
    'startDate'
    """
    if not loc:
        return None
    if format == "csv":
        if loc[0] == "sources" and isinstance(loc[-1], str):
            return _CSV_SOURCE_FIELDS.get(loc[-1], loc[-1])
        return str(loc[0])
    head = _HEAD_NAMES.get(format, {}).get(loc[0], loc[0])
    tail = (f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:])
    return str(head) + "".join(tail)
