"""The fast path of validation (ingest.fast_rows) gives the records pydantic gives, or none.

For random rows (seeded), each field plain, tricky (spaces, other case, NFD, control
characters, aliases, wrong types) or wrong: `plain_record` either declines, or builds a record
equal to the model's in every way (==, JSON, fields set, field order). And validating rows or
seed files gives the same batch and the same messages with the fast path as without it.
"""

from __future__ import annotations

import csv
import importlib
import json
import random
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from ingest.fast_rows import plain_record
from ingest.rows import COLUMNS, MODELS, Row
from ingest.validate import validate, validate_rows
from mapper.model import SUBSECTORS, Actor, CollaborationKind, RelationType, Role, Sector

_validate_module = importlib.import_module("ingest.validate")


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


_Values = tuple[list[Any], list[Any]]


def _values(plain: list[Any], tricky: list[Any]) -> _Values:
    """Values of a field: plain ones, which most rows get, and tricky ones."""
    return plain, tricky


_WRONG_TYPES = [None, 1, 1.5, True, ["a"], {"a": 1}]
# Actor's kinds and aliases validators raise TypeError (not a message) for a number, and aliases
# for None too: left out below, as that is the model's business, not the fast path's.
SLUGS = _values(
    ["vinnova", "region-skane", "a1", "x" * 200],
    [
        "Vinnova",
        " vinnova",
        "vinnova ",
        "a--b",
        "-a",
        "",
        "x" * 201,
        "a\n",
        "\u0663",
        *_WRONG_TYPES,
    ],
)
TEXTS = _values(
    ["Vinnova", "Region Skåne", "Mötesplats för Social Innovation", "två\nrader", "a\tb"],
    [
        " padded ",
        _nfd("Skåne"),
        "",
        "   ",
        "\u00a0nbsp\u00a0",
        "bell\x07",
        "nel\x85",
        "del\x7f",
        "esc\x1b",
        "sep\x1c",
        "\u2028line",
        "ﬁ ligature",
        *_WRONG_TYPES,
    ],
)
NAMES = _values(TEXTS[0], [*TEXTS[1], "n" * 100_000, "n" * 100_001])
KINDS = _values(
    ["organisation", "funder", "organisation|funder", "network|department", ["funder", "network"]],
    [
        ["organisation", " funder"],
        ["organisation", 1],
        ["funder", "funder"],
        [],
        " organisation ",
        "Organisation",
        "funder, network",
        "funder;funder",
        "organisation||",
        "|",
        "",
        "organisation\x1c",
        "museum",
        ["organisation"],
        None,
        {"a": 1},
    ],
)
REGIONS = _values(
    ["Skåne län", "Stockholms län", "Region Skåne", "12", "Västra Götalandsregionen"],
    [
        "skåne  län",
        _nfd("Skåne län"),
        " Skåne län ",
        "Skåne\x1clän",
        "Nowhere",
        "",
        "Gotlands kommun",
        *_WRONG_TYPES,
    ],
)
COUNTRIES = _values(
    ["SE", "NO", "DE"], ["se", "EL", "UK", " no ", "XX", "S E", "SE\x1c", "", *_WRONG_TYPES]
)
URLS = _values(["https://example.org/a", "http://x.se"], ["ftp://x", " https://x ", "x", ""])
ALIASES = _values(
    ["MSI", "MSI|Mötesplatsen", ["MSI", "Mötesplatsen"]],
    ["a| |a", " x ", "", "|", "a|b\x01", [" a", "a", ""], ["a", 1], [], ("a",)],
)
DATA = _values(
    [{}, {"budget_sek": 800000}, {"note": "text", "share": 0.5, "flag": True, "none": None}],
    [{"a": [1]}, {"a": {"b": 1}}, {"a": "b\x01"}, {"a\x01": 1}, "not json", [1], 1, None],
)
EXTERNAL_IDS = _values(
    ["pic:999864846", "pic:1|vat:SE202100281401", "orgnr:202100-2817", {"pic": "999864846"}],
    [
        {"pic": 1},
        {"Pic": "1"},
        {"pic": " 1"},
        {"pic": "1\x1c"},
        {"pic": "a|b"},
        {},
        " pic : 1 | vat:2 ",
        "pic:1|pic:2",
        "bad",
        "Pic:1",
        '{"pic": "1"}',
        "1pic:2",
        "p:" + "x" * 201,
        "s" * 41 + ":1",
        "pic:a b",
        "pic:1\x1c",
        "",
        {"pic": "1"},
        None,
    ],
)
DATES = _values(
    ["2018", "2018-03-09", "2020", "2016-02-29"],
    ["2018-02-30", "18", "2018-3-9", "\u0662\u0660\u0661\u0668", "2018\n", 2018, "", "1999-13-01"],
)
_BAD_NUMBERS = [-1, -0.5, 1e300, True, float("nan"), float("inf"), 2**53 + 1]
AMOUNTS = _values(
    ["150000", "0", "1.5", "0.1", "2500000.75", 5, 5.5, 0.1, 2**53, -0.0],
    ["-1", "1e5", "1_000", " 5", "inf", "nan", "1" * 40, ".5", "5.", "", *_BAD_NUMBERS],
)
CURRENCIES = _values(["SEK", "EUR"], ["sek", "SE", " EUR", "EUR ", "", "ÅÄÖ", 1])
YEARS = _values(
    ["2016", "1800", "2200", 2016],
    ["1799", "2201", "16", "2016.0", " 2016", "٢٠١٦", 1799, 2201, True, 2016.0],
)
SOURCES = _values(
    [
        [{"url": "https://example.org/synthetic"}],
        [{"document": "rapport.txt", "quote": "Ett citat."}],
        [{"document": "rapport.txt", "quote": "Ett citat.", "url": "https://x.se"}],
        [],
    ],
    [
        [{"document": "rapport.txt"}],
        [{"quote": "q"}],
        [{"url": "ftp://x"}],
        [{"url": " https://x "}],
        [{"url": "https://x\x01"}],
        [{"url": "https://a"}, {"url": "https://a"}],
        [{"extra": "x"}],
        [{"url": 1}],
        [{"url": ["https://a"]}],
        [{"document": " ", "url": "https://x"}],
        ["https://x"],
        "https://x",
        {"url": "https://x"},
    ],
)


