"""A file of many bad rows costs what a good one does (issue 18: a 31 MB upload of 2M bad rows
took the server to 6.2 GB).

`validate` lists the first `MAX_PROBLEMS` problems and counts the rest, and it keeps no more
than that while it reads: the problems past the first are counted, not worded or kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import validate
from ingest.limits import MAX_PROBLEMS
from mapper.errors import MoreProblems, SeedFileError, problem_count

BAD_ROWS = 20_000


def _write(folder: Path, name: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / name


@pytest.fixture
def made(monkeypatch) -> list[SeedFileError]:
    """Every SeedFileError made from here on (MoreProblems and FileNotRead too)."""
    made: list[SeedFileError] = []
    init = SeedFileError.__init__

    def counted(self: SeedFileError, *args: object, **kwargs: object) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(SeedFileError, "__init__", counted)
    return made


def test_many_bad_rows_give_the_first_problems_and_a_count_of_the_rest(tmp_path, made):
    rows = [f"a{n},Aktör {n},nowhere" for n in range(BAD_ROWS)]
    path = _write(tmp_path, "actors.csv", ["id,name,sector", *rows])
    errors = validate(path).errors
    assert len(errors) == MAX_PROBLEMS + 1
    assert [error.line for error in errors[:MAX_PROBLEMS]] == list(range(2, MAX_PROBLEMS + 2))
    assert errors[0].problem.startswith("'nowhere' is not one of")
    rest = errors[-1]
    assert isinstance(rest, MoreProblems)
    assert (rest.path, rest.line, rest.rest) == (
        str(path),
        MAX_PROBLEMS + 2,
        BAD_ROWS - MAX_PROBLEMS,
    )
    assert problem_count(errors) == BAD_ROWS
    assert len(made) <= 2 * MAX_PROBLEMS, f"{len(made):,} problems made for {BAD_ROWS:,} bad rows"


def test_a_problem_found_last_is_still_listed_in_its_place(tmp_path):
    """An unknown id is found when every file is read, after the rows below it are reported."""
    _write(tmp_path, "actors.csv", ["id,name,sector", "a,A,public", "b,B,public"])
    bad_types = ["NO_SUCH_TYPE,a,b"] * (MAX_PROBLEMS + 500)
    relations = ["type,source,target", "COLLABORATES_WITH,a,nobody", *bad_types]
    _write(tmp_path, "relations.csv", relations)
    errors = validate(tmp_path).errors
    assert errors[0].line == 2 and "'nobody' is not a known actor" in errors[0].problem
    assert [error.line for error in errors[1:MAX_PROBLEMS]] == list(range(3, MAX_PROBLEMS + 2))
    assert (errors[-1].line, errors[-1].rest) == (MAX_PROBLEMS + 2, 501)
    assert problem_count(errors) == MAX_PROBLEMS + 501


def test_problems_of_the_files_read_first_come_first(tmp_path):
    """Relations are read last: an actor file's problems come before theirs, whatever the number."""
    _write(tmp_path, "relations.csv", ["type,source,target", *["NO_SUCH_TYPE,a,b"] * 1_500])
    _write(tmp_path, "actors.csv", ["id,name,sector", "a,A,nowhere", "b,B,public", "c,C,nowhere"])
    errors = validate(tmp_path).errors
    assert [(Path(e.path).name, e.line) for e in errors[:3]] == [
        ("actors.csv", 2),
        ("actors.csv", 4),
        ("relations.csv", 2),
    ]
    assert (Path(errors[-1].path).name, errors[-1].line) == ("relations.csv", MAX_PROBLEMS)
    assert problem_count(errors) == 1_502


def test_a_file_not_read_keeps_its_count_of_unchecked_ends_past_the_first_problems(tmp_path):
    _write(tmp_path, "actors.csv", ["id,name,sector", "a,A,nowhere"])
    (tmp_path / "collaborations.csv").write_bytes(b"id,name,kind\np,Sk\xe5ne,project\n")
    relations = [f"PARTICIPATES_IN,a,p{n}" for n in range(MAX_PROBLEMS + 10)]
    _write(tmp_path, "relations.csv", ["type,source,target", *relations])
    errors = validate(tmp_path).errors
    assert [Path(e.path).name for e in errors] == ["actors.csv", "collaborations.csv"]
    assert f"until it is read, {MAX_PROBLEMS + 10} relation end(s)" in errors[1].problem
