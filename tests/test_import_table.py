"""Importing a membership table (CSV or XLSX) with a TOML mapping, and guessing the mapping.

`tests/seed/table/members.csv` is a project office's export (Swedish headers, `;`, one row per
organisation in a project) and `members.toml` its mapping. The workbooks are written by
`_workbook` below, with shared and inline strings, numbers and date cells.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from ingest.rows import Row
from ingest.table import init_mapping, table_rows
from ingest.validate import validate
from ingest.xlsx import XlsxError, sheet_names, xlsx_rows
from mapper.errors import SeedFileError

TABLE = Path(__file__).parent / "seed" / "table"
MEMBERS = TABLE / "members.csv"
MAPPING = TABLE / "members.toml"


@pytest.fixture(autouse=True)
def in_table_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tests/seed/table, so messages show the paths as given, relative to it."""
    monkeypatch.chdir(TABLE)


def _items(path, mapping, **options) -> list[Row | SeedFileError]:
    return list(table_rows(Path(path), Path(mapping), **options))


def _rows(path, mapping) -> list[Row]:
    items = _items(path, mapping)
    assert [str(item) for item in items if isinstance(item, SeedFileError)] == []
    return items


def _errors(path, mapping) -> list[str]:
    return [str(item) for item in _items(path, mapping) if isinstance(item, SeedFileError)]


def _mapping(tmp_path: Path, text: str, name: str = "mapping.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _table(tmp_path: Path, text: str, name: str = "table.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


MINIMAL = """[actor]
name = "Organisation"
default_sector = "unknown"
[collaboration]
name = "Projekt"
default_kind = "project"
"""


# -- a CSV table ---------------------------------------------------------------------------------


def test_members_csv():
    rows = _rows("members.csv", "members.toml")
    assert Counter(row.fields.get("type", row.record_type) for row in rows) == {
        "actor": 4,
        "collaboration": 2,
        "PARTICIPATES_IN": 5,
        "FUNDS": 1,
    }
    actors = {row.fields["id"]: row for row in rows if row.record_type == "actor"}
    region = actors["region-skane"]
    assert region.line == 2  # the first of its two rows
    assert region.fields == {
        "id": "region-skane",
        "name": "Region Skåne",
        "sector": "public",
        "region": "Skåne",
        "country": "SE",
        "url": "https://www.skane.se",  # from line 2; line 5 has none
        "external_ids": {"orgnr": "232100-0255"},
    }
    assert actors["coompanion-skane"].fields["sector"] == "civil_society"
    assert "region" not in actors["coompanion-skane"].fields


def test_members_collaborations_and_relations():
    rows = _rows("members.csv", "members.toml")
    collaborations = {r.fields["id"]: r.fields for r in rows if r.record_type == "collaboration"}
    assert collaborations["p-2"] == {
        "id": "p-2",
        "name": "Välfärd, tillsammans",
        "kind": "project",
        "start": "2020",
        "end": "2022",
    }
    relations = [row.fields for row in rows if row.record_type == "relation"]
    assert {
        "type": "PARTICIPATES_IN",
        "source": "region-skane",
        "target": "p-1",
        "role": "lead",
    } in (relations)
    funds = [fields for fields in relations if fields["type"] == "FUNDS"]
    assert funds == [
        {
            "amount": 1200000.0,  # "1 200 000"
            "currency": "SEK",
            "type": "FUNDS",
            "source": "region-skane",
            "target": "impact-hub-malmo-ab",
            "collaboration": "p-2",
        }
    ]


def test_members_validate(tmp_path):
    path = tmp_path / "rows.jsonl"
    with open(path, "w", encoding="utf-8") as file:
        for row in _rows("members.csv", "members.toml"):
            file.write(json.dumps({"record": row.record_type, **row.fields}) + "\n")
    result = validate(path)
    assert [str(error) for error in result.errors] == []
    regions = {actor.id: actor.region for actor in result.batch.actors}
    assert regions["impact-hub-malmo-ab"] == "Skåne län"  # written "Region Skåne"


def test_shown_path():
    errors = [
        str(item)
        for item in table_rows(Path("members.csv"), Path("bad.toml"), shown="export.csv")
        if isinstance(item, SeedFileError)
    ]
    assert errors == ["bad.toml: no such mapping file"]


# -- an XLSX table -------------------------------------------------------------------------------


def _cell_xml(reference: str, value, strings: list[str]) -> str:
    if isinstance(value, dt.date):
        serial = (value - dt.date(1899, 12, 30)).days
        return f'<c r="{reference}" s="1"><v>{serial}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    if value.startswith("inline:"):
        text = escape(value.removeprefix("inline:"))
        return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'
    strings.append(value)
    return f'<c r="{reference}" t="s"><v>{len(strings) - 1}</v></c>'


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A minimal .xlsx: shared strings, inline strings (`inline:` text), numbers, dates."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    strings: list[str] = []
    parts = {}
    for number, rows in enumerate(sheets.values(), start=1):
        xml_rows = []
        for r, row in enumerate(rows, start=1):
            cells = "".join(
                _cell_xml(f"{chr(65 + c)}{r}", value, strings)
                for c, value in enumerate(row)
                if value != ""
            )
            xml_rows.append(f'<row r="{r}">{cells}</row>')
        parts[f"xl/worksheets/sheet{number}.xml"] = (
            f'<worksheet xmlns="{main}"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
        )
    sheet_list = "".join(
        f'<sheet name="{escape(name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(sheets, start=1)
    )
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>{sheet_list}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" Type="{relations}/'
            'worksheet"/>'
            for n in range(1, len(sheets) + 1)
        )
        + "</Relationships>"
    )
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{main}">{shared}</sst>'
    parts["xl/styles.xml"] = (
        f'<styleSheet xmlns="{main}"><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>'
    )
    with zipfile.ZipFile(path, "w") as book:
        for name, xml in parts.items():
            book.writestr(name, xml)
    return path


