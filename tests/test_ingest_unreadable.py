"""A JSON or JSON Lines seed file that cannot be read is one problem, not a cascade (issue 18).

The seed data with its actors in `actors.json` or `actors.jsonl` instead of `actors.csv`: read
as it should be, it is valid; saved as Latin-1, or replaced by binary garbage or by text that is
no JSON, it is one problem naming the file, and the relations that name its actors are counted
in that problem instead of each being an unknown id.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import validate
from ingest.csvfile import FileNotRead
from mapper.cli import cli
from mapper.errors import SeedFileError
from mapper.service import MapperService
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent.parent / "seed_data"
UNCHECKED = "relation end(s) that may name its actors are not checked"


def _actors() -> list[dict]:
    actors = validate(SEED / "actors.csv").batch.actors
    return [
        actor.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for actor in actors
    ]


def _json(actors: list[dict]) -> bytes:
    return json.dumps({"actors": actors}, ensure_ascii=False, indent=2).encode("utf-8")


def _jsonl(actors: list[dict]) -> bytes:
    lines = [json.dumps({"record": "actor", **actor}, ensure_ascii=False) for actor in actors]
    return "\n".join(lines).encode("utf-8") + b"\n"


def _latin1(data: bytes) -> bytes:
    return data.decode("utf-8").encode("latin-1", "replace")


def _garbage(data: bytes) -> bytes:
    return random.Random(18).randbytes(len(data))


def _csv_text(data: bytes) -> bytes:
    return (SEED / "actors.csv").read_bytes()


# (file name, how it is written, how it is spoilt, what the problem says)
CASES: list[tuple[str, Callable, Callable, str]] = [
    ("actors.json", _json, _latin1, "the file is not UTF-8 text (byte 0xe4 is not UTF-8, it looks "
     "like Windows-1252 or Latin-1); save it again as UTF-8"),
    ("actors.json", _json, _garbage, "it looks like a binary file, not text); save it again as "
     "UTF-8"),
    ("actors.json", _json, _csv_text, "not valid JSON: expected a JSON object (column 1)"),
    ("actors.jsonl", _jsonl, _garbage, "it looks like a binary file, not text"),
    ("actors.jsonl", _jsonl, _latin1, "it looks like Windows-1252 or Latin-1"),
    ("actors.jsonl", _jsonl, _csv_text, "not valid JSON: Expecting value (column 1); expected "
     "JSON Lines (one JSON object on each line), so the rest of the file is not read"),
]  # fmt: skip
IDS = [f"{name}-{spoil.__name__.strip('_')}" for name, _, spoil, _ in CASES]


def _seed(tmp_path: Path, name: str, write: Callable, spoil: Callable | None) -> Path:
    """The seed data with its actors in `name`, written by `write` and spoilt by `spoil`."""
    folder = tmp_path / "seed"
    shutil.copytree(SEED, folder)
    (folder / "actors.csv").unlink()
    data = write(_actors())
    (folder / name).write_bytes(spoil(data) if spoil else data)
    return folder


@pytest.mark.parametrize(("name", "write"), [("actors.json", _json), ("actors.jsonl", _jsonl)])
def test_the_actors_read_from_json_as_from_csv(tmp_path, name, write):
    result = validate(_seed(tmp_path, name, write, None))
    assert result.ok, "\n".join(map(str, result.errors))
    assert len(result.batch.actors) == len(validate(SEED).batch.actors)


@pytest.mark.parametrize(("name", "write", "spoil", "problem"), CASES, ids=IDS)
def test_an_unreadable_file_is_one_problem(tmp_path, name, write, spoil, problem):
    errors = validate(_seed(tmp_path, name, write, spoil)).errors
    assert len(errors) == 1, "\n".join(map(str, errors))
    (error,) = errors
    assert isinstance(error, FileNotRead)
    assert error.path.endswith(name) and error.line is not None
    assert problem in error.problem
    assert UNCHECKED in error.problem  # the relations' ends, counted instead of reported


@pytest.mark.parametrize(("name", "write", "spoil", "problem"), CASES, ids=IDS)
def test_the_service_reports_an_unreadable_file_once(tmp_path, name, write, spoil, problem):
    folder = _seed(tmp_path, name, write, spoil)
    service = MapperService(EmbeddedStore(tmp_path / "map.db"))
    try:
        errors = service.validate([folder]).errors
    finally:
        service.close()
    assert [type(error) for error in errors] == [FileNotRead], "\n".join(map(str, errors))
    assert errors[0].path == str(folder / name)
    assert problem in errors[0].problem


@pytest.mark.parametrize(("name", "write", "spoil", "problem"), CASES, ids=IDS)
def test_mapper_validate_reports_an_unreadable_file_once(tmp_path, name, write, spoil, problem):
    folder = _seed(tmp_path, name, write, spoil)
    result = CliRunner().invoke(cli, ["validate", str(folder), "--store", str(tmp_path / "no.db")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "is not a known" not in result.output
    assert f"{folder / name}:" in result.output and problem in result.output
    assert "1 problem(s) found" in result.output


def test_a_bad_line_after_good_ones_is_still_a_problem_of_its_own(tmp_path):
    lines = _jsonl(_actors()).splitlines(keepends=True)
    lines.insert(3, b'{"record": "actor", "id": "x",\n')
    folder = _seed(tmp_path, "actors.jsonl", lambda _: b"".join(lines), None)
    errors = validate(folder).errors
    assert [(type(e), e.line) for e in errors] == [(SeedFileError, 4)], errors
    assert errors[0].problem.startswith("not valid JSON")


def test_a_line_not_utf8_after_good_ones_names_its_line(tmp_path):
    lines = _jsonl(_actors()).splitlines(keepends=True)
    lines[5] = _latin1(lines[5].replace(b'"name": "', '"name": "Skåne '.encode()))
    folder = _seed(tmp_path, "actors.jsonl", lambda _: b"".join(lines), None)
    (error,) = validate(folder).errors
    assert isinstance(error, FileNotRead) and error.line == 6
    assert "byte 0xe5 is not UTF-8, it looks like Windows-1252 or Latin-1" in error.problem
