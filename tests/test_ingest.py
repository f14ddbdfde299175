"""Reading seed files: every format, every problem with its exact message, and the shipped seed.

The fixtures are in tests/seed/: `good/` (CSV with its `documents/`), `formats/` (the same
records as JSON, JSON Lines and a Kumu map), `excel/` (the actors as Excel writes them: BOM,
`;`, CRLF) and `broken/` (one kind of problem per file).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import ingest
from ingest import read_batch, read_rows, to_kumu, validate
from ingest.documents import normalise_text
from mapper.errors import SeedFileError, SeedValidationFailed
from mapper.model import Source
from mapper.stores.embedded import EmbeddedStore

SEED = Path(__file__).parent / "seed"
SHIPPED = Path(__file__).parent.parent / "seed_data"
KNOWN = {
    "region-skane": "actor",
    "malmo-universitet": "actor",
    "vinnova": "actor",
    "innovationsbryggan": "collaboration",
}


@pytest.fixture(autouse=True)
def in_seed_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tests/seed, so paths are given (and shown in messages) relative to it."""
    monkeypatch.chdir(SEED)


@pytest.fixture
def store():
    store = EmbeddedStore(":memory:")
    yield store
    store.close()


# -- broken files: the exact messages ------------------------------------------------------------

BROKEN = [
    (
        "actors_bad_sector.csv",
        [
            "broken/actors_bad_sector.csv:2: sector: 'public sector' is not one of public, "
            "private, civil_society, academia, unknown; did you mean 'public'?",
        ],
    ),
    (
        "actors_three_problems.csv",
        [
            "broken/actors_three_problems.csv:2: sector: 'Public' is not one of public, private, "
            "civil_society, academia, unknown; did you mean 'public'?",
            "broken/actors_three_problems.csv:3: name: is empty; every record needs a name",
            "broken/actors_three_problems.csv:4: kinds: 'networks' is not one of organisation, "
            "department, funder, network; did you mean 'network'?",
        ],
    ),
    (
        "actors_conflict.csv",
        [
            "broken/actors_conflict.csv:3: name: 'Vinnova AB' differs from 'Vinnova' on line 2 "
            "for the same id 'vinnova'; rows of one record may differ only in their sources",
        ],
    ),
    (
        "actors_bad_id.csv",
        [
            "broken/actors_bad_id.csv:2: id: 'Region Skåne' is not a valid id; expected "
            "lowercase ASCII letters and digits joined by hyphens, such as 'region-skane'",
        ],
    ),
    (
        "actors_bad_region.csv",
        [
            "broken/actors_bad_region.csv:2: region: 'Skånia' is not a Swedish county or region; "
            "expected a county name such as 'Skåne län', a region name such as 'Region Skåne', "
            "or an SCB county code such as '12'",
        ],
    ),
    (
        "actors_bad_source_url.csv",
        [
            "broken/actors_bad_source_url.csv:2: source_url: 'www.vinnova.se' must start with "
            "https:// or http://",
        ],
    ),
    (
        "actors_unknown_column.csv",
        [
            "broken/actors_unknown_column.csv:1: sectr: unknown column; did you mean 'sector'? "
            "expected columns are id, name, name_en, kinds, sector, subsector, region, country, "
            "url, aliases, description, external_ids, data, source_document, source_quote, "
            "source_url",
            "broken/actors_unknown_column.csv:1: homepage: unknown column; expected columns are "
            "id, name, name_en, kinds, sector, subsector, region, country, url, aliases, "
            "description, external_ids, data, source_document, source_quote, source_url",
            "broken/actors_unknown_column.csv:1: sector: missing column; a file of actors needs "
            "the columns id, name, sector",
        ],
    ),
    (
        "actors_missing_column.csv",
        [
            "broken/actors_missing_column.csv:1: sector: missing column; a file of actors needs "
            "the columns id, name, sector",
        ],
    ),
    (
        "actors_latin1.csv",
        [
            "broken/actors_latin1.csv:2: the file is not UTF-8 text (byte 0xf6 is not UTF-8, it "
            "looks like Windows-1252 or Latin-1); save it again as UTF-8, e.g. in Excel with "
            'Save As > "CSV UTF-8 (Comma delimited)"',
        ],
    ),
    (
        "actors_cell_count.csv",
        [
            "broken/actors_cell_count.csv:2: the row has 5 cells but the header has 4 columns; "
            "put a cell that contains the delimiter or a line break in double quotes",
        ],
    ),
    (
        "actors_quote_not_found.csv",
        [
            "broken/actors_quote_not_found.csv:2: source_quote: quote not found in rapport.txt: "
            '"Vinnova finansierade projektet med 3 miljoner kronor."',
        ],
    ),
    (
        "actors_typographic_quote.csv",
        [
            "broken/actors_typographic_quote.csv:2: source_quote: quote not found in "
            'rapport.txt: "anordnade konferensen "Framtidens välfärd" i Malmö"; it is there '
            "with other quotation marks, dashes or letter case: copy the sentence exactly as "
            "the document writes it",
        ],
    ),
    (
        "actors_missing_document.csv",
        [
            "broken/actors_missing_document.csv:2: source_document: 'rapprt.txt' is not in "
            "broken/documents; did you mean 'rapport.txt'?",
        ],
    ),
    (
        "collaborations_bad_date.csv",
        [
            "broken/collaborations_bad_date.csv:2: start: '2019-13-01' is not a real calendar date",
            "broken/collaborations_bad_date.csv:3: start: 'hösten 2018' is not a date; expected "
            "a year (2018) or a date (2018-03-09)",
        ],
    ),
    (
        "collaborations_end_before_start.csv",
        ["broken/collaborations_end_before_start.csv:2: end: '2017' is before start '2018'"],
    ),
    (
        "collaborations_bad_data.csv",
        [
            "broken/collaborations_bad_data.csv:2: data: '{budget_sek: 2000000}' is not valid "
            "JSON (Expecting property name enclosed in double quotes, column 2); expected a JSON "
            'object such as {"participants": 600}',
        ],
    ),
    (
        "collaborations_bad_kind.csv",
        [
            "broken/collaborations_bad_kind.csv:2: kind: 'projekt' is not one of project, "
            "partnership, event, programme, network, policy; did you mean 'project'?",
        ],
    ),
    (
        "collaborations_store_actor_id.csv",
        [
            "broken/collaborations_store_actor_id.csv:2: id: 'vinnova' is already the id of an "
            "actor in the store; ids must be unique across actors and collaborations",
        ],
    ),
    (
        "relations_unknown_id.csv",
        [
            "broken/relations_unknown_id.csv:2: target: 'region-skåne' is not a known actor id; "
            "did you mean 'region-skane'?",
            "broken/relations_unknown_id.csv:3: source: 'vinova' is not a known actor id; "
            "did you mean 'vinnova'?",
        ],
    ),
    (
        "relations_wrong_type.csv",
        [
            "broken/relations_wrong_type.csv:2: target: 'malmo-universitet' is an actor, but the "
            "target of PARTICIPATES_IN must be a collaboration",
            "broken/relations_wrong_type.csv:3: source: 'innovationsbryggan' is a collaboration, "
            "but the source of PART_OF must be an actor",
        ],
    ),
    (
        "relations_negative_amount.csv",
        [
            "broken/relations_negative_amount.csv:2: amount: '-2000000' is negative; expected an "
            "amount of 0 or more",
        ],
    ),
    (
        "relations_bad_numbers.csv",
        [
            "broken/relations_bad_numbers.csv:2: amount: '2 000 000' is not a number; expected "
            "digits only, such as 150000000",
            "broken/relations_bad_numbers.csv:2: currency: 'kr' is not a three-letter currency "
            "code (ISO 4217) such as 'SEK'",
            "broken/relations_bad_numbers.csv:2: year: '2018a' is not a whole number; expected a "
            "year such as 2018",
        ],
    ),
    (
        "relations_role_on_funds.csv",
        ["broken/relations_role_on_funds.csv:2: role: is only for PARTICIPATES_IN, not FUNDS"],
    ),
    (
        "relations_conflict.csv",
        [
            "broken/relations_conflict.csv:3: description: 'Runs the project.' differs from "
            "'Leads the project.' on line 2 for the same relation "
            "PARTICIPATES_IN:region-skane->innovationsbryggan:lead; rows of one record may "
            "differ only in their sources",
        ],
    ),
    (
        "relations_bad_type.csv",
        [
            "broken/relations_bad_type.csv:2: type: 'FINANCES' is not one of PARTICIPATES_IN, "
            "FUNDS, PART_OF, MEMBER_OF, COLLABORATES_WITH",
        ],
    ),
    (
        "people.csv",
        [
            "broken/people.csv:1: cannot tell which records this file holds from its name or its "
            "header (name, age); name it actors*.csv, collaborations*.csv or relations*.csv, or "
            "give it the header of one of them (see docs/seed-format.md)",
        ],
    ),
    (
        "same_id.json",
        [
            "broken/same_id.json:6: id: 'msi' is already the id of an actor (line 3); ids must "
            "be unique across actors and collaborations",
        ],
    ),
    (
        "json_problems.json",
        [
            "broken/json_problems.json:4: homepage: is not a field of an actor; expected one of "
            "id, name, name_en, kinds, sector, subsector, region, country, url, aliases, "
            "description, data, external_ids, sources",
            "broken/json_problems.json:4: sources[1].quote: quote not found in rapport.txt: "
            '"Vinnova finansierade projektet med 3 miljoner kronor."',
            "broken/json_problems.json:15: people: unknown key; expected actors, collaborations, "
            "relations, defaults (or elements, connections for Kumu)",
        ],
    ),
    (
        "bad_syntax.json",
        [
            "broken/bad_syntax.json:4: not valid JSON: Expecting property name enclosed in double "
            "quotes (column 61)",
        ],
    ),
    (
        "bad_record.jsonl",
        [
            "broken/bad_record.jsonl:3: record: 'person' is not one of actor, collaboration, "
            "relation",
            "broken/bad_record.jsonl:4: not valid JSON: Expecting ',' delimiter (column 75)",
        ],
    ),
    (
        "kumu_person.json",
        [
            "broken/kumu_person.json:4: type: 'Person' is not an element type of this map: it "
            "maps organisations, not people. Remove the people and their connections from the "
            "file, or give the element the type of the organisation it stands for (such as "
            "Organization)",
            "broken/kumu_person.json:7: to: 'Innovationsbrygan' is not a known actor or "
            "collaboration id; did you mean 'innovationsbryggan'?",
        ],
    ),
]


