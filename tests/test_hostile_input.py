"""Hostile seed files are errors with a file and a line, never a traceback (issue 18, 4 and 5).

Each parser is bounded (ingest/limits.py, docs/seed-format.md "Limits"): a file nested too deep,
a cell too long, a number of too many digits, GraphML of unknown types or values, and `data`
nested deeper than the stores read back are each a SeedFileError through `validate`, through a
load, and a 422 over HTTP. Problem lists are capped. Exports quote every separator and CR, and
defuse formulas in each part of a cell; they load back as the records they were written from.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.deps import _cell, csv_response
from api.security import APISettings
from ingest import validate, write_csv
from ingest.csvfile import FORMULA_STARTS, csv_line, defuse_formulas
from ingest.limits import DATA_MAX_DEPTH, MAX_CELL_CHARS, MAX_CSV_CELL_CHARS, MAX_PROBLEMS
from mapper.errors import SeedValidationFailed
from mapper.model import Actor, Collaboration
from mapper.service import MapperService
from mapper.stores.common import build_snapshot
from mapper.stores.embedded import EmbeddedStore
from tests.test_roundtrip import assert_round_trip

TOKEN = "hostile-token"


def _graphml(keys: str = "", node: str = "", node_type: str = "actor") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="t" for="node" attr.name="node_type" attr.type="string"/>
<key id="n" for="node" attr.name="name" attr.type="string"/>
<key id="s" for="node" attr.name="sector" attr.type="string"/>
{keys}
<graph edgedefault="directed">
<node id="a"><data key="t">{node_type}</data><data key="n">A</data>
<data key="s">public</data>{node}</node>
</graph>
</graphml>
"""


def _nested(depth: int, leaf: str = "1") -> str:
    return '{"a": ' * depth + leaf + "}" * depth


def _collaboration_json(data: str) -> str:
    return (
        '{"collaborations": [\n{"id": "c", "name": "C", "kind": "event", "data": ' + data + "}\n]}"
    )


# (file name, content, line, field, words of the problem)
HOSTILE = [
    (
        "attr-type.graphml",
        _graphml('<key id="x" for="node" attr.name="flag" attr.type="foo"/>'),
        6,
        "flag",
        "attr.type 'foo' is not a GraphML type",
    ),
    (
        "bad-boolean.graphml",
        _graphml(
            '<key id="x" for="node" attr.name="flag" attr.type="boolean"/>',
            '<data key="x">maybe</data>',
        ),
        9,
        "flag",
        "'maybe' is not a boolean",
    ),
    (
        "empty-default.graphml",
        _graphml('<key id="x" for="node" attr.name="flag" attr.type="int"><default/></key>'),
        6,
        "flag",
        "<default/> is empty",
    ),
    (
        "long-int.graphml",
        _graphml(
            '<key id="x" for="node" attr.name="n" attr.type="long"/>',
            '<data key="x">' + "9" * 5000 + "</data>",
        ),
        9,
        "n",
        "a whole number of 5,000 digits",
    ),
    (
        "undeclared-key.graphml",
        _graphml(node='<data key="zz">1</data>'),
        9,
        None,
        "<data key='zz'> names no <key> of the file",
    ),
    (
        "node-type.graphml",
        _graphml(node_type="spaceship"),
        None,
        "node 'a': node_type",
        "'spaceship' is not a node type; expected actor or collaboration",
    ),
    (
        "actors.csv",
        "id,name,sector,description\na,A,public,ok\nb,B,public," + "x" * (MAX_CELL_CHARS + 1),
        3,
        "description",
        "is 1,048,577 characters long; at most 1,048,576 are allowed",
    ),
    (
        "open-quote.csv",
        'id,name,sector,description\na,A,public,"' + "x" * (MAX_CSV_CELL_CHARS + 1),
        2,
        None,
        "a cell is longer than 2,097,154 characters",
    ),
    (
        "wide-header.csv",
        'id,name,"sector' + "x" * (MAX_CSV_CELL_CHARS + 1) + '"\na,A,public\n',
        1,
        None,
        "a cell is longer than 2,097,154 characters",
    ),
    (
        "big-data.json",
        _collaboration_json('{"s": "' + "x" * MAX_CELL_CHARS + '"}'),
        2,
        "data",
        "characters long as JSON; data may take at most 1,048,576",
    ),
    ("deep.json", '{"actors":\n[' + "[" * 5000 + "]" * 5000 + "]}", None, None, "too deep"),
    ("deep.jsonl", '{"record": "actor", "data": ' + "[" * 5000 + "]" * 5000 + "}", 1, None, "deep"),
    (
        "big-int.json",
        '{"actors": [\n{"id": "a", "name": "A", "sector": "public", "data": {"n": '
        + "9" * 5000
        + "}}]}",
        2,
        None,
        "a whole number of 5,000 digits; numbers may have at most 18 digits",
    ),
    (
        "collaborations.csv",
        'id,name,kind,data\nc,C,event,"{""n"": ' + "9" * 5000 + '}"\n',
        2,
        "data",
        "a whole number of 5,000 digits",
    ),
    ("data-900.json", _collaboration_json(_nested(900)), 2, "data", "nested more than 32"),
    ("data-200.json", _collaboration_json(_nested(200)), 2, "data", "nested more than 32"),
    ("data-33.json", _collaboration_json(_nested(33)), 2, "data", "nested more than 32"),
    (
        "inf.json",
        _collaboration_json('{"x": NaN, "y": 1e400}'),
        2,
        "data",
        "expected finite numbers only",
    ),
    (
        "relations.csv",
        "type,source,target,amount\nFUNDS,a,b," + "9" * 5000 + "\n",
        2,
        "amount",
        "is not a finite number",
    ),
    (
        "long-text.json",
        '{"actors": [\n{"id": "a", "name": "A", "sector": "public", "description": "'
        + "x" * (MAX_CELL_CHARS + 1)
        + '"}]}',
        2,
        "description",
        "characters long; at most 1,048,576 are allowed",
    ),
]
IDS = [case[0] for case in HOSTILE]


