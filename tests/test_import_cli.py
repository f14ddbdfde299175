"""`mapper import`, `datasets`, `load --replace` and `delete` from the command line, on the
embedded store, with the real CORDIS sample (tests/seed/cordis-sample, a copy of the export in
../shared/data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapper.cli import cli
from mapper.service import open_service

SEEDS = Path(__file__).parent / "seed"
SAMPLE = SEEDS / "cordis-sample"
ROOT = Path(__file__).parent.parent


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPPER_STORE", str(tmp_path / "map.db"))

    def invoke(*args: object, ok: bool = True):
        result = CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)
        assert (result.exit_code == 0) == ok, result.output
        return result

    return invoke


def _json(result) -> object:
    return json.loads(result.output)


def test_the_cordis_sample_loads_with_the_counts_of_its_files(run):
    files = {
        name: json.loads((SAMPLE / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("organization", "project")
    }
    organisations = {record["organisationID"] for record in files["organization"]}
    participations = {
        (r["organisationID"], r["projectID"], r["role"]) for r in files["organization"]
    }
    assert (len(organisations), len(files["project"]), len(files["organization"])) == (
        765,
        26,
        1076,
    )
    output = run("import", "cordis", SAMPLE).output
    assert "actors: 766 created" in output  # the organisations and the Commission
    assert "collaborations: 26 created" in output
    assert "dataset: cordis-sample" in output
    info = _json(run("datasets", "--json"))
    assert [(d["name"], d["actors"], d["collaborations"]) for d in info] == [
        ("cordis-sample", 766, 26)
    ]
    umea = _json(run("path", "cordis-pic-999881821", "europeiska-kommissionen", "--json"))
    assert umea  # the Commission funds Umeå universitet directly
    listed = run("import", "cordis", SAMPLE).output
    assert "actors: 0 created, 0 updated, 766 unchanged" in listed
    relations = run("info").output
    assert f"PARTICIPATES_IN {len(participations)}" in relations


def test_swedish_actors_and_their_partners_are_a_scope(run):
    run("import", "cordis", SAMPLE)
    alone = _json(run("gaps", "--country", "SE", "--permutations", "50", "--json"))
    with_partners = _json(
        run("gaps", "--country", "SE", "--with-partners", "--permutations", "50", "--json")
    )
    assert alone["actors"] == 28  # 36 Swedish participation records, 28 organisations
    assert alone["actors"] < with_partners["actors"] < 766
    run("gaps", "--with-partners", ok=False)


def test_a_nuts_code_gives_the_county(run):
    run("import", "cordis", SEEDS / "cordis" / "csv")
    with open_service() as service:
        found = service.actors(limit=1000).items
    counties = {a.id: a.region for a in found if a.country == "SE"}
    assert counties["cordis-pic-999864846"] == "Västerbottens län"  # NUTS SE331
    assert all(region is None or region.endswith("län") for region in counties.values())


def test_seed_data_and_cordis_are_two_datasets_and_the_commission_is_one_actor(run):
    run("load", SEEDS.parent.parent / "seed_data")
    run("import", "cordis", SAMPLE)
    names = [d["name"] for d in _json(run("datasets", "--json"))]
    assert names == ["cordis-sample", "seed_data"]
    with open_service() as service:
        commission = service.actor("europeiska-kommissionen")
        assert commission.country == "BE"  # the seed data's curated record, not overwritten


def test_replace_removes_a_dropped_actor_and_says_so(run, tmp_path):
    folder = tmp_path / "seed"
    shutil.copytree(ROOT / "seed_data", folder)
    run("load", folder, "--dataset", "seed")
    actors = (folder / "actors.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in actors if not line.startswith("ashoka,")]
    assert len(kept) < len(actors)
    (folder / "actors.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    relations = (folder / "relations.csv").read_text(encoding="utf-8").splitlines()
    (folder / "relations.csv").write_text(
        "\n".join(line for line in relations if ",ashoka," not in line) + "\n",
        encoding="utf-8",
    )
    output = run("load", folder, "--replace", "seed").output
    assert "actors: 0 created, 0 updated, 31 unchanged, 1 removed" in output
    assert "removed actors: ashoka" in output
    run("delete", "actor", "ashoka", ok=False)


def test_delete_names_what_it_removed(run):
    run("load", ROOT / "seed_data")
    output = run("delete", "actor", "vinnova").output
    assert "removed actors: vinnova" in output and "removed relations: " in output
    assert "vinnova" in run("delete", "actor", "vinnova", ok=False).output


def test_a_table_comes_in_with_its_mapping_and_init_writes_one(run, tmp_path):
    table, mapping = SEEDS / "table" / "members.csv", SEEDS / "table" / "members.toml"
    output = run("import", "table", table, "--mapping", mapping).output
    assert "dataset: members" in output
    written = tmp_path / "new.toml"
    run("import", "table", table, "--init", written)
    assert "[actor]" in written.read_text(encoding="utf-8")
    assert "exists" in run("import", "table", table, "--init", written, ok=False).output
    assert "mapping" in run("import", "table", table, ok=False).output


def test_an_option_of_the_other_source_is_refused(run):
    mapping = SEEDS / "table" / "members.toml"
    output = run("import", "cordis", SAMPLE, "--mapping", mapping, ok=False).output
    assert "--mapping is not an option of cordis" in output
    table = SEEDS / "table" / "members.csv"
    output = run("import", "table", table, "--no-funding", ok=False).output
    assert "--no-funding is not an option of table" in output
