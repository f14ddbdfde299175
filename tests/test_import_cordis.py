"""Importing CORDIS exports: the real sample, a hand-made export in CSV and in JSON, and errors.

`tests/seed/cordis/csv/` and `json/` hold the same small Horizon Europe / H2020 export (Swedish
NUTS codes, EL and UK, `PRC;PRC`, a repeated participation, decimal commas in the CSV);
`broken/` has one bad participation per line. The real sample is in the shared data folder.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.cordis import FUNDER, cordis_rows
from ingest.rows import Row
from ingest.validate import validate
from mapper.errors import InvalidParameter, SeedFileError

CORDIS = Path(__file__).parent / "seed" / "cordis"
SAMPLE = Path(__file__).parent / "seed" / "cordis-sample"  # a copy of the real export


def _rows(*paths: Path, **options) -> list[Row]:
    """The rows of an import that must have no errors."""
    items = list(cordis_rows(list(paths), **options))
    errors = [str(item) for item in items if isinstance(item, SeedFileError)]
    assert errors == []
    return items


def _by_id(rows: list[Row], record_type: str) -> dict[str, dict]:
    return {row.fields["id"]: row.fields for row in rows if row.record_type == record_type}


def _relations(rows: list[Row], relation_type: str) -> list[dict]:
    return [row.fields for row in rows if row.fields.get("type") == relation_type]


def _validated(rows: list[Row], tmp_path: Path):
    """The batch the validator makes of the rows, written as a JSON Lines seed file."""
    path = tmp_path / "rows.jsonl"
    with open(path, "w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps({"record": row.record_type, **row.fields}) + "\n")
    result = validate(path)
    assert [str(error) for error in result.errors] == []
    return result.batch


# -- the real sample -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> list[Row]:
    return _rows(SAMPLE)


def test_sample_counts(sample):
    counts = Counter(row.fields.get("type", row.record_type) for row in sample)
    # 765 PICs and the funder; 1,076 participation records, none repeating a PIC, project and
    # role; 943 with a contribution above 0 (one PIC is twice in a project, once with 0).
    assert counts == {
        "actor": 766,
        "collaboration": 26,
        "PARTICIPATES_IN": 1076,
        "FUNDS": 943,
    }


def test_sample_yields_actors_and_collaborations_before_relations(sample):
    types = [row.record_type for row in sample]
    assert types.index("relation") == types.count("actor") + types.count("collaboration")


def test_sample_validates(sample, tmp_path):
    batch = _validated(sample, tmp_path)
    assert (len(batch.actors), len(batch.collaborations), len(batch.relations)) == (766, 26, 2019)
    countries = Counter(actor.country for actor in batch.actors)  # of distinct PICs
    assert (countries["GR"], countries["GB"], countries["FI"], countries["SE"]) == (10, 45, 33, 28)
    assert "EL" not in countries and "UK" not in countries


def test_sample_actor(sample):
    abb = _by_id(sample, "actor")["cordis-pic-897157851"]
    assert abb == {
        "id": "cordis-pic-897157851",
        "name": "ABB AB",
        "kinds": ["organisation"],
        "sector": "private",
        "subsector": "company",
        "country": "SE",
        "aliases": ["ABB"],
        "external_ids": {"pic": "897157851", "vat": "SE559193090301"},
        "data": {"short_name": "ABB", "activity_type": "PRC", "city": "VASTERAS"},
        "sources": [{"url": "https://cordis.europa.eu/project/id/785219"}],
    }


def test_sample_sources_are_a_few_projects(sample):
    actors = _by_id(sample, "actor")
    assert max(len(actor["sources"]) for actor in actors.values()) == 5


def test_sample_collaboration(sample):
    project = _by_id(sample, "collaboration")["cordis-project-662192"]
    assert project["name"].startswith("Integrated Components for Complexity Control")
    assert (project["kind"], project["start"], project["end"]) == (
        "project",
        "2015-06-01",
        "2018-10-31",
    )
    assert project["data"] == {
        "acronym": "3Ccar",
        "framework_programme": "H2020",
        "funding_scheme": "ECSEL-RIA",
        "status": "CLOSED",
        "ec_max_contribution": 17320843.96,
        "total_cost": 52401675.84,
    }
    assert project["sources"] == [{"url": "https://cordis.europa.eu/project/id/662192"}]
    assert len(project["description"]) <= 2000


def test_sample_lines_are_where_records_start(sample):
    lines = (SAMPLE / "organization.json").read_text(encoding="utf-8").splitlines()
    actor = next(row for row in sample if row.record_type == "actor" and row.line > 1)
    pic = actor.fields["external_ids"]["pic"]
    text = "\n".join(lines[actor.line - 1 : actor.line + 30])
    record = text[text.rindex("{", 0, len(lines[actor.line - 1])) :].split("}")[0]
    assert f'"organisationID": {pic},' in record
    assert actor.path == str(SAMPLE / "organization.json")


# -- the hand-made export ------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["csv", "json"])
def export(request) -> list[Row]:
    return _rows(CORDIS / request.param)


def test_export_counts(export):
    counts = Counter(row.fields.get("type", row.record_type) for row in export)
    # 8 PICs and the funder; 11 records, two of which are one participation; 6 contributions
    assert counts == {"actor": 9, "collaboration": 2, "PARTICIPATES_IN": 10, "FUNDS": 6}


def test_csv_and_json_give_the_same_rows():
    csv_rows, json_rows = _rows(CORDIS / "csv"), _rows(CORDIS / "json")
    assert [row.fields for row in csv_rows] == [row.fields for row in json_rows]
    assert [row.record_type for row in csv_rows] == [row.record_type for row in json_rows]


@pytest.mark.parametrize(
    ("pic", "country", "region"),
    [
        ("999864846", "SE", "Västerbottens län"),  # SE331
        ("910000001", "SE", "Skåne län"),  # SE224
        ("910000002", "SE", "Stockholms län"),  # SE110
        ("910000007", "SE", "Stockholms län"),  # SE11, the one NUTS-2 region that is a county
        ("910000006", "SE", None),  # SE12 spans several counties
        ("910000003", "GR", None),  # EL
        ("910000004", "GB", None),  # UK
        ("910000005", "FI", None),  # FI;FI
    ],
)
def test_country_and_county(export, pic, country, region):
    actor = _by_id(export, "actor")[f"cordis-pic-{pic}"]
    assert (actor["country"], actor.get("region")) == (country, region)


def test_actor_of_several_records(export):
    umea = _by_id(export, "actor")["cordis-pic-999864846"]
    assert umea["name"] == "UMEA UNIVERSITET"  # the newer record's; the older one is an alias
    assert umea["aliases"] == ["UmU", "UMEAA UNIVERSITET"]
    assert umea["sector"] == "academia" and umea["subsector"] == "university"
    assert umea["url"] == "https://www.umu.se"
    assert umea["external_ids"] == {"pic": "999864846", "vat": "SE202100281401"}
    assert umea["data"] == {
        "short_name": "UmU",
        "activity_type": "HES",
        "city": "UMEA",
        "nuts_code": "SE331",
        "sme": False,
    }
    assert umea["sources"] == [
        {"url": "https://cordis.europa.eu/project/id/101000001"},
        {"url": "https://cordis.europa.eu/project/id/101000002"},
    ]


@pytest.mark.parametrize(
    ("pic", "sector", "subsector", "url"),
    [
        ("910000001", "public", None, "http://www.skane.se"),
        ("910000002", "private", "company", "https://impact.se"),  # PRC;PRC
        ("910000003", "civil_society", None, None),  # OTH
        ("910000004", "academia", "university", "https://www.ucl.ac.uk"),
        ("910000005", "private", "company", "https://www.vk.fi"),  # the first of two addresses
        ("910000006", "academia", "research_institute", None),
        ("910000007", "civil_society", None, None),  # "not a url"
    ],
)
def test_sector_subsector_and_url(export, pic, sector, subsector, url):
    actor = _by_id(export, "actor")[f"cordis-pic-{pic}"]
    assert (actor["sector"], actor.get("subsector"), actor.get("url")) == (sector, subsector, url)


def test_sector_override():
    actors = _by_id(_rows(CORDIS / "csv", sectors={"OTH": "unknown", "pub": "public"}), "actor")
    assert actors["cordis-pic-910000003"]["sector"] == "unknown"
    assert actors["cordis-pic-910000007"]["sector"] == "unknown"
    assert actors["cordis-pic-999864846"]["sector"] == "academia"


def test_unknown_sector_in_override():
    with pytest.raises(InvalidParameter, match="'unkown' is not a sector; expected public"):
        cordis_rows([CORDIS / "csv"], sectors={"OTH": "unkown"})


def test_participations(export):
    roles = {(r["source"], r["target"], r["role"]) for r in _relations(export, "PARTICIPATES_IN")}
    assert ("cordis-pic-999864846", "cordis-project-101000001", "lead") in roles
    assert ("cordis-pic-910000004", "cordis-project-101000001", "third_party") in roles
    assert ("cordis-pic-910000001", "cordis-project-101000002", "partner") in roles
    repeated = [r for r in roles if r[0] == "cordis-pic-910000005"]
    assert repeated == [("cordis-pic-910000005", "cordis-project-101000002", "participant")]


def test_funding(export):
    funds = {(r["target"], r["collaboration"]): r for r in _relations(export, "FUNDS")}
    assert {key: r["amount"] for key, r in funds.items()} == {
        ("cordis-pic-999864846", "cordis-project-101000001"): 250000.75,
        ("cordis-pic-910000001", "cordis-project-101000001"): 100000.0,
        ("cordis-pic-910000003", "cordis-project-101000001"): 50000.5,
        ("cordis-pic-999864846", "cordis-project-101000002"): 10000.0,
        ("cordis-pic-910000005", "cordis-project-101000002"): 25000.0,  # 20,000 + 5,000
        ("cordis-pic-910000006", "cordis-project-101000002"): 30000.0,
    }
    umea = funds["cordis-pic-999864846", "cordis-project-101000001"]
    assert (umea["source"], umea["currency"], umea["year"]) == (FUNDER["id"], "EUR", 2021)
    funder = _by_id(export, "actor")["europeiska-kommissionen"]
    assert funder == FUNDER
    assert "country" not in funder


def test_no_funding():
    rows = _rows(CORDIS / "json", funding=False)
    assert _relations(rows, "FUNDS") == []
    assert "europeiska-kommissionen" not in _by_id(rows, "actor")


def test_export_validates(export, tmp_path):
    batch = _validated(export, tmp_path)
    umea = next(actor for actor in batch.actors if actor.id == "cordis-pic-999864846")
    assert umea.region == "Västerbottens län"
    funds = [relation.key for relation in batch.relations if relation.type.value == "FUNDS"]
    key = "FUNDS:europeiska-kommissionen->cordis-pic-910000005/cordis-project-101000002@2019"
    assert key in funds


def test_collaboration_of_the_export(export):
    project = _by_id(export, "collaboration")["cordis-project-101000001"]
    assert project["name"] == "Social innovation in Nordic regions"
    assert project["description"].endswith("It runs in three countries.")
    assert project["data"]["total_cost"] == 1500000.5  # written 1500000,50 in the CSV
    assert project["data"]["framework_programme"] == "HORIZON"


def test_csv_lines_count_line_breaks_in_cells():
    rows = _rows(CORDIS / "csv")
    lines = {row.fields["id"]: row.line for row in rows if row.record_type == "collaboration"}
    assert lines == {"cordis-project-101000001": 2, "cordis-project-101000002": 4}


def test_two_files_given_and_shown():
    rows = _rows(CORDIS / "csv" / "project.csv", CORDIS / "csv" / "organization.csv")
    assert len(rows) == 27
    shown = list(cordis_rows([CORDIS / "csv"], shown="export"))
    assert {row.path for row in shown if row.record_type == "actor" and row.line} == {
        "export/organization.csv"
    }


# -- errors --------------------------------------------------------------------------------------


def _errors(paths: list[Path], **options) -> list[str]:
    return [str(item) for item in cordis_rows(paths, **options) if isinstance(item, SeedFileError)]


def test_bad_participations(monkeypatch):
    monkeypatch.chdir(CORDIS)
    assert _errors([Path("broken")]) == [
        "broken/organization.csv:2: projectID: '999' is not a project in broken/project.csv; "
        "give the project file of the same export",
        "broken/organization.csv:3: ecContribution: 'abc' is not a number; expected an amount "
        "in euros such as 101058.75",
        "broken/organization.csv:4: organisationID: is empty; expected the organisation's PIC",
    ]
    rows = [row for row in cordis_rows([Path("broken")]) if isinstance(row, Row)]
    assert [row.fields["id"] for row in rows if row.record_type == "actor"] == [
        "cordis-pic-910000003",
        "europeiska-kommissionen",
    ]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"organization.csv": "projectID;name\n1;X\n", "project.csv": "id\n1\n"},
            "export/organization.csv:1: organisationID: missing; a CORDIS organization file has "
            "the fields projectID, organisationID, name and more (this one has projectID, name)",
        ),
        (
            {
                "organization.json": '[{"projectID": 1, "organisationID": 2, "name": "X"},\n{',
                "project.json": '[{"id": 1}]',
            },
            "export/organization.json:2: not valid JSON: Expecting property name enclosed in "
            "double quotes (column 2)",
        ),
        (
            {"organization.json": '{"projectID": 1}', "project.json": "[]"},
            "export/organization.json:1: not valid JSON: expected a list of records, '[' "
            "(column 1)",
        ),
        (
            {"organization.json": "[1, 2]", "project.json": "[]"},
            "export/organization.json:1: expected a list of objects, found an item that is not one",
        ),
        (
            {
                "organization.csv": b"projectID;organisationID;name\n1;2;G\xf6ran\n",
                "project.csv": "id\n1\n",
            },
            "export/organization.csv: the file is not UTF-8 text (byte 0xf6)",
        ),
        (
            {"organization.csv": "projectID;organisationID;name\n"},
            "export: no CORDIS project file; expected project.json or project.csv of the same "
            "export as the other file",
        ),
        (
            {"README.md": "x"},
            "export: no CORDIS files in this folder; expected organization.json and "
            "project.json, or organization.csv and project.csv",
        ),
    ],
)
def test_unreadable_exports(tmp_path, files, expected):
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    assert _errors([tmp_path], shown="export") == [expected]


def test_no_such_path():
    assert _errors([CORDIS / "nowhere"], shown="nowhere") == [
        "nowhere: no such file or folder",
    ]