def _members_sheet() -> list[list]:
    """members.csv as Excel holds it: dates, whole numbers and amounts as numbers."""
    with open(MEMBERS, encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file, delimiter=";"))

    def typed(value: str, column: str):
        if len(value) == 10 and value[4] == "-":
            return dt.date.fromisoformat(value)
        if value.isdigit():
            return int(value)
        if column == "Belopp" and value:
            return float(value.replace(" ", ""))
        return f"inline:{value}" if column == "Organisation" and value else value

    return [rows[0]] + [
        [typed(v, c) for v, c in zip(row, rows[0], strict=True)] for row in rows[1:]
    ]


def test_members_xlsx_gives_the_csv_rows(tmp_path):
    book = _workbook(tmp_path / "members.xlsx", {"Medlemmar": _members_sheet()})
    xlsx = _rows(book, "members.toml")
    csv_rows = _rows("members.csv", "members.toml")
    assert [(r.record_type, r.line, r.fields) for r in xlsx] == [
        (r.record_type, r.line, r.fields) for r in csv_rows
    ]


def test_xlsx_cells(tmp_path):
    book = _workbook(
        tmp_path / "cells.xlsx",
        {
            "Blad1": [["a"]],
            "Data": [["Text", "Tal", "Datum", "Sant"], ["x", 1.5, dt.date(2020, 2, 29), True]],
        },
    )
    assert sheet_names(book) == ["Blad1", "Data"]
    assert list(xlsx_rows(book, "Data")) == [
        (1, ["Text", "Tal", "Datum", "Sant"]),
        (2, ["x", "1.5", "2020-02-29", "true"]),
    ]
    with pytest.raises(XlsxError, match="no sheet 'Blad2'; the sheets are Blad1, Data"):
        list(xlsx_rows(book, "Blad2"))


def test_xlsx_sheet_and_header_row(tmp_path):
    rows = [["Medlemmar 2023"], [], ["Organisation", "Projekt"], ["Vinnova", "Nätverket"]]
    book = _workbook(tmp_path / "book.xlsx", {"Omslag": [["x"]], "Lista": rows})
    mapping = _mapping(tmp_path, '[table]\nsheet = "Lista"\nheader_row = 3\n' + MINIMAL)
    items = _rows(book, mapping)
    assert [(row.record_type, row.line) for row in items] == [
        ("actor", 4),
        ("collaboration", 4),
        ("relation", 4),
    ]
    assert items[2].fields == {
        "type": "PARTICIPATES_IN",
        "source": "vinnova",
        "target": "natverket",
    }


def test_not_a_workbook(tmp_path):
    book = _table(tmp_path, "Organisation,Projekt\n", name="table.xlsx")
    assert _errors(book, _mapping(tmp_path, MINIMAL)) == [
        f"{book}: not an .xlsx workbook; save it from Excel as .xlsx or as CSV UTF-8"
    ]


# -- value maps and bad cells --------------------------------------------------------------------