@pytest.mark.parametrize(("name", "messages"), BROKEN, ids=[name for name, _ in BROKEN])
def test_a_broken_file_gives_exactly_these_messages(name: str, messages: list[str]) -> None:
    result = validate(f"broken/{name}", known_ids=KNOWN)
    assert [str(error) for error in result.errors] == messages
    assert all(isinstance(error, SeedFileError) for error in result.errors)


def test_every_broken_fixture_has_a_case() -> None:
    fixtures = {path.name for path in (SEED / "broken").iterdir() if path.is_file()}
    assert fixtures == {name for name, _ in BROKEN}


def test_read_batch_raises_every_problem_at_once() -> None:
    with pytest.raises(SeedValidationFailed) as caught:
        read_batch("broken/actors_three_problems.csv")
    assert [error.line for error in caught.value.errors] == [2, 3, 4]
    assert str(caught.value).startswith("3 problem(s) found, nothing was written:\n")


def test_an_error_keeps_its_parts() -> None:
    (error,) = validate("broken/actors_bad_sector.csv").errors
    assert (error.path, error.line, error.field) == ("broken/actors_bad_sector.csv", 2, "sector")
    assert error.problem.startswith("'public sector' is not one of")


def test_a_folder_of_broken_files_reports_them_all_in_file_order() -> None:
    errors = validate("broken", known_ids=KNOWN).errors
    paths = [error.path for error in errors]
    assert len(errors) > len(BROKEN)
    relations_start = min(i for i, path in enumerate(paths) if "/relations_" in path)
    assert all("/relations_" in path for path in paths[relations_start:])