def _write(folder: Path, name: str, content: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "content", "line", "field", "needle"), HOSTILE, ids=IDS)
def test_validate_names_the_file_line_and_field(tmp_path, name, content, line, field, needle):
    path = _write(tmp_path, name, content)
    errors = validate([path]).errors
    assert errors, "a hostile file must not validate"
    first = errors[0]
    assert (Path(first.path).name, first.line, first.field) == (name, line, field), str(first)
    assert needle in first.problem


@pytest.mark.parametrize(("name", "content", "line", "field", "needle"), HOSTILE, ids=IDS)
def test_load_refuses_it_and_writes_nothing(tmp_path, name, content, line, field, needle):
    path = _write(tmp_path / "in", name, content)
    with EmbeddedStore(tmp_path / "map.db") as store:
        with pytest.raises(SeedValidationFailed) as caught:
            MapperService(store).load([path])
        assert needle in str(caught.value)
        assert store.counts().actors == store.counts().collaborations == 0


@pytest.fixture(scope="module")
def client():
    with tempfile.TemporaryDirectory() as folder:
        store = EmbeddedStore(Path(folder) / "map.db")
        app = create_app(MapperService(store), APISettings(api_token=TOKEN))
        yield TestClient(app, raise_server_exceptions=False)
        store.close()