def test_unmapped_value_names_line_column_and_the_closest(tmp_path):
    table = _table(
        tmp_path,
        "Organisation;Sektor;Projekt\nA;Kommun;P\nB;Komun;P\nC;public;P\nD;Företag;P\n",
    )
    mapping = _mapping(
        tmp_path,
        MINIMAL.replace('default_sector = "unknown"', 'sector = "Sektor"')
        + '[actor.sector_values]\n"Kommun" = "public"\n"Region" = "public"\n',
    )
    assert _errors(table, mapping) == [
        f"{table}:3: Sektor: 'Komun' is not in [actor.sector_values] of the mapping; did you "
        "mean 'Kommun'? (mapped are 'Kommun', 'Region'); add it there",
        f"{table}:5: Sektor: 'Företag' is not in [actor.sector_values] of the mapping (mapped "
        "are 'Kommun', 'Region'); add it there",
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("A;P;2019-13-01;", "2: Start: '2019-13-01' is not a real calendar date"),
        ("A;P;2021;2019", "2: Slut: '2019' is before start '2021'"),
        ("A;P;;;Skåneland", "2: Län: 'Skåneland' is not a Swedish county or region"),
        ("A;P;;;;SWE", "2: Land: 'SWE' is not a country code"),
        ("A;P;;;;;lots", "2: Belopp: 'lots' is not a number"),
    ],
)
def test_bad_cells(tmp_path, cells, expected):
    table = _table(tmp_path, f"Organisation;Projekt;Start;Slut;Län;Land;Belopp\n{cells}\n")
    mapping = _mapping(
        tmp_path,
        MINIMAL.replace("[collaboration]", 'region = "Län"\ncountry = "Land"\n[collaboration]')
        + 'start = "Start"\nend = "Slut"\n'
        + '[funding]\ndefault_funder = "vinnova"\namount = "Belopp"\n',
    )
    errors = _errors(table, mapping)
    assert len(errors) == 1 and errors[0].startswith(f"{table}:{expected}"), errors


def test_a_row_without_its_actor(tmp_path):
    table = _table(tmp_path, "Organisation;Sektor;Projekt\n;Kommun;P\n")
    mapping = _mapping(tmp_path, MINIMAL.replace('default_sector = "unknown"', 'sector = "Sektor"'))
    assert _errors(table, mapping) == [
        f"{table}:2: Organisation: is empty, but the row gives the actor's Sektor"
    ]


def test_conflicting_rows_name_both_lines(tmp_path):
    table = _table(
        tmp_path,
        "Organisation;Webb;Projekt\nVinnova;https://vinnova.se;P\nVinnova;;Q\n"
        "VINNOVA;https://www.vinnova.se;R\n",
    )
    mapping = _mapping(
        tmp_path, MINIMAL.replace("[collaboration]", 'url = "Webb"\n[collaboration]')
    )
    assert _errors(table, mapping) == [
        f"{table}:4: Webb: 'https://www.vinnova.se' differs from 'https://vinnova.se' on line 2 "
        "for the same actor 'vinnova'; give it one url (or leave the cell empty on all rows but "
        "one)"
    ]


def test_unquoted_delimiter(tmp_path):
    table = _table(tmp_path, "Organisation,Projekt\nImpact Hub, Malmö,P\n")
    assert _errors(table, _mapping(tmp_path, MINIMAL)) == [
        f"{table}:2: the row has 3 cells but the header has 2 columns; put a cell that contains "
        "the delimiter in double quotes"
    ]


def test_encoding(tmp_path):
    table = _table(tmp_path, "Organisation;Projekt\nMalmö stad;P\n", encoding="cp1252")
    mapping = _mapping(tmp_path, MINIMAL)
    assert _errors(table, mapping) == [
        f"{table}:2: the file is not utf-8 text (byte 0xf6); if Excel in Windows saved it, write "
        'encoding = "cp1252" under [table] in the mapping'
    ]
    mapping = _mapping(tmp_path, '[table]\nencoding = "cp1252"\n' + MINIMAL)
    assert _rows(table, mapping)[0].fields["name"] == "Malmö stad"


# -- the mapping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MINIMAL + "[membership]\nrole = 'Roll'\n",
            ":8: membership.role: {table} has no column 'Roll'; did you mean 'Rolle'? (its "
            "columns are 'Organisation', 'Projekt', 'Rolle')",
        ),
        (
            MINIMAL.replace('name = "Organisation"', 'nmae = "Organisation"'),
            ":2: actor.nmae: unknown key; did you mean 'name'? expected one of id, name, name_en",
        ),
        (
            MINIMAL.replace('default_sector = "unknown"', 'default_sector = "publik"'),
            ":3: actor.default_sector: 'publik' is not one of public, private, civil_society, "
            "academia, unknown; did you mean 'public'?",
        ),
        (
            MINIMAL.replace('default_sector = "unknown"', ""),
            ":1: actor: every actor needs a sector: give a column or a default, e.g. sector = "
            '"Sektor", or default_sector = "unknown"',
        ),
        (
            MINIMAL + '[actor.external_ids]\n"Org.nr" = "Org.nr"\n',
            ":7: actor.external_ids: 'Org.nr' is not a scheme; expected lowercase letters, "
            "digits and _, such as orgnr",
        ),
        (
            MINIMAL + "[membership.role_values]\nKoordinator = 'leader'\n",
            ":8: membership.role_values.Koordinator: 'leader' is not one of lead, organiser, ",
        ),
        (MINIMAL + "[membership]\nrole = \n", ":8: not valid TOML: Invalid value"),
        ("[actors]\n" + MINIMAL, ":1: actors: unknown section; did you mean 'actor'? expected"),
        (
            MINIMAL.replace("[collaboration]", "[table]\ndelimiter = ':'\n[collaboration]"),
            ":5: table.delimiter: ':' is not , ; | or \"\\t\" (a tab)",
        ),
        (
            MINIMAL + "[funding]\namount = 'Projekt'\n",
            ":7: funding: every funding needs a funder: give a column or a default, e.g. "
            'default_funder = "vinnova", or funder = "Finansiär"',
        ),
    ],
)
def test_mapping_problems(tmp_path, text, expected):
    table = _table(tmp_path, "Organisation,Projekt,Rolle\nA,P,x\n")
    mapping = _mapping(tmp_path, text)
    errors = _errors(table, mapping)
    assert len(errors) == 1 and errors[0].startswith(f"{mapping}{expected.format(table=table)}")