def _enum(members: type, tricky: list[Any]) -> _Values:
    values = [member.value for member in members]  # type: ignore[attr-defined]
    return _values(values, [*tricky, *(f" {value}" for value in values[:2]), "", None, 1])


FIELDS: dict[str, dict[str, _Values]] = {
    "actor": {
        "id": SLUGS,
        "name": NAMES,
        "name_en": TEXTS,
        "kinds": KINDS,
        "sector": _enum(Sector, ["Public", "public sector"]),
        "subsector": _values(sorted(SUBSECTORS), [" agency", "Agency", "nope", ""]),
        "region": REGIONS,
        "country": COUNTRIES,
        "url": URLS,
        "aliases": ALIASES,
        "description": TEXTS,
        "data": DATA,
        "external_ids": EXTERNAL_IDS,
        "sources": SOURCES,
    },
    "collaboration": {
        "id": SLUGS,
        "name": NAMES,
        "name_en": TEXTS,
        "kind": _enum(CollaborationKind, ["Project"]),
        "start": DATES,
        "end": DATES,
        "region": REGIONS,
        "description": TEXTS,
        "data": DATA,
        "sources": SOURCES,
    },
    "relation": {
        "type": _enum(RelationType, ["funds", "PARTICIPATES IN"]),
        "source": SLUGS,
        "target": SLUGS,
        "collaboration": SLUGS,
        "role": _enum(Role, ["Lead", "lead ", "boss"]),
        "amount": AMOUNTS,
        "currency": CURRENCIES,
        "year": YEARS,
        "start": DATES,
        "end": DATES,
        "description": TEXTS,
        "sources": SOURCES,
    },
}
REQUIRED = {
    "actor": ("id", "name", "sector"),
    "collaboration": ("id", "name", "kind"),
    "relation": ("type", "source", "target"),
}


def _row(rng: random.Random, record_type: str | None = None) -> tuple[str, dict[str, Any]]:
    """A record type and the fields of a row: the required ones most often, some others, each
    plain most often (so that the fast path is taken often)."""
    record_type = record_type or rng.choice(list(FIELDS))
    fields = {}
    for name, (plain, tricky) in FIELDS[record_type].items():
        if rng.random() < (0.97 if name in REQUIRED[record_type] else 0.3):
            fields[name] = rng.choice(tricky if rng.random() < 0.1 else plain)
    if record_type == "relation":
        _fit_the_type(fields, keep=rng.random() < 0.2)
        if rng.random() < 0.1:
            fields["source"] = fields.get("target", "vinnova")  # a relation with itself
    if rng.random() < 0.03:
        fields["colour"] = "red"  # not a field of any record
    return record_type, fields