# -- good files ----------------------------------------------------------------------------------


def test_the_good_folder_reads_with_its_quotes_checked() -> None:
    result = validate("good")
    assert result.ok, result.errors
    batch = result.batch
    assert [actor.id for actor in batch.actors] == [
        "region-skane",
        "malmo-universitet",
        "vinnova",
        "msi",
        "glad-stiftelse",
    ]
    assert len(batch.collaborations) == 2
    assert len(batch.relations) == 7


def test_rows_of_one_record_are_merged_with_their_sources_in_order() -> None:
    batch = read_batch("good")
    region = next(actor for actor in batch.actors if actor.id == "region-skane")
    assert region.sources == (
        Source(
            document="rapport.txt",
            quote="Region Skåne och Malmö universitet startade 2018 ett gemensamt projekt för "
            "social innovation",
        ),
        Source(url="https://www.skane.se/om-region-skane/"),
    )
    lead = next(r for r in batch.relations if r.key.endswith("innovationsbryggan:lead"))
    assert [source.quote for source in lead.sources] == [
        "Region Skåne och Malmö universitet startade 2018 ett gemensamt projekt",
        "Innovationsbryggan",
    ]


def test_text_keeps_swedish_letters_quotes_newlines_and_emoji() -> None:
    actors = {actor.id: actor for actor in read_batch("good").actors}
    assert actors["msi"].description == 'Hosted by Malmö universitet.\nSays "hej" 👋 to everyone.'
    assert actors["glad-stiftelse"].name == "Stiftelsen Ett Glädjeämne 😀"


