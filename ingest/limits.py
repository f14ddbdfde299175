"""The most a seed file may hold, declared once; docs/seed-format.md lists them as "Limits".

    MAX_CELL_CHARS      1,048,576  characters in one text of a record (and a `data`, as JSON)
    MAX_CSV_CELL_CHARS  2,097,154  characters in one CSV cell: a text at the limit as exported
                                   (the formula guard's quotes; a `data` cell's JSON escapes)
    DATA_MAX_DEPTH      32         levels of objects and lists in a record's field (`data`)
    DATA_MAX_VALUES     10,000     values in one record's `data`
    DATA_MAX_CHARS      1,048,576  characters of one record's `data` as JSON
    MAX_INTEGER_DIGITS  18         digits of a whole number
    MAX_PROBLEMS        1,000      problems a validate or load lists; the rest are counted

JSON nested deeper than Python decodes (about 1,000 levels) is refused as such (TOO_DEEP).

The `data` and number limits are the model's (`mapper.model`), so records made any other way
keep them too. `loads` reads JSON text within them and raises `LimitExceeded` (a ValueError)
instead of a RecursionError or Python's own integer-size error.
"""

from __future__ import annotations

import json
from typing import Any

from mapper.errors import MoreProblems, SeedFileError
from mapper.model import DATA_MAX_CHARS, DATA_MAX_DEPTH, DATA_MAX_VALUES, MAX_INTEGER_DIGITS

__all__ = [
    "DATA_MAX_CHARS",
    "DATA_MAX_DEPTH",
    "DATA_MAX_VALUES",
    "JSON_TOO_DEEP",
    "MAX_CELL_CHARS",
    "MAX_CSV_CELL_CHARS",
    "MAX_INTEGER_DIGITS",
    "MAX_PROBLEMS",
    "TOO_DEEP",
    "LimitExceeded",
    "capped",
    "decoder",
    "field_problem",
    "loads",
]

MAX_CELL_CHARS = DATA_MAX_CHARS
# An exported text of MAX_CELL_CHARS may grow: the formula guard adds a quote after a separator
# (at most one for every two characters), and a `data` cell's JSON escapes its quotes. Each
# text is checked against MAX_CELL_CHARS after reading, so this only bounds what is read.
MAX_CSV_CELL_CHARS = 2 * MAX_CELL_CHARS + 2
MAX_PROBLEMS = 1_000

TOO_DEEP = "lists or objects are nested too deep to read (about 1,000 levels at most)"
"""A JSON file nested deeper than Python's decoder goes (it would raise RecursionError)."""
JSON_TOO_DEEP = "is JSON nested too deep to read (about 1,000 levels at most)"
"""The same of JSON text in a field (a CSV `data` cell, GraphML or GEXF attribute)."""


class LimitExceeded(ValueError):
    """JSON text that breaks a limit: nested too deep, or a number with too many digits."""


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise LimitExceeded(
            f"a whole number of {digits:,} digits; numbers may have at most "
            f"{MAX_INTEGER_DIGITS} digits (write an identifier as text, in quotes)"
        )
    return int(text)


decoder = json.JSONDecoder(parse_int=_integer)
"""A JSON decoder that refuses whole numbers of more than MAX_INTEGER_DIGITS digits (raises
LimitExceeded); `raw_decode` also raises RecursionError for text nested about 1,000 deep."""


def loads(text: str) -> Any:
    """`json.loads` within the limits. Raises json.JSONDecodeError, or LimitExceeded saying
    which limit the text breaks.

    >>> loads('{"a": [1, 2]}')
    {'a': [1, 2]}
    >>> loads("1" * 30)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ingest.limits.LimitExceeded: a whole number of 30 digits; numbers may have at most 18 ...
    """
    try:
        return decoder.decode(text)
    except RecursionError:
        raise LimitExceeded(JSON_TOO_DEEP) from None


def field_problem(fields: dict[str, Any]) -> tuple[tuple, str] | None:
    """(where, what) of the first field of a row that breaks a limit: a text longer than
    MAX_CELL_CHARS, or lists and objects nested more than DATA_MAX_DEPTH deep; None if none
    does. Walks without recursion, so that later checks may recurse safely.

    >>> field_problem({"name": "x" * 2_000_000})
    (('name',), 'is 2,000,000 characters long; at most 1,048,576 are allowed')
    >>> field_problem({"id": "a", "data": {"n": 1}}) is None
    True
    """
    for name, value in fields.items():
        kind = type(value)
        if kind is str:
            if len(value) > MAX_CELL_CHARS:
                return (name,), _too_long(value)
        elif (kind is dict or kind is list) and not _within_limits(value):
            return _nested_problem(value, name)
    return None


def _within_limits(value: dict | list) -> bool:
    """The quick look of `field_problem` at a list or object (the common one is within)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > DATA_MAX_DEPTH:
            return False
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is str:
                if len(child) > MAX_CELL_CHARS:
                    return False
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
    return True


def _nested_problem(value: Any, name: str) -> tuple[tuple, str] | None:
    stack: list[tuple[Any, tuple, int]] = [(value, (name,), 1)]
    while stack:
        item, loc, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_CELL_CHARS:
                return loc, _too_long(item)
        elif isinstance(item, dict | list):
            if depth > DATA_MAX_DEPTH:
                problem = (
                    f"is nested more than {DATA_MAX_DEPTH} levels deep; a field may have at "
                    f"most {DATA_MAX_DEPTH} levels of objects and lists"
                )
                return (name,), problem
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, (*loc, key), depth + 1) for key, child in pairs)
    return None


def _too_long(text: str) -> str:
    return f"is {len(text):,} characters long; at most {MAX_CELL_CHARS:,} are allowed"


def capped(errors: list[SeedFileError], *, total: int | None = None) -> list[SeedFileError]:
    """The first MAX_PROBLEMS errors, and one more that counts the rest, where they begin.
    `total` is how many problems there are when `errors` are only the first of them (at least
    MAX_PROBLEMS + 1 then, or all).

    >>> len(capped([SeedFileError("a.csv", n, None, "bad") for n in range(1_500)]))
    1001
    >>> capped([SeedFileError("a.csv", n, None, "bad") for n in range(1_001)], total=5_000)[-1].rest
    4000
    """
    total = len(errors) if total is None else total
    if total <= MAX_PROBLEMS:
        return errors
    first, rest = errors[MAX_PROBLEMS], total - MAX_PROBLEMS
    problem = (
        f"… and {rest:,} more problems from here on; only the first {MAX_PROBLEMS:,} are "
        "listed: fix those and validate again"
    )
    return [*errors[:MAX_PROBLEMS], MoreProblems(first.path, first.line, rest, problem)]