def _fit_the_type(fields: dict[str, Any], keep: bool) -> None:
    """Most often, leave out the fields a relation's type does not take."""
    if keep:
        return
    if fields.get("type") != "FUNDS":
        for name in ("amount", "currency", "collaboration"):
            fields.pop(name, None)
    if fields.get("type") != "PARTICIPATES_IN":
        fields.pop("role", None)


def _same(fast: Any, validated: Any) -> None:
    """Equal in every way a store, a merge or an export could tell."""
    assert type(fast) is type(validated)
    assert fast == validated
    assert fast.model_dump_json() == validated.model_dump_json()
    assert fast.model_dump() == validated.model_dump()
    assert list(fast.__dict__) == list(validated.__dict__)
    assert fast.model_fields_set == validated.model_fields_set
    assert fast.__pydantic_extra__ == validated.__pydantic_extra__
    assert fast.__pydantic_private__ == validated.__pydantic_private__
    for fast_source, source in zip(fast.sources, validated.sources, strict=True):
        assert fast_source.model_fields_set == source.model_fields_set
        assert hash(fast_source) == hash(source)


@pytest.mark.parametrize("seed", range(10))
def test_a_plain_row_gives_the_record_validation_gives(seed: int) -> None:
    rng, taken = random.Random(seed), 0
    for _ in range(2000):
        record_type, fields = _row(rng)
        fast = plain_record(record_type, _copy(fields))
        try:
            validated = MODELS[record_type].model_validate(_copy(fields))
        except ValueError:  # pydantic's ValidationError
            assert fast is None, f"the fast path took a row that validation refuses: {fields}"
            continue
        if fast is not None:
            _same(fast, validated)
            taken += 1
    assert taken > 400  # the fast path was tried, not only declined


def _copy(fields: dict[str, Any]) -> dict[str, Any]:
    """A fresh copy: neither path may change or keep the row it is given."""
    return {
        name: [dict(item) if isinstance(item, dict) else item for item in value]
        if isinstance(value, list)
        else dict(value)
        if isinstance(value, dict)
        else value
        for name, value in fields.items()
    }


PLAIN_ROWS = [
    ("actor", {"id": "vinnova", "name": "Vinnova", "sector": "public"}),
    (
        "actor",
        {
            "id": "region-skane",
            "name": "Region Skåne",
            "name_en": "Region Skåne",
            "kinds": "organisation|funder",
            "sector": "public",
            "subsector": "region",
            "region": "Region Skåne",
            "url": "https://skane.se",
            "aliases": "RS|Skåne",
            "description": "En region.",
            "data": {"budget_sek": 1},
            "external_ids": "orgnr:232100-0255|pic:1",
            "sources": [{"document": "rapport.txt", "quote": "Ett citat."}],
        },
    ),
    ("actor", {"id": "sintef", "name": "SINTEF", "sector": "academia", "country": "NO"}),
    ("actor", {"id": "x", "name": "X", "sector": "private", "country": "EL", "region": "Attica"}),
    ("actor", {"id": "x", "name": "X", "sector": "private", "country": "se", "region": "12"}),
    ("actor", {"id": "x", "name": _nfd("Skåne "), "sector": "private"}),
    (
        "collaboration",
        {"id": "p1", "name": "P1", "kind": "project", "start": "2018", "end": "2018-12-31"},
    ),
    ("collaboration", {"id": "p1", "name": "P1", "kind": "event", "region": "Stockholms län"}),
    ("relation", {"type": "PARTICIPATES_IN", "source": "a", "target": "p1"}),
    ("relation", {"type": "PARTICIPATES_IN", "source": "a", "target": "p1", "role": "lead"}),
    ("relation", {"type": "FUNDS", "source": "a", "target": "b", "amount": "150000"}),
    (
        "relation",
        {
            "type": "FUNDS",
            "source": "eu",
            "target": "umu",
            "collaboration": "p1",
            "amount": "1.5",
            "currency": "EUR",
            "year": "2016",
            "start": "2016",
            "end": "2017-06-30",
            "description": "Del av projektet.",
            "sources": [{"url": "https://cordis.europa.eu/project/id/1"}],
        },
    ),
    ("relation", {"type": "COLLABORATES_WITH", "source": "a", "target": "b", "year": "2020"}),
]


@pytest.mark.parametrize(("record_type", "fields"), PLAIN_ROWS)
def test_these_rows_take_the_fast_path(record_type: str, fields: dict[str, Any]) -> None:
    fast = plain_record(record_type, _copy(fields))
    assert fast is not None
    _same(fast, MODELS[record_type].model_validate(_copy(fields)))