def test_quotes_match_across_line_breaks_and_non_breaking_spaces() -> None:
    document = normalise_text((SEED / "good/documents/rapport.txt").read_text(encoding="utf-8"))
    assert "ett gemensamt projekt för social innovation" in document
    assert "i Malmö den 12 mars 2019." in document


def test_excel_csv_with_bom_semicolons_and_crlf_reads_the_same() -> None:
    assert read_batch("excel/actors.csv").actors == read_batch("good").actors


@pytest.mark.parametrize("name", ["seed.json", "seed.jsonl", "kumu.json"])
def test_json_jsonl_and_kumu_give_the_same_batch_as_csv(name: str) -> None:
    batch = read_batch(f"formats/{name}", documents_dir="good/documents")
    assert batch == read_batch("good")


def test_json_rows_know_the_line_each_record_starts_on() -> None:
    rows = list(read_rows("formats/seed.json"))
    assert [row.line for row in rows[:3]] == [3, 29, 46]
    assert [row.record_type for row in rows].count("relation") == 7


def test_reading_twice_gives_the_same_batch_and_applying_twice_changes_nothing(store) -> None:
    first, second = read_batch("good"), read_batch("good")
    assert first == second
    store.apply(first)
    report = store.apply(second)
    assert (report.actors.unchanged, report.relations.unchanged) == (5, 7)
    assert report.actors.created == report.relations.updated == 0


def test_a_read_batch_applies_to_the_store(store) -> None:
    store.apply(read_batch("good"))
    assert store.get_actor("region-skane").region == "Skåne län"
    assert store.get_collaboration("framtidens-valfard-2019").data["themes"] == [
        "välfärd",
        "innovation",
    ]
    funds = [r for r in store.relations("vinnova") if r.type == "FUNDS"]
    assert [(r.amount, r.currency, r.year) for r in funds] == [(2_000_000.0, "SEK", 2018)]
    assert store.counts().relations == 7


def test_relations_may_point_at_ids_already_in_the_store(store, tmp_path: Path) -> None:
    store.apply(read_batch(["good/actors.csv", "good/collaborations.csv"]))
    relations = tmp_path / "relations.csv"
    relations.write_text(
        "type,source,target,role\nPARTICIPATES_IN,vinnova,innovationsbryggan,partner\n",
        encoding="utf-8",
    )
    assert not validate(relations).ok
    batch = read_batch(relations, known_ids=ingest.record_kinds(store.snapshot()))
    assert store.apply(batch).relations.created == 1


