"""Hostile strings are data, never code: seed file -> store (both) -> API -> CSV -> map.

Names, aliases, quotes and descriptions holding HTML, JavaScript, Cypher, SQL, spreadsheet
formulas, right-to-left marks and 10 kB of text come back unchanged in meaning everywhere, and
inert: no formula in a CSV cell, no markup in the map page. Control characters other than tab,
line feed and carriage return are refused with the file, line and field (docs/security.md).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from api.app import create_app
from ingest.csvfile import FORMULA_STARTS
from mapper.cli import cli
from mapper.errors import SeedValidationFailed
from mapper.model import Actor
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore
from tests.test_store_contract import state

HOSTILE = {
    "html": '<script>alert("x")</script><img src=x onerror=alert(1)>',
    "close-script": "</script><script>alert(document.cookie)</script><!--",
    "javascript": "javascript:alert(1)//\"; alert('2'); var a='",
    "cypher": "x\"}) MATCH (n) DETACH DELETE n // ' RETURN 1",
    "cypher-braces": "${injection} {id: 'x'} `label` $param",
    "sql": "'); DROP TABLE actors; -- \" OR 1=1",
    "formula": "=cmd|' /C calc'!A0",
    "formula-plus": "+SUM(1,2)",
    "formula-minus": "-2+3+cmd|' /C calc'!A0",
    "formula-at": '@SUM(A1)=HYPERLINK("http://evil.example","klicka")',
    "quoted-formula": "'=already quoted",  # reads as "=already quoted"
    "quoted-text": "'not a formula'",
    "rtl": "\u202eevil.exe\u202c och \u200fשלום\u200e",
    "zero-width": "Region\u200bSkåne\ufeff med\u00a0nbsp",
    "lines": "rad ett\nrad två\tmed tab\r\nrad tre",
    "long": "Mötesplats för social innovation. " * 300,  # 10 kB
    "emoji": "🚀 ”citat” – «guillemets» „niederländisch“ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "json": '{"id": "vinnova", "__proto__": {"admin": true}}',
    "backslashes": "C:\\Windows\\System32 \\u003c \\x00 %s %d {0}",
}
LONG_NAME = "Å" * 10_000
ID = {label: f"hostile-{index}" for index, label in enumerate(HOSTILE)}


def _actor_rows() -> list[dict[str, str]]:
    rows = []
    for index, (label, text) in enumerate(HOSTILE.items()):
        single_line = " ".join(text.split()) if "\n" in text else text
        rows.append(
            {
                "id": f"hostile-{index}",
                "name": single_line if label != "lines" else text,
                "name_en": text,
                "sector": ["public", "private", "civil_society", "academia"][index % 4],
                "aliases": text.replace("|", "¦"),  # `|` separates aliases in CSV
                "description": text,
                "source_url": 'https://example.org/källa?q=<x>&y="1"',
                "source_quote": text,
            }
        )
    rows.append({"id": "hostile-long", "name": LONG_NAME, "sector": "public", "description": ""})
    return rows


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    columns = list(dict.fromkeys(column for row in rows for column in row))
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def seed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hostile"
    folder.mkdir()
    _write_csv(folder / "actors.csv", _actor_rows())
    _write_csv(
        folder / "collaborations.csv",
        [
            {
                "id": "hostile-project",
                "name": HOSTILE["html"],
                "kind": "project",
                "description": HOSTILE["formula"],
                "data": json.dumps({"note": HOSTILE["close-script"]}),
            }
        ],
    )
    relations = [
        {
            "type": "PARTICIPATES_IN",
            "source": row["id"],
            "target": "hostile-project",
            "description": row.get("description", ""),
        }
        for row in _actor_rows()
    ]
    _write_csv(folder / "relations.csv", relations)
    return folder


def _read_as(cell: str) -> str:
    """A seed CSV cell's meaning: a `'` before a formula character marks text (security.md)."""
    return cell[1:] if cell.startswith("'=") else cell


def _expected_actors() -> dict[str, Actor]:
    actors = {}
    for row in _actor_rows():
        row = {k: _read_as(v) for k, v in row.items()}
        fields = {k: v for k, v in row.items() if v and not k.startswith("source_")}
        if "source_url" in row:
            fields["sources"] = [{"url": row["source_url"], "quote": row["source_quote"]}]
        actors[row["id"]] = Actor.model_validate(fields)
    return actors


@pytest.fixture
def loaded(store, seed_folder):
    MapperService(store).load([seed_folder])
    return store


def test_hostile_strings_are_stored_unchanged(loaded):
    for actor_id, expected in _expected_actors().items():
        stored = loaded.get_actor(actor_id)
        assert stored == expected
    assert len(loaded.get_actor("hostile-long").name) == 10_000
    assert loaded.get_actor(ID["cypher"]).name == HOSTILE["cypher"]
    assert loaded.get_actor(ID["rtl"]).name == HOSTILE["rtl"]
    collaboration = loaded.get_collaboration("hostile-project")
    assert (collaboration.name, collaboration.data) == (
        HOSTILE["html"],
        {"note": HOSTILE["close-script"]},
    )
    counts = loaded.counts()
    assert (counts.actors, counts.collaborations, counts.relations) == (
        len(HOSTILE) + 1,
        1,
        len(HOSTILE) + 1,
    )


def test_the_api_returns_them_unchanged_and_searches_them_as_text(loaded):
    client = TestClient(create_app(MapperService(loaded)))
    for actor_id, expected in _expected_actors().items():
        body = client.get(f"/actors/{actor_id}").json()
        assert body["actor"] == expected.model_dump(mode="json")
    for fragment, expected_id in [
        ("DETACH DELETE", ID["cypher"]),
        ("drop table", ID["sql"]),
        ("%", None),
        ("_", None),
        ("\u202eevil", ID["rtl"]),
        ("<script>", ID["html"]),
    ]:
        found = client.get("/actors", params={"q": fragment, "limit": 1000}).json()
        ids = [item["id"] for item in found["items"]]
        if expected_id is None:  # LIKE wildcards are literal: only names that contain them
            assert all(
                fragment in " ".join([i["name"], i["name_en"] or "", *i["aliases"]])
                for i in found["items"]
            )
        else:
            assert expected_id in ids


def _csv_rows(text: str) -> list[dict[str, str]]:
    """A CSV answer's rows, after its `#` comment lines (the question it answers)."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    return list(csv.DictReader(io.StringIO("".join(line for line in lines if line[:1] != "#"))))