def test_each_record_gets_its_own_default_dicts() -> None:
    first, second = (plain_record("actor", {"id": i, "name": i, "sector": "public"}) for i in "ab")
    assert isinstance(first, Actor) and isinstance(second, Actor)
    assert first.data == {} and first.data is not second.data
    assert first.external_ids is not second.external_ids


@pytest.mark.parametrize(
    ("record_type", "fields"),
    [
        ("actor", {"id": "x", "name": "X", "sector": "public", "region": "Attica"}),
        ("actor", {"id": "x", "name": "X", "sector": "public", "kinds": "museum"}),
        ("actor", {"id": "x", "name": "X\x1b", "sector": "public"}),
        ("collaboration", {"id": "p", "name": "P", "kind": "project", "start": "2019-02-29"}),
        ("collaboration", {"id": "p", "name": "P", "kind": "project", "start": "20", "end": "19"}),
        ("relation", {"type": "FUNDS", "source": "a", "target": "b", "role": "lead"}),
        ("relation", {"type": "PART_OF", "source": "a", "target": "a"}),
        ("relation", {"type": "MEMBER_OF", "source": "a", "target": "b", "amount": "1"}),
        ("relation", {"type": "FUNDS", "source": "a", "target": "b", "sources": [{"quote": "q"}]}),
    ],
)
def test_an_invalid_row_is_left_to_the_model(record_type: str, fields: dict[str, Any]) -> None:
    assert plain_record(record_type, fields) is None


# -- the same messages and batches, with the fast path and without -------------------------------


@contextmanager
def _without_fast_path() -> Iterator[None]:
    with mock.patch.object(_validate_module, "plain_record", lambda record_type, fields: None):
        yield


def _outcome(result: Any) -> tuple[list[str], list[str]]:
    batch = result.batch
    records = [*batch.actors, *batch.collaborations, *batch.relations]
    return [str(error) for error in result.errors], [r.model_dump_json() for r in records]


@pytest.mark.parametrize("seed", range(10))
def test_rows_give_the_same_batch_and_messages(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(30):
        drawn = [_row(rng) for _ in range(rng.randint(1, 12))]
        row_format = rng.choice(["csv", "json"])

        fast = _outcome(validate_rows(_sources(drawn, row_format), known_ids=KNOWN))
        with _without_fast_path():
            assert fast == _outcome(validate_rows(_sources(drawn, row_format), known_ids=KNOWN))


KNOWN = {"vinnova": "actor"}  # in the store


def _sources(
    drawn: list[tuple[str, dict[str, Any]]], row_format: str
) -> list[tuple[str, list[Row]]]:
    rows = [Row(t, line, _copy(fields), row_format) for line, (t, fields) in enumerate(drawn)]
    return [("rows.csv", rows)]


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return str(value)  # not the JSON the file wants: the model then says so
    return "" if value is None else str(value)


def _csv_row(record_type: str, fields: dict[str, Any]) -> dict[str, str]:
    row = {name: _cell(value) for name, value in fields.items() if name in COLUMNS[record_type]}
    sources = fields.get("sources")
    if isinstance(sources, list) and sources and isinstance(sources[0], dict):
        for name, value in sources[0].items():
            row[f"source_{name}"] = _cell(value)
    if isinstance(fields.get("data"), dict):
        row["data"] = json.dumps(fields["data"], ensure_ascii=False)
    return {name: value for name, value in row.items() if name in COLUMNS[record_type]}


@pytest.mark.parametrize("seed", range(10))
def test_seed_files_give_the_same_batch_and_messages(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for number in range(10):
        folder = tmp_path / str(number)
        folder.mkdir()
        for record_type in ("actor", "collaboration", "relation"):
            drawn = [_row(rng, record_type) for _ in range(rng.randint(0, 8))]
            with open(folder / f"{record_type}s.csv", "w", encoding="utf-8", newline="") as file:
                writer = csv.DictWriter(file, COLUMNS[record_type])
                writer.writeheader()
                writer.writerows(_csv_row(record_type, fields) for _, fields in drawn)
        fast = _outcome(validate(folder))
        with _without_fast_path():
            assert fast == _outcome(validate(folder))


def test_the_seed_fixtures_give_the_same_batches_and_messages() -> None:
    seed = Path(__file__).parent / "seed"
    for path in sorted(seed.glob("*.csv")) + sorted(p for p in seed.iterdir() if p.is_dir()):
        fast = _outcome(validate(path))
        with _without_fast_path():
            assert fast == _outcome(validate(path)), path