@pytest.mark.parametrize(("name", "content", "line", "field", "needle"), HOSTILE, ids=IDS)
def test_an_upload_is_a_422_naming_the_problem(client, name, content, line, field, needle):
    files = [("files", (name, content.encode("utf-8")))]
    response = client.post("/load", files=files, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 422, response.text[:500]
    [problem, *_] = response.json()["error"]["problems"]
    assert needle in json.dumps(problem, ensure_ascii=False) or needle in response.text


# -- what loads reads back -----------------------------------------------------------------------


def test_data_at_the_depth_limit_loads_and_reads_back(tmp_path):
    data = json.loads(_nested(DATA_MAX_DEPTH - 2, '{"b": [1, "x"]}'))  # DATA_MAX_DEPTH levels
    path = _write(tmp_path / "in", "seed.json", _collaboration_json(json.dumps(data)))
    assert validate([path]).errors == []
    with EmbeddedStore(tmp_path / "map.db") as store:
        service = MapperService(store)
        service.load([path])
        assert store.get_collaboration("c").data == data
        app = create_app(service, APISettings(api_token=TOKEN))
        answer = TestClient(app).get("/collaborations/c")
        assert answer.status_code == 200
        assert answer.json()["collaboration"]["data"] == data


def test_the_model_keeps_the_data_limits_for_records_made_in_code():
    with pytest.raises(ValueError, match="nested more than 32 levels"):
        Collaboration(id="c", name="C", kind="event", data=json.loads(_nested(40)))
    with pytest.raises(ValueError, match="more than 18 digits"):
        Actor(id="a", name="A", sector="public", data={"n": 10**18})
    assert Actor(id="a", name="A", sector="public", data={"n": 10**18 - 1}).data["n"]
    with pytest.raises(ValueError, match="more than 10,000 values"):
        Actor(id="a", name="A", sector="public", data={"n": list(range(10_001))})


def test_problem_lists_are_capped_with_a_count_of_the_rest(tmp_path):
    bad = "".join(f"a{n},A,nowhere\n" for n in range(2_500))
    path = _write(tmp_path, "actors.csv", "id,name,sector\n" + bad)
    errors = validate([path]).errors
    assert len(errors) == MAX_PROBLEMS + 1
    last = errors[-1]
    assert (last.line, last.problem.split(";")[0]) == (
        MAX_PROBLEMS + 2,
        "… and 1,500 more problems from here on",
    )


def test_an_upload_of_many_bad_rows_answers_the_first_problems_only(client):
    bad = "".join(f"a{n},A,nowhere\n" for n in range(2_500)).encode()
    files = [("files", ("actors.csv", b"id,name,sector\n" + bad))]
    response = client.post("/load", files=files, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert len(problems) == MAX_PROBLEMS + 1
    assert "… and 1,500 more problems" in json.dumps(problems[-1], ensure_ascii=False)


# -- exports -------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,;]")


def _inert(cell: str) -> bool:
    """No part of the cell, at its start or after `,` or `;`, starts a formula."""
    return not any(part.startswith(FORMULA_STARTS) for part in _SEPARATORS.split(cell))


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Kommun;=cmd|' /C calc'!A0;x", "Kommun;'=cmd|' /C calc'!A0;x"),
        ("a,+1;-2,@x", "a,'+1;'-2,'@x"),
        ("\uff1dSUM(A1)", "'\uff1dSUM(A1)"),
        ("x;\uff0b1,\uff0d1;\uff20a", "x;'\uff0b1,'\uff0d1;'\uff20a"),
        ("a;'=b", "a;''=b"),
        ("ok, fine; really", "ok, fine; really"),
    ],
)
def test_the_formula_guard_is_per_part_and_full_width(text, written):
    assert defuse_formulas(text) == written
    assert _cell(text) == written
    assert _inert(written)


def test_api_csv_quotes_semicolons_and_carriage_returns():
    response = csv_response([{"name": "a;b", "note": "x\ry"}], ["name", "note"], "t")
    assert response.body.decode("utf-8") == '\ufeffname,note\r\n"a;b","x\ry"\r\n'
    assert csv_line(["-0.5", "1"]) == "-0.5,1\r\n" and _cell(-0.5) == "-0.5"


_HOSTILE_PIECES = st.sampled_from(
    [
        "=cmd|' /C calc'!A0",
        "Kommun",
        ";",
        ",",
        "\r",
        "\n",
        "\r\n",
        "\t",
        '"',
        "'",
        "''",
        "=",
        "+",
        "-",
        "@",
        "\uff1d",
        "\uff0b",
        "\uff0d",
        "\uff20",
        " ",
        "å",
    ]
)
_hostile_text = st.lists(_HOSTILE_PIECES, min_size=1, max_size=8).map("".join).filter(str.strip)
_deep_data = st.integers(1, DATA_MAX_DEPTH).flatmap(
    lambda depth: _hostile_text.map(lambda text: json.loads(_nested(depth - 1, json.dumps(text))))
)