def _assert_inert(cell: str) -> None:
    assert not cell.startswith(FORMULA_STARTS), cell


def test_api_csv_neutralises_formulas_and_keeps_the_text(loaded):
    client = TestClient(create_app(MapperService(loaded)))
    response = client.get("/analysis/brokers", params={"top": 500, "format": "csv"})
    assert response.status_code == 200
    rows = {row["actor"]: row for row in _csv_rows(response.text)}
    expected = _expected_actors()
    assert set(expected) <= set(rows)
    for actor_id, actor in expected.items():
        cell = rows[actor_id]["name"]
        _assert_inert(cell)
        if actor.name.startswith(FORMULA_STARTS):
            assert cell == "'" + actor.name
        else:
            assert cell == actor.name
    suggestions = client.get(
        f"/actors/{ID['html']}/suggestions", params={"format": "csv", "k": 500}
    )
    for row in _csv_rows(suggestions.text):
        for cell in row.values():
            _assert_inert(cell)


def test_mapper_export_csv_is_inert_and_loads_back_the_same(loaded, tmp_path, neo4j_env):
    out = tmp_path / "export"
    result = CliRunner().invoke(
        cli,
        ["--store", loaded.location, "export", "--format", "csv", "--out", str(out)],
        env=neo4j_env,
    )
    assert result.exit_code == 0, result.output
    for path in out.glob("*.csv"):
        with open(path, encoding="utf-8-sig", newline="") as file:
            for row in csv.reader(file):
                for cell in row:
                    _assert_inert(cell)
    text = (out / "actors.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert ",'not a formula'," in text
    with EmbeddedStore(tmp_path / "again.db") as again:
        MapperService(again).load([out])
        assert state(again) == state(loaded)


@pytest.fixture
def neo4j_env():
    import os

    return {
        name: os.environ.get(name) for name in ("NEO4J_USER", "NEO4J_PASSWORD", "NEO4J_DATABASE")
    }


def _data_block(page: str) -> object:
    match = re.search(
        r'<script type="application/json" id="mapper-data">(.*?)</script>', page, re.DOTALL
    )
    assert match is not None
    return json.loads(match.group(1))


def _names(value: object) -> dict[str, str]:
    found = {}
    if isinstance(value, dict):
        if "id" in value and "name" in value:
            found[value["id"]] = value["name"]
        for item in value.values():
            found.update(_names(item))
    elif isinstance(value, list):
        for item in value:
            found.update(_names(item))
    return found


def test_the_map_page_keeps_them_as_inert_json(loaded):
    client = TestClient(create_app(MapperService(loaded)))
    page = client.get("/map").text
    names = _names(_data_block(page))
    for actor_id, actor in _expected_actors().items():
        assert names[actor_id] == actor.name
    for needle in ("<img", "<script>alert", "</script><script>", "<!--"):
        assert needle not in page, needle
    # Outside the JSON data block the page holds none of the data's text at all.
    outside = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.DOTALL)
    assert "onerror=alert" not in outside and "DETACH DELETE" not in outside
    assert _script_tags(page) == _script_tags(_benign_page())


