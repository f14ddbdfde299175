"""The mapper command, through click's CliRunner, on an embedded store in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from mapper.cli import cli

ROOT = Path(__file__).parent.parent
SEED = ROOT / "seed_data"
BROKEN = Path(__file__).parent / "seed" / "broken"


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPPER_STORE", str(tmp_path / "map.db"))

    def invoke(*args: str):
        return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def loaded(run):
    result = run("load", SEED)
    assert result.exit_code == 0, result.output
    return run


def test_help_lists_every_command(run):
    result = run("--help")
    for command in ("info", "load", "validate", "export", "serve", "map", "gaps", "brokers"):
        assert command in result.output


def test_load_then_info(loaded):
    result = loaded("info", "--json")
    counts = json.loads(result.output)["counts"]
    assert counts["actors"] > 30 and counts["collaborations"] > 20
    assert json.loads(result.output)["store"] == "embedded"


def test_loading_twice_changes_nothing(loaded):
    result = loaded("load", SEED)
    assert result.exit_code == 0
    assert "actors: 0 created, 0 updated, " in result.output
    assert "relations: 0 created, 0 updated, " in result.output


def test_validate_the_seed_data(run):
    result = run("validate", SEED)
    assert (result.exit_code, result.output.startswith("ok: ")) == (0, True)


def test_validate_reports_every_problem_with_file_line_and_field(run):
    result = run("validate", BROKEN / "actors_three_problems.csv")
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if "actors_three_problems.csv:" in line]
    assert len(problems) == 3
    assert "3 problem(s) found" in result.output


def test_a_broken_file_loads_nothing(loaded):
    before = loaded("info", "--json").output
    result = loaded("load", SEED, BROKEN / "actors_bad_sector.csv")
    assert result.exit_code == 1
    assert "sector: 'public sector' is not one of public, private, civil_society, academia" in (
        result.output
    )
    assert "nothing was written" in result.output
    assert loaded("info", "--json").output == before


def test_gaps_table_and_json(loaded):
    table = loaded("gaps", "--permutations", "50")
    assert "public - academia" in table.output
    header = table.output.splitlines()[0].split("  ")
    assert [cell.strip() for cell in header if cell.strip()] == [
        "sectors", "observed", "expected", "ratio", "z", "null 95%", "p fewer", "p more",
        "p_adjusted", "gap",
    ]
    body = json.loads(loaded("gaps", "--json", "--permutations", "50").output)
    assert len(body["pairs"]) == 10


def test_path_between_two_actors(loaded):
    result = loaded("path", "vinnova", "lsv", "-k", "1")
    assert result.output.splitlines()[1].strip() == "vinnova [public]"


def test_unknown_actor_is_a_one_line_error(loaded):
    result = loaded("path", "vinnova", "no-such-actor")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: no actor with id 'no-such-actor'"


def test_bad_region_names_the_parameter(loaded):
    result = loaded("mixing", "--region", "Atlantis")
    assert result.exit_code == 1
    assert "parameter 'region'" in result.output


@pytest.mark.parametrize("command", ["mixing", "brokers", "funding", "suggest vinnova"])
def test_analysis_commands_answer_in_json(loaded, command):
    result = loaded(*command.split(), "--json")
    assert result.exit_code == 0, result.output
    json.loads(result.output)


def test_connections(loaded):
    result = loaded("connections", "public", "academia", "--limit", "3")
    assert "link(s) in all" in result.output


def test_export_graphml_reads_back_with_networkx(loaded, tmp_path):
    out = tmp_path / "map.graphml"
    assert loaded("export", "--format", "graphml", "--out", out).exit_code == 0
    G = nx.read_graphml(out)
    assert G.nodes["vinnova"]["sector"] == "public"


def test_export_csv_loads_back_unchanged(loaded, tmp_path):
    out = tmp_path / "export"
    assert loaded("export", "--format", "csv", "--out", out).exit_code == 0
    result = loaded("load", out)
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated" in result.output


def test_map_writes_a_self_contained_file(loaded, tmp_path):
    out = tmp_path / "map.html"
    assert loaded("map", "--out", out, "--lang", "en").exit_code == 0
    assert "<html" in out.read_text(encoding="utf-8")


def test_a_foreign_store_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("not a database at all " * 50)
    result = CliRunner().invoke(cli, ["--store", str(bad), "info"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad} is not a usable ecosystem-mapper store")