# -- guessing a mapping --------------------------------------------------------------------------


def test_init_mapping_round_trip(tmp_path):
    text = init_mapping(MEMBERS)
    assert 'name = "Organisation"' in text
    assert 'external_ids = { orgnr = "Org.nr" }' in text
    assert '"Koordinator" = "lead"  # guessed' in text
    assert '"Förening" = "civil_society"  # guessed' in text
    mapping = _mapping(tmp_path, text)
    guessed = _rows(MEMBERS, mapping)
    written = _rows(MEMBERS, MAPPING)
    participations = [r for r in written if r.fields.get("type") != "FUNDS"]
    assert [(r.record_type, r.fields) for r in guessed] == [
        (r.record_type, {k: v for k, v in r.fields.items() if k != "country"})
        for r in participations
    ]


def test_init_mapping_of_a_workbook_with_unknown_values(tmp_path):
    book = _workbook(
        tmp_path / "natverk.xlsx",
        {
            "Blad1": [
                ["Namn", "Typ av organisation", "Nätverk", "Roll i nätverket"],
                ["Vinnova", "Myndighet", "MSI", "Finansiär"],
                ["Ideell förening X", "Övrigt", "MSI", "Medlem"],
            ]
        },
    )
    text = init_mapping(book)
    assert 'name = "Namn"' in text and 'name = "Nätverk"' in text
    assert 'subsector = "Typ av organisation"' in text
    assert 'role = "Roll i nätverket"' in text
    assert 'default_sector = "unknown"  # no sector column was found' in text
    assert '"Myndighet" = "agency"  # guessed' in text
    assert '"Finansiär" = "funder"  # guessed' in text
    assert '"Medlem" = "participant"  # guessed' in text
    unfilled = '# "Övrigt" = ""  # which subsector?'
    assert unfilled in text
    mapping = _mapping(tmp_path, text)
    assert _errors(book, mapping) == [
        f"{book}:3: Typ av organisation: 'Övrigt' is not in [actor.subsector_values] of the "
        "mapping (mapped are 'Myndighet'); add it there"
    ]
    mapping = _mapping(tmp_path, text.replace(unfilled, '"Övrigt" = ""'))  # filled in: none
    rows = _rows(book, mapping)
    actors = {row.fields["id"]: row.fields for row in rows if row.record_type == "actor"}
    assert actors["vinnova"]["subsector"] == "agency"
    assert "subsector" not in actors["ideell-forening-x"]
    roles = [row.fields["role"] for row in rows if row.record_type == "relation"]
    assert roles == ["funder", "participant"]


def test_init_mapping_of_a_table_it_cannot_read(tmp_path):
    with pytest.raises(SeedFileError, match="no such file"):
        init_mapping(tmp_path / "nothing.csv")


def test_a_damaged_workbook_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    book = _workbook(tmp_path / "members.xlsx", {"Medlemmar": _members_sheet()})
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(book) as original:
        parts = {name: original.read(name) for name in original.namelist()}
    parts[sheet] = parts[sheet].replace(b"<v>43466", b"<v>abc", 1)  # a date that is no number
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(damaged, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    [error] = _errors(damaged, MAPPING)
    assert "cannot be read" in error and "CSV UTF-8" in error


def test_several_aliases_in_one_cell_are_split(tmp_path: Path) -> None:
    table = tmp_path / "members.csv"
    text = MEMBERS.read_text(encoding="utf-8")
    table.write_text(text, encoding="utf-8")
    mapping = tmp_path / "members.toml"
    mapping.write_text(
        MAPPING.read_text(encoding="utf-8").replace('url = "Webb"', 'aliases = "Webb"'),
        encoding="utf-8",
    )
    actors = [row for row in _rows(table, mapping) if row.record_type == "actor"]
    assert all("|" not in alias for row in actors for alias in row.fields.get("aliases", []))