def _script_tags(page: str) -> tuple[int, int]:
    return page.count("<script"), page.count("</script")


def _benign_page() -> str:
    """The map page of ordinary data: hostile data must not add a single script tag."""
    with EmbeddedStore(":memory:") as benign:
        from tests.test_store_contract import seeded

        return TestClient(create_app(MapperService(seeded(benign)))).get("/map").text


# -- control characters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\x00", "U+0000 (NUL)"),
        ("\x1b", "U+001B (ESC)"),
        ("\x7f", "U+007F (DEL)"),
        ("\x85", "U+0085"),
        ("\x08", "U+0008"),
        ("\x0c", "U+000C"),
    ],
)
@pytest.mark.parametrize("field", ["name", "aliases", "description", "source_quote"])
def test_control_characters_are_refused_with_file_line_and_field(
    store, tmp_path, char, shown, field
):
    MapperService(store).load([_ok_file(tmp_path)])
    before = state(store)
    row = {"id": "bad", "name": "Bad", "sector": "public", "source_url": "https://example.org/"}
    row[field] = f"Bad{char}name"
    path = tmp_path / "actors.csv"
    _write_csv(path, [{"id": "fine", "name": "Fine", "sector": "public"}, row])
    with pytest.raises(SeedValidationFailed) as caught:
        MapperService(store).load([path])
    [problem] = caught.value.errors
    assert (Path(problem.path).name, problem.line, problem.field) == ("actors.csv", 3, field)
    assert f"contains the control character {shown} at position 4" in problem.problem
    assert state(store) == before


def test_control_characters_in_json_and_nested_data_are_refused(embedded_store, tmp_path):
    path = tmp_path / "seed.json"
    path.write_text(
        json.dumps(
            {
                "actors": [{"id": "a", "name": "A\u0007", "sector": "public"}],
                "collaborations": [
                    {
                        "id": "c",
                        "name": "C",
                        "kind": "event",
                        "data": {"notes": ["ok", "bell\u0007"]},
                    }
                ],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    errors = MapperService(embedded_store).validate([path]).errors
    assert [(e.line, e.field) for e in errors] == [(3, "name"), (10, "data.notes[1]")]
    assert embedded_store.counts().actors == 0


def _ok_file(tmp_path: Path) -> Path:
    path = tmp_path / "ok" / "actors.csv"
    path.parent.mkdir()
    _write_csv(path, [{"id": "fine", "name": "Fine", "sector": "public"}])
    return path


def test_tab_newline_and_carriage_return_are_kept(store, tmp_path):
    text = "rad ett\r\nrad två\tmed tab\nrad tre"
    path = tmp_path / "actors.csv"
    _write_csv(path, [{"id": "lines", "name": "Lines", "sector": "public", "description": text}])
    MapperService(store).load([path])
    assert store.get_actor("lines").description == text