class _CountingIds(Mapping[str, str]):
    """A lazy `known_ids`, as a store gives them: counts the single lookups."""

    def __init__(self, ids: dict[str, str]):
        self.ids, self.lookups = ids, 0

    def __getitem__(self, record_id: str) -> str:
        self.lookups += 1
        return self.ids[record_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def items(self):  # one pass, no single lookups
        return self.ids.items()


@pytest.mark.parametrize("stored", [1, 100])
def test_an_id_the_store_has_as_the_other_kind_is_an_error(tmp_path: Path, stored: int) -> None:
    path = tmp_path / "collaborations.csv"
    path.write_text("id,name,kind\nvinnova,Vinnova,programme\nx,X,event\n", encoding="utf-8")
    known = _CountingIds({"vinnova": "actor"} | {f"a-{i}": "actor" for i in range(stored - 1)})
    (error,) = validate(path, known_ids=known).errors
    assert (error.line, error.field) == (2, "id")
    assert error.problem == (
        "'vinnova' is already the id of an actor in the store; "
        "ids must be unique across actors and collaborations"
    )
    assert known.lookups == (0 if stored == 1 else 2)


def test_a_folder_reads_its_own_files_only_and_nodes_before_relations(tmp_path: Path) -> None:
    for name in ("actors.csv", "collaborations.csv", "relations.csv"):
        (tmp_path / name).write_bytes((SEED / "good" / name).read_bytes())
    (tmp_path / "a-relations.csv").write_bytes((SEED / "good/relations.csv").read_bytes())
    (tmp_path / "notes.txt").write_text("not a seed file", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub/actors.csv").write_text("this,is,not,read\n", encoding="utf-8")
    files, errors = ingest.seed_files(tmp_path)
    assert [seed.path.name for seed in files] == [
        "actors.csv",
        "collaborations.csv",
        "a-relations.csv",
        "relations.csv",
    ]
    assert errors == []
    assert read_batch(tmp_path, documents_dir="good/documents") == read_batch("good")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("nowhere/actors.csv", "nowhere/actors.csv: no such file or folder"),
        (
            "good/documents/rapport.txt",
            "good/documents/rapport.txt: cannot read '.txt'; expected .csv, .json, .jsonl, "
            ".graphml, .gexf, .xml (save a spreadsheet as CSV UTF-8)",
        ),
        ("good/documents", "good/documents: no .csv, .json, .jsonl files in this folder"),
    ],
)
def test_paths_that_cannot_be_read(path: str, message: str) -> None:
    assert [str(error) for error in validate(path).errors] == [message]


# -- documents -----------------------------------------------------------------------------------


def _one_actor_with_quote(folder: Path, quote: str, document: str = "rapport.txt") -> Path:
    path = folder / "actors.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name", "sector", "source_document", "source_quote"])
        writer.writerow(["vinnova", "Vinnova", "public", document, quote])
    return path


def test_without_a_documents_folder_quotes_are_not_checked(tmp_path: Path) -> None:
    assert validate(_one_actor_with_quote(tmp_path, "Not in any document.")).ok


def test_a_documents_folder_beside_the_file_is_used(tmp_path: Path) -> None:
    (tmp_path / "documents").mkdir()
    path = _one_actor_with_quote(tmp_path, "Not in any document.")
    (error,) = validate(path).errors
    assert error.problem == f"'rapport.txt' is not in {tmp_path / 'documents'}"


def test_an_explicit_documents_folder_checks_quotes(tmp_path: Path) -> None:
    path = _one_actor_with_quote(tmp_path, "Vinnova finansierade projektet")
    assert validate(path, documents_dir="good/documents").ok
    path = _one_actor_with_quote(tmp_path, "Vinnova finansierade", document="../actors.csv")
    (error,) = validate(path, documents_dir="good/documents").errors
    assert str(error).endswith(
        "source_document: '../actors.csv' is a path; expected a file name in good/documents"
    )


def test_a_missing_documents_folder_is_an_error(tmp_path: Path) -> None:
    path = _one_actor_with_quote(tmp_path, "Vinnova finansierade projektet")
    (error,) = validate(path, documents_dir="no-such-folder").errors
    assert str(error) == (
        "no-such-folder: no such folder; documents_dir must be the folder of the source documents"
    )


