"""Property tests over generated seed files (hypothesis, derandomized, bounded).

Every valid set of files loads, and load -> export csv -> load gives the same records. Every
broken one (one row damaged in one of several ways) gives a SeedFileError naming the file, the
line and the field of the damage, and changes nothing in the store, on both stores.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.csvfile import FORMULA_STARTS
from mapper.errors import SeedValidationFailed
from mapper.model import SUBSECTORS, ActorKind, CollaborationKind, Role, Sector
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore
from tests.test_store_contract import seeded, state

TEXT_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n\t")


def _text(max_size: int = 30, exclude: str = "") -> st.SearchStrategy[str]:
    characters = (
        TEXT_CHARACTERS
        if not exclude
        else st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=exclude)
    )
    return st.text(characters, min_size=1, max_size=max_size).filter(lambda s: s.strip())


slugs = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}\Z")


@st.composite
def datasets(draw) -> dict[str, list[dict]]:
    """Actors, collaborations and relations between them, as seed-file rows."""
    ids = draw(st.lists(slugs, min_size=2, max_size=8, unique=True))
    actor_ids, collaboration_ids = ids[: max(1, len(ids) // 2 + 1)], ids[len(ids) // 2 + 1 :]
    actors = [
        {
            "id": actor_id,
            "name": draw(_text()),
            "sector": draw(st.sampled_from(list(Sector))).value,
            "kinds": "|".join(
                draw(
                    st.lists(
                        st.sampled_from([k.value for k in ActorKind]),
                        min_size=1,
                        max_size=3,
                        unique=True,
                    )
                )
            ),
            "subsector": draw(st.none() | st.sampled_from(sorted(SUBSECTORS))),
            "country": draw(st.sampled_from(["SE", "NO", "DK"])),
            "aliases": "|".join(draw(st.lists(_text(15, exclude="|"), max_size=2))),
            "description": draw(st.none() | _text(60)),
            "url": draw(st.none() | st.just("https://example.org/a?b=1&c=<d>")),
        }
        for actor_id in actor_ids
    ]
    collaborations = [
        {
            "id": collaboration_id,
            "name": draw(_text()),
            "kind": draw(st.sampled_from(list(CollaborationKind))).value,
            "start": draw(st.none() | st.sampled_from(["2015", "2018-03-09"])),
            "end": draw(st.none() | st.sampled_from(["2020", "2021-12-31"])),
            "description": draw(st.none() | _text(60)),
        }
        for collaboration_id in collaboration_ids
    ]
    relations = []
    for collaboration_id in collaboration_ids:
        for actor_id in draw(st.lists(st.sampled_from(actor_ids), max_size=3, unique=True)):
            relations.append(
                {
                    "type": "PARTICIPATES_IN",
                    "source": actor_id,
                    "target": collaboration_id,
                    "role": draw(st.sampled_from(list(Role))).value,
                    "year": draw(st.none() | st.integers(1990, 2030)),
                }
            )
    if len(actor_ids) >= 2:
        relations.append(
            {
                "type": "FUNDS",
                "source": actor_ids[0],
                "target": actor_ids[1],
                "amount": draw(st.integers(0, 10**9)),
                "currency": "SEK",
            }
        )
    return {"actors": actors, "collaborations": collaborations, "relations": relations}


@dataclass
class Written:
    paths: list[Path]
    lines: dict[tuple[str, int], tuple[str, int]]  # (record type, index) -> (file name, line)


def _write(folder: Path, dataset: dict[str, list[dict]], format: str) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    lines: dict[tuple[str, int], tuple[str, int]] = {}
    if format == "jsonl":
        rows = [
            {"record": kind[:-1], **{k: v for k, v in row.items() if v not in (None, "")}}
            for kind in ("actors", "collaborations", "relations")
            for row in dataset[kind]
        ]
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (folder / "seed.jsonl").write_text(text, encoding="utf-8")
        number = 0
        for kind in ("actors", "collaborations", "relations"):
            for index in range(len(dataset[kind])):
                number += 1
                lines[(kind, index)] = ("seed.jsonl", number)
        return Written([folder / "seed.jsonl"], lines)
    paths = []
    for kind, rows in dataset.items():
        columns = list(dict.fromkeys(column for row in rows for column in row)) or ["id"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if kind == "relations":
            columns = list(dict.fromkeys(["type", "source", "target", *columns]))
        elif kind in ("actors", "collaborations"):
            columns = list(dict.fromkeys(["id", "name", *columns]))
            columns += ["sector"] if kind == "actors" and "sector" not in columns else []
            columns += ["kind"] if kind == "collaborations" and "kind" not in columns else []
        writer.writerow(columns)
        for index, row in enumerate(rows):
            lines[(kind, index)] = (f"{kind}.csv", buffer.getvalue().count("\n") + 1)
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        path = folder / f"{kind}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        paths.append(path)
    return Written(paths, lines)


FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(dataset=datasets(), format=st.sampled_from(["csv", "jsonl"]))
def test_valid_seed_files_round_trip_through_export(dataset, format):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        written = _write(folder / "seed", dataset, format)
        with EmbeddedStore(folder / "one.db") as one, EmbeddedStore(folder / "two.db") as two:
            report = MapperService(one).load(written.paths)
            assert report.actors.created == len(dataset["actors"])
            assert report.relations.created == len(dataset["relations"])
            for row in dataset["actors"]:
                actor = one.get_actor(row["id"])
                assert actor.sector.value == row["sector"]
                assert actor.name == _as_read(row["name"], format)
            MapperService(one).export("csv", folder / "export")
            MapperService(two).load([folder / "export"])
            assert state(two) == state(one)


def _as_read(text: str, format: str) -> str:
    """The name the model keeps: NFC, stripped; in CSV a `'` before a formula character goes."""
    text = unicodedata.normalize("NFC", text.strip() if format == "jsonl" else text).strip()
    if format == "csv" and text.startswith("'") and text.lstrip("'").startswith(FORMULA_STARTS):
        text = unicodedata.normalize("NFC", text[1:]).strip()
    return text


# -- broken files ------------------------------------------------------------------------------


def _break(kind: str, row: dict, damage: str) -> str | None:
    """Damage `row` in place; return the field the error must name (None: skip this damage)."""
    if damage == "bad-enum":
        field = {"actors": "sector", "collaborations": "kind", "relations": "type"}[kind]
        row[field] = "not-a-" + field
        return field
    if damage == "bad-id" and kind != "relations":
        row["id"] = "Not A Slug!"
        return "id"
    if damage == "control-character":
        field = "name" if kind != "relations" else "description"
        row[field] = "ok\x1bnot ok"
        return field
    if damage == "unknown-reference" and kind == "relations":
        row["source"] = "no-such-actor-anywhere"
        return "source"
    if damage == "bad-date" and kind == "collaborations":
        row["start"] = "2020-13-45"
        return "start"
    if damage == "bad-year" and kind == "relations":
        row["year"] = 1700
        return "year"
    if damage == "missing-name" and kind != "relations":
        row["name"] = ""
        return "name"
    return None


DAMAGES = {
    "actors": ["bad-enum", "bad-id", "control-character", "missing-name"],
    "collaborations": ["bad-enum", "bad-id", "control-character", "bad-date", "missing-name"],
    "relations": ["bad-enum", "control-character", "unknown-reference", "bad-year"],
}


@settings(FUZZ, max_examples=25)
@given(
    dataset=datasets(),
    format=st.sampled_from(["csv", "jsonl"]),
    choice=st.data(),
)
def test_a_broken_seed_file_names_file_line_and_field_and_changes_nothing(
    store, dataset, format, choice
):
    if not store.counts().actors:
        seeded(store)
    before = state(store)
    kinds = [kind for kind in dataset if dataset[kind]]
    kind = choice.draw(st.sampled_from(kinds))
    index = choice.draw(st.integers(0, len(dataset[kind]) - 1))
    damage = choice.draw(st.sampled_from(DAMAGES[kind]))
    field = _break(kind, dataset[kind][index], damage)
    assert field is not None
    with tempfile.TemporaryDirectory() as folder:
        written = _write(Path(folder), dataset, format)
        file_name, line = written.lines[(kind, index)]
        with pytest.raises(SeedValidationFailed) as caught:
            MapperService(store).load(written.paths)
        where = [(Path(e.path).name, e.line, e.field) for e in caught.value.errors]
        assert (file_name, line, field) in where, (damage, where)
        for error in caught.value.errors:
            assert error.problem and str(error).startswith(error.path)
    assert state(store) == before