@st.composite
def _hostile_batch(draw) -> tuple[list[Actor], list[Collaboration]]:
    actors = [
        Actor(
            id=f"a{n}",
            name=draw(_hostile_text),
            sector="public",
            description=draw(st.none() | _hostile_text),
            aliases=draw(st.lists(_hostile_text.filter(lambda t: "|" not in t), max_size=2)),
            data=draw(st.dictionaries(_hostile_text, _hostile_text, max_size=2)),
        )
        for n in range(draw(st.integers(1, 3)))
    ]
    collaboration = Collaboration(
        id="c", name=draw(_hostile_text), kind="event", data={"deep": draw(_deep_data)}
    )
    return actors, [collaboration]


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(records=_hostile_batch(), spreadsheet_safe=st.booleans())
def test_hostile_text_survives_write_csv_and_validate(records, spreadsheet_safe):
    actors, collaborations = records
    G = build_snapshot(actors, collaborations, [])
    with tempfile.TemporaryDirectory() as folder:
        if not spreadsheet_safe:
            assert_round_trip(G, "csv", Path(folder))
            return
        paths = write_csv(G, folder, spreadsheet_safe=True)
        for path in paths:
            with open(path, encoding="utf-8-sig", newline="") as file:
                assert all(_inert(cell) for row in csv.reader(file) for cell in row)
        result = validate(folder)
        assert [str(error) for error in result.errors] == []
        assert result.batch.actors == actors
        assert result.batch.collaborations == collaborations


def test_an_export_is_inert_however_a_spreadsheet_splits_it_and_loads_back(tmp_path):
    actor = Actor(id="a", name="Kommun;=cmd|' /C calc'!A0;x", sector="public", description="a\rb")
    write_csv(build_snapshot([actor], [], []), tmp_path, spreadsheet_safe=True)
    text = (tmp_path / "actors.csv").read_bytes().decode("utf-8-sig")
    assert "\"Kommun;'=cmd|' /C calc'!A0;x\"" in text and '"a\rb"' in text
    for delimiter in ",;":  # as Excel splits it in an English and in a Swedish locale
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        assert not any(cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    assert validate(tmp_path).batch.actors == [actor]


@pytest.mark.parametrize("spreadsheet_safe", [True, False])
def test_records_at_the_limits_export_and_load_back(tmp_path, spreadsheet_safe):
    """A text at MAX_CELL_CHARS that the formula guard lengthens, and `data` whose JSON is at
    DATA_MAX_CHARS with quotes that CSV doubles, still load back (found by the API round trip)."""
    from mapper.model import DATA_MAX_CHARS

    guarded = "=x;=" + "a" * (MAX_CELL_CHARS - 4)
    quotes = '"' * (DATA_MAX_CHARS // 2 - 20)  # JSON escapes each: about DATA_MAX_CHARS
    actor = Actor(
        id="a", name="A", sector="public", description=guarded, data={"q": quotes, "n": 1}
    )
    write_csv(build_snapshot([actor], [], []), tmp_path, spreadsheet_safe=spreadsheet_safe)
    assert validate(tmp_path).batch.actors == [actor]


def test_a_capped_list_still_counts_every_problem():
    from ingest.limits import MAX_PROBLEMS, capped
    from mapper.errors import SeedFileError, SeedValidationFailed, problem_count

    errors = capped([SeedFileError("a.csv", n, "id", "bad") for n in range(1, MAX_PROBLEMS + 501)])
    assert len(errors) == MAX_PROBLEMS + 1 and problem_count(errors) == MAX_PROBLEMS + 500
    assert str(SeedValidationFailed(errors)).startswith(f"{MAX_PROBLEMS + 500} problem(s) found")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x",
                                 "vbscript:x", "www.example.org"])  # fmt: skip
def test_an_actor_website_is_a_web_address(tmp_path, url):
    from ingest import validate

    (tmp_path / "actors.csv").write_text(
        f'id,name,sector,url\nx,X,public,"{url}"\n', encoding="utf-8"
    )
    problems = [str(error) for error in validate([tmp_path / "actors.csv"]).errors]
    assert len(problems) == 1 and "actors.csv:2: url:" in problems[0], problems
    assert "not a web address" in problems[0]