def test_a_long_missing_quote_is_cut_after_60_characters(tmp_path: Path) -> None:
    path = _one_actor_with_quote(tmp_path, "Vinnova  finansierade\nprojektet med " + "x" * 80)
    (error,) = validate(path, documents_dir="good/documents").errors
    assert error.problem == (
        'quote not found in rapport.txt: "Vinnova finansierade projektet med '
        'xxxxxxxxxxxxxxxxxxxxxxxxx…"'
    )


# -- progress and scale --------------------------------------------------------------------------


def test_progress_is_called_every_10000_rows_and_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "actors.csv"
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "name", "sector"])
        writer.writerows([f"actor-{i}", f"Aktör {i}", "private"] for i in range(25_000))
    calls: list[int] = []
    assert len(read_batch(path, progress=calls.append).actors) == 25_000
    assert calls == [10_000, 20_000, 25_000]


def test_did_you_mean_among_many_ids(tmp_path: Path) -> None:
    known = {f"actor-{i}": "actor" for i in range(20_000)} | {"region-skane": "actor"}
    path = tmp_path / "relations.csv"
    path.write_text("type,source,target\nMEMBER_OF,actor-1,region-skaen\n", encoding="utf-8")
    (error,) = validate(path, known_ids=known).errors
    assert error.problem == "'region-skaen' is not a known actor id; did you mean 'region-skane'?"


# -- Kumu ----------------------------------------------------------------------------------------


def test_kumu_export_reads_back_as_the_same_records(store, tmp_path: Path) -> None:
    store.apply(read_batch("good"))
    G = store.snapshot()
    path = tmp_path / "map.json"
    path.write_text(json.dumps(to_kumu(G), ensure_ascii=False), encoding="utf-8")
    assert read_batch(path) == ingest.batch_from_graph(G)


def test_kumu_export_names_elements_and_connections_as_kumu_does(store) -> None:
    store.apply(read_batch("good"))
    blueprint = to_kumu(store.snapshot())
    region = next(e for e in blueprint["elements"] if e["id"] == "region-skane")
    assert (region["label"], region["type"], region["sector"]) == (
        "Region Skåne",
        "Organization",
        "public",
    )
    event = next(e for e in blueprint["elements"] if e["id"] == "framtidens-valfard-2019")
    assert event["type"] == "Event"
    funds = next(c for c in blueprint["connections"] if c["type"] == "FUNDS")
    assert (funds["from"], funds["to"], funds["direction"]) == (
        "vinnova",
        "innovationsbryggan",
        "directed",
    )


# -- the shipped seed data -----------------------------------------------------------------------

SHIPPED_FILES = [SHIPPED / f"{name}.csv" for name in ("actors", "collaborations", "relations")]


@pytest.mark.skipif(
    not all(path.exists() for path in SHIPPED_FILES),
    reason="seed_data/actors.csv, collaborations.csv and relations.csv are not written yet",
)
def test_the_shipped_seed_data_has_no_problems(store) -> None:
    result = validate(SHIPPED, documents_dir=SHIPPED / "documents")
    assert [str(error) for error in result.errors] == []
    store.apply(result.batch)
    assert store.counts().actors == len(result.batch.actors) > 0


def test_the_public_names_are_exactly_those_in_all() -> None:
    public = {name for name in vars(ingest) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(ingest, name)).__name__ == "module"}
    assert public - modules == set(ingest.__all__)


def test_a_json_file_may_say_its_default_country_once(tmp_path) -> None:
    path = tmp_path / "actors.json"
    actors = '[{"id": "a", "name": "A", "sector": "public"}, {"id": "b", "name": "B", ' \
        '"sector": "public", "country": "NO"}]'
    path.write_text(f'{{"actors": {actors}, "defaults": {{"country": "se"}}}}', encoding="utf-8")
    assert [a.country for a in read_batch(path).actors] == ["SE", "NO"]
    path.write_text(f'{{"actors": {actors}, "defaults": {{"country": "Sverige"}}}}', "utf-8")
    errors = [str(error) for error in validate(path).errors]
    assert len(errors) == 1 and "defaults.country: 'Sverige' is not a country code" in errors[0]
