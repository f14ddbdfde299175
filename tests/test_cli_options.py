"""The CLI's global options, read-only commands, long lists and progress (issue 17, part 5)."""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ingest import validate
from mapper import cli as cli_module
from mapper.cli import cli
from mapper.errors import StoreUnavailable
from mapper.stores.embedded import EmbeddedStore

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seed_data"


def invoke(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(arg) for arg in args], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store holding the seed data, shared by the tests that only read it."""
    path = tmp_path_factory.mktemp("store") / "map.db"
    assert invoke("load", SEED, "--store", path).exit_code == 0
    return path


@pytest.fixture(autouse=True)
def no_store_in_env(monkeypatch, tmp_path):
    monkeypatch.delenv("MAPPER_STORE", raising=False)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the default store, if used


# -- global options before or after the command -------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--store", "{store}", "info", "--json"],
        ["info", "--store", "{store}", "--json"],
        ["--json", "info", "--store", "{store}"],
        ["--store", "{store}", "--json", "info"],
    ],
)
def test_store_and_json_go_before_or_after_the_command(store, args):
    result = invoke(*[str(store) if arg == "{store}" else arg for arg in args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["location"] == str(store)


def test_the_store_after_the_command_wins(store, tmp_path):
    missing = tmp_path / "missing.db"
    assert invoke("--store", missing, "info", "--store", store).exit_code == 0
    result = invoke("--store", store, "info", "--store", missing)
    assert result.exit_code == 1 and f"there is no store at {missing}" in result.output


def test_the_store_after_the_command_wins_over_the_environment(store, tmp_path):
    env = {"MAPPER_STORE": str(tmp_path / "missing.db")}
    assert invoke("info", "--store", store, env=env).exit_code == 0
    assert invoke("--store", store, "info", env=env).exit_code == 0
    assert "there is no store at" in invoke("info", env=env).output


def test_lang_goes_before_or_after_map(store, tmp_path):
    before, after, both = tmp_path / "before.html", tmp_path / "after.html", tmp_path / "both.html"
    assert invoke("--lang", "en", "map", "--out", before, "--store", store).exit_code == 0
    assert invoke("map", "--out", after, "--lang", "en", "--store", store).exit_code == 0
    assert (
        invoke("--lang", "en", "map", "--out", both, "--lang", "sv", "--store", store).exit_code
        == 0
    )
    assert '<html lang="en"' in before.read_text(encoding="utf-8")
    assert '<html lang="en"' in after.read_text(encoding="utf-8")
    assert '<html lang="sv"' in both.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--json", "serve"], "--json is not an option of serve"),
        (["--lang", "en", "gaps"], "--lang is not an option of gaps"),
    ],
)
def test_a_global_option_the_command_lacks_is_a_usage_error(args, message):
    result = invoke(*args)
    assert result.exit_code == 2 and message in result.output


def test_help_names_the_global_options_and_where_they_go():
    top = invoke("--help").output
    assert "--store PATH|URI" in top and "--json" in top and "--lang" in top
    assert "may also come after the command's name" in top
    for command in cli.commands:
        assert "--store PATH|URI" in invoke(command, "--help").output, command


# -- a file that cannot be read is one problem --------------------------------------------------


@pytest.fixture
def latin1_seed(tmp_path) -> Path:
    folder = tmp_path / "seed"
    shutil.copytree(SEED, folder)
    actors = folder / "actors.csv"
    actors.write_bytes(actors.read_text(encoding="utf-8").encode("latin-1", "replace"))
    return folder


def test_a_latin1_actors_file_is_one_problem(latin1_seed):
    errors = validate(latin1_seed).errors
    assert len(errors) == 1, "\n".join(map(str, errors))
    assert errors[0].path.endswith("actors.csv")
    assert "not UTF-8" in errors[0].problem
    assert "relation end(s) that may name its actors are not checked" in errors[0].problem


def test_the_cli_reports_a_latin1_actors_file_once(latin1_seed, tmp_path):
    result = invoke("validate", latin1_seed, "--store", tmp_path / "none.db")
    assert result.exit_code == 1
    assert "not a known" not in result.output
    assert "1 problem(s) found" in result.output


def test_an_actors_file_without_its_columns_is_one_problem(latin1_seed):
    actors = latin1_seed / "actors.csv"
    actors.write_text("id,nam,sector\nx,X,public\n", encoding="utf-8")
    errors = validate(latin1_seed).errors
    assert [error.field for error in errors] == ["nam", "name"], "\n".join(map(str, errors))


def test_unknown_ids_are_still_reported_when_the_files_read(tmp_path):
    folder = tmp_path / "seed"
    shutil.copytree(SEED, folder)
    relations = folder / "relations.csv"
    lines = relations.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("regeringen", "no-such-actor", 1)
    relations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = validate(folder).errors
    assert ["'no-such-actor' is not a known actor id" in e.problem for e in errors] == [True]


# -- commands that only read never make a store ----------------------------------------------------

READ_ONLY = [
    ["info"],
    ["datasets"],
    ["search", "vinnova"],
    ["gaps"],
    ["mixing"],
    ["brokers"],
    ["path", "vinnova", "kth"],
    ["connections", "public", "academia"],
    ["suggest", "vinnova"],
    ["funding"],
    ["export", "--format", "gexf", "--out", "out.gexf"],
    ["map", "--out", "map.html"],
    ["duplicates"],
    ["delete", "actor", "vinnova"],
    ["merge", "vinnova", "kth"],
]


@pytest.mark.parametrize("args", READ_ONLY, ids=lambda args: args[0])
def test_a_read_only_command_on_a_missing_store_says_so_and_makes_nothing(args, tmp_path):
    folder = tmp_path / "nothing-here"
    missing = folder / "map.db"
    with CliRunner().isolated_filesystem(temp_dir=tmp_path):  # where out.gexf would go
        result = invoke(*args, "--store", missing)
        assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == []
    assert result.exit_code == 1
    assert f"there is no store at {missing}; make one with `mapper load" in result.output
    assert not folder.exists()


def test_validate_without_a_store_checks_the_files_and_makes_nothing(tmp_path):
    missing = tmp_path / "map.db"
    result = invoke("validate", SEED, "--store", missing)
    assert result.exit_code == 0
    assert result.output.startswith("ok: ")
    assert f"there is no store at {missing}" in result.output
    assert not missing.exists()


def test_load_makes_the_store(tmp_path):
    path = tmp_path / "new" / "map.db"
    assert invoke("load", SEED, "--store", path).exit_code == 0
    assert path.is_file()


# -- long lists ----------------------------------------------------------------------------------


def test_a_long_list_shows_twenty_and_how_many_more(tmp_path):
    store = tmp_path / "map.db"
    folder = tmp_path / "seed"
    shutil.copytree(SEED, folder)
    invoke("load", folder, "--dataset", "seed", "--store", store)
    for name in ("actors.csv", "relations.csv"):  # keep the header only: every one goes
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    result = invoke("load", folder, "--replace", "seed", "--store", store)
    line = next(x for x in result.output.splitlines() if x.startswith("removed actors: "))
    assert line.endswith("… and 12 more (--all)")
    assert len(line.removeprefix("removed actors: ").split(" … ")[0].split(", ")) == 20


def _isolated_seed(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "isolated"
    shutil.copytree(SEED, folder)
    actors = folder / "actors.csv"
    lines = actors.read_text(encoding="utf-8").splitlines()
    row = lines[1].split(",", 1)[1]
    lines += [f"alone-{number:02d},{row}" for number in range(count)]
    actors.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_gaps_lists_twenty_isolated_actors_unless_all(tmp_path):
    store = tmp_path / "map.db"
    assert invoke("load", _isolated_seed(tmp_path, 25), "--store", store).exit_code == 0
    isolated = json.loads(
        invoke("gaps", "--json", "--permutations", "20", "--store", store).output
    )["isolated_actors"]
    assert len(isolated) > 25  # --json: never cut
    short = invoke("gaps", "--permutations", "20", "--store", store).output
    line = next(x for x in short.splitlines() if x.startswith("isolated actors: "))
    assert line == (
        f"isolated actors: {', '.join(isolated[:20])} … and {len(isolated) - 20} more (--all)"
    )
    whole = invoke("gaps", "--permutations", "20", "--all", "--store", store).output
    assert f"isolated actors: {', '.join(isolated)}\n" in whole


# -- progress: on stderr, at a terminal, never with --json -----------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("as_json", "stream", "shown"),
    [(False, _Terminal(), True), (True, _Terminal(), False), (False, io.StringIO(), False)],
)
def test_progress_shows_only_at_a_terminal_without_json(as_json, stream, shown):
    assert cli_module._shows_progress(as_json, stream) is shown


def test_the_spinner_writes_to_stderr_only(monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(cli_module, "_SPINNER_AFTER", 0.0)
    monkeypatch.setattr("sys.stderr", terminal)
    with cli_module._working("working"):
        time.sleep(0.3)
    assert "working" in terminal.getvalue()
    assert capsys.readouterr().out == ""
    spun = terminal.getvalue()
    with cli_module._working("working", as_json=True):
        time.sleep(0.1)
    assert terminal.getvalue() == spun


def test_analysis_output_has_no_progress_in_it(store):
    for args in (["gaps", "--json", "--permutations", "20"], ["mixing", "--json"]):
        result = CliRunner().invoke(cli, [*args, "--store", str(store)])
        assert result.exit_code == 0
        json.loads(result.stdout)  # nothing but the JSON
        assert result.stderr == ""


def test_an_embedded_store_that_must_exist_is_not_made(tmp_path):
    with pytest.raises(StoreUnavailable, match=r"there is no store at .*missing\.db"):
        EmbeddedStore(tmp_path / "folder" / "missing.db", create=False)
    assert list(tmp_path.iterdir()) == []


def test_brokers_between_two_sectors(tmp_path):
    from click.testing import CliRunner

    from mapper.cli import cli

    db = str(tmp_path / "map.db")
    runner = CliRunner()
    seed = str(Path(__file__).parent.parent / "seed_data")
    assert runner.invoke(cli, ["load", seed, "--store", db]).exit_code == 0
    result = runner.invoke(cli, ["brokers", "--between", "public", "civil_society", "--store", db])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].split()[:3] == ["actor", "sector", "between"]
    result = runner.invoke(
        cli, ["brokers", "--between", "public", "civil_society", "--json", "--store", db]
    )
    assert '"sectors": [\n    "public",\n    "civil_society"\n  ]' in result.output
