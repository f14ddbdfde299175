"""Kumu blueprints in: maps made in Kumu by hand, Kumu's own exports, and ours read back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest import batch_from_graph, read_batch, to_kumu, validate
from mapper.model import Actor, Batch, Collaboration, Relation, Source
from mapper.stores.common import build_snapshot

SEED = Path(__file__).parent / "seed"
SKANE = SEED / "kumu" / "skane.json"
SHIPPED = Path(__file__).parent.parent / "seed_data"


@pytest.fixture(scope="module")
def skane() -> Batch:
    return read_batch(SKANE)


def _actor(batch: Batch, actor_id: str) -> Actor:
    return next(actor for actor in batch.actors if actor.id == actor_id)


def _write(folder: Path, elements: list[dict], connections: list[dict] = ()) -> Path:
    """A blueprint with element i on line 2 + i and connection j on line 3 + len(elements) + j."""
    lines = ['{"elements": [']
    lines += [json.dumps(e, ensure_ascii=False) + "," for e in elements]
    lines[-1] = lines[-1].rstrip(",")
    lines += ['], "connections": [']
    lines += [json.dumps(c, ensure_ascii=False) + "," for c in connections]
    lines[-1] = lines[-1].rstrip(",") if connections else lines[-1]
    lines += ["]}"]
    path = folder / "map.json"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- a map made by hand --------------------------------------------------------------------------


def test_a_map_made_in_kumu_reads_without_problems() -> None:
    result = validate(SKANE)
    assert [str(error) for error in result.errors] == []
    assert (len(result.batch.actors), len(result.batch.collaborations)) == (11, 2)
    assert len(result.batch.relations) == 11


@pytest.mark.parametrize(
    ("actor_id", "expected"),
    [
        (
            "region-skane",
            {
                "name": "Region Skåne",
                "sector": "public",  # "Sektor": "Offentlig sektor"
                "subsector": None,  # "Organization" names no subsector
                "region": "Skåne län",
                "country": "SE",
                "url": "https://www.skane.se/",
                "data": {"tags": ["regional utveckling", "välfärd"], "Antal anställda": 40000},
            },
        ),
        (
            "malmo-universitet",
            {
                "sector": "academia",
                "subsector": "university",
                "data": {"tags": ["forskning", "utbildning"]},
            },
        ),
        (
            "vinnova",
            {
                "sector": "public",  # "SECTOR": "Public"
                "subsector": "agency",
                "country": "SE",  # "se"
                "description": "Sveriges innovationsmyndighet.",
                "external_ids": {"orgnr": "202100-5216"},
            },
        ),
        ("coompanion-skane", {"sector": "civil_society", "data": {"Grundad": "1985"}}),
        ("stiftelsen-drivhuset", {"sector": "civil_society", "subsector": "foundation"}),
        ("ikea", {"sector": "private", "subsector": "company", "data": {}}),  # "" is not given
        ("malmo-stad", {"sector": "public", "subsector": "municipality", "country": None}),
        ("leksaksbiblioteket", {"sector": "unknown", "data": {}}),  # no sector at all
        ("sofielunds-folkets-hus", {"sector": "unknown", "data": {"Sector": "Kultur"}}),
    ],
)
def test_elements_become_actors_by_kumus_names(skane: Batch, actor_id: str, expected: dict) -> None:
    actor = _actor(skane, actor_id).model_dump(mode="json")
    assert {name: actor[name] for name in expected} == expected


def test_two_labels_with_one_slug_are_two_actors_and_nothing_is_lost(skane: Batch) -> None:
    assert (_actor(skane, "impact-hub-malmo").name, _actor(skane, "impact-hub-malmo-2").name) == (
        "Impact Hub Malmö",
        "Impact Hub Malmo",
    )


def test_collaborations_take_their_kind_from_the_type_and_dates_from_any_spelling(skane) -> None:
    bridge, summit = skane.collaborations
    assert (bridge.id, bridge.kind.value, bridge.start, bridge.end) == (
        "innovationsbryggan",
        "project",
        "2018",
        "2020-06-30",
    )
    assert bridge.data == {"Budget (SEK)": 2000000, "tags": ["välfärd", "innovation"]}
    assert (summit.kind.value, summit.start, summit.region) == ("event", "2019-11-05", "Skåne län")


def test_free_text_connections_become_relations_and_keep_their_words(skane: Batch) -> None:
    relations = {relation.key: relation.description for relation in skane.relations}
    assert relations == {
        "FUNDS:vinnova->innovationsbryggan@2018": None,
        "PARTICIPATES_IN:region-skane->innovationsbryggan:lead": None,
        "PARTICIPATES_IN:malmo-universitet->innovationsbryggan:partner": None,
        # from the collaboration to the actor: turned round; "Collaboration" says no more
        "PARTICIPATES_IN:coompanion-skane->innovationsbryggan:participant": "Collaboration",
        "MEMBER_OF:coompanion-skane->region-skane": None,
        "COLLABORATES_WITH:ikea->stiftelsen-drivhuset": "sponsrar\nSponsor sedan 2017",
        "COLLABORATES_WITH:malmo-stad->region-skane": "Strength: 3",
        "PARTICIPATES_IN:impact-hub-malmo-2->social-innovation-summit-2019:organiser": None,
        "PARTICIPATES_IN:leksaksbiblioteket->social-innovation-summit-2019:participant": None,
        "FUNDS:vinnova->malmo-universitet": "Tags: forskningsfinansiering",  # "Funded by"
        "COLLABORATES_WITH:sofielunds-folkets-hus->malmo-stad": "Lokalsamverkan",  # a label
    }
    funds = next(r for r in skane.relations if r.key.startswith("FUNDS:vinnova->innov"))
    assert (funds.amount, funds.currency, funds.year) == (2000000.0, "SEK", 2018)


def test_kumus_own_export_with_ids_and_nested_attributes(tmp_path: Path) -> None:
    """Kumu's exports nest the fields in `attributes` and name elements by `_id`."""
    blueprint = {
        "elements": [
            {"_id": "elem-Xk3PqA", "attributes": {"label": "Vinnova", "element type": "Agency"}},
            {"_id": "elem-9bZtQ1", "attributes": {"label": "Vinnova", "element type": "Funder"}},
            {
                "_id": "elem-Pr0j3c",
                "attributes": {"label": "Testbädd Välfärd", "element type": "Program"},
            },
        ],
        "connections": [
            {
                "_id": "conn-1",
                "from": "elem-9bZtQ1",
                "to": "elem-Pr0j3c",
                "direction": "directed",
                "attributes": {"connection type": "Finansierar", "tags": ["2021"]},
            }
        ],
        "loops": [],
        "maps": [{"name": "Karta", "elements": []}],
    }
    path = tmp_path / "kumu-export.json"
    path.write_text(json.dumps(blueprint, ensure_ascii=False), encoding="utf-8")
    batch = read_batch(path)
    assert [(a.id, a.kinds[0].value, a.subsector) for a in batch.actors] == [
        ("vinnova", "organisation", "agency"),
        ("vinnova-2", "funder", None),
    ]
    assert [c.id for c in batch.collaborations] == ["testbadd-valfard"]
    (funds,) = batch.relations
    assert (funds.key, funds.description) == ("FUNDS:vinnova-2->testbadd-valfard", "tags: 2021")


def test_elements_with_one_label_and_no_id_are_one_record_as_in_kumu(tmp_path: Path) -> None:
    element = {"Label": "Vinnova", "Type": "Agency", "Sector": "Public"}
    path = _write(tmp_path, [element, element])
    assert [actor.id for actor in read_batch(path).actors] == ["vinnova"]


# -- problems ------------------------------------------------------------------------------------

TYPES = (
    "expected an actor type (Organization, Organisation, Department, Funder, or a kind of "
    "organisation such as Company, University, Agency, Municipality, Foundation, Association) "
    "or a collaboration type (Project, Partnership, Event, Programme, Network, Policy)"
)
PROBLEMS = [
    (
        "person",
        [{"Label": "Vinnova", "Type": "Agency"}, {"Label": "Anna Andersson", "Type": "Person"}],
        [{"From": "Anna Andersson", "To": "Vinnova", "Type": "works at"}],
        [
            "3: Type: 'Person' is not an element type of this map: it maps organisations, not "
            "people. Remove the people and their connections from the file, or give the element "
            "the type of the organisation it stands for (such as Organization)",
            # the person is not an actor, so the connection points at no known id
            "5: from: 'Anna Andersson' is not a known actor id",
        ],
    ),
    (
        "unknown type",
        [{"Label": "Intressenter", "Type": "Stakeholder group"}],
        [],
        [f"2: Type: 'Stakeholder group' is not an element type of this map; {TYPES}"],
    ),
    ("no type", [{"Label": "Vinnova"}], [], [f"2: type: is missing; {TYPES}"]),
    (
        "two sector keys that disagree",
        [{"Label": "Vinnova", "Type": "Agency", "Sector": "Offentlig", "sektor": "Privat"}],
        [],
        [
            "2: sektor: 'Privat' differs from 'Offentlig' given as 'Sector'; both give the "
            "sector: keep one"
        ],
    ),
    (
        "a label of two elements",
        [
            {"id": "vinnova", "Label": "Vinnova", "Type": "Agency"},
            {"id": "vinnova-ab", "Label": "Vinnova", "Type": "Company"},
            {"Label": "Testbädd", "Type": "Project"},
        ],
        [{"From": "Vinnova", "To": "Testbädd", "Type": "funds"}],
        [
            "6: from: 'Vinnova' is the label of 2 elements ('vinnova', 'vinnova-ab'); name the "
            "element by its id"
        ],
    ),
    (
        "two collaborations",
        [{"Label": "Testbädd", "Type": "Project"}, {"Label": "Summit", "Type": "Event"}],
        [{"From": "Testbädd", "To": "Summit", "Type": "part of"}],
        [
            "5: from: connects two collaborations ('testbadd' and 'summit'); a relation goes "
            "from an actor: connect each actor to the collaborations instead"
        ],
    ),
    (
        "a typo in a label",
        [{"Label": "Vinnova", "Type": "Agency"}, {"Label": "Testbädd", "Type": "Project"}],
        [{"From": "Vinova", "To": "Testbädd", "Type": "finansierar"}],
        ["5: from: 'Vinova' is not a known actor id; did you mean 'vinnova'?"],
    ),
    (
        "an id that is no slug",
        [{"id": "Vinnova AB", "Label": "Vinnova", "Type": "Agency"}],
        [],
        [
            "2: id: 'Vinnova AB' is not a valid id; expected lowercase ASCII letters and digits "
            "joined by hyphens, such as 'vinnova-ab'"
        ],
    ),
    (
        "a role where there is none",
        [{"Label": "Vinnova", "Type": "Agency"}, {"Label": "Almi", "Type": "Company"}],
        [{"From": "Vinnova", "To": "Almi", "Type": "funds", "Role": "lead"}],
        ["5: role: is only for PARTICIPATES_IN, not FUNDS"],
    ),
]


@pytest.mark.parametrize(
    ("elements", "connections", "messages"),
    [case[1:] for case in PROBLEMS],
    ids=[case[0] for case in PROBLEMS],
)
def test_problems_name_the_line_and_kumus_key(tmp_path, elements, connections, messages) -> None:
    path = _write(tmp_path, elements, connections)
    assert [str(error) for error in validate(path).errors] == [f"{path}:{m}" for m in messages]


# -- our own export, and other suffixes ----------------------------------------------------------


def _shipped_snapshot():
    batch = read_batch(SHIPPED)
    return build_snapshot(batch.actors, batch.collaborations, batch.relations)


NEW_FIELDS = Batch(
    actors=[
        Actor(
            id="eu",
            name="Europeiska kommissionen",
            kinds=("funder",),
            sector="public",
            country="BE",
            external_ids={"pic": "999999999"},
            data={"tags": ["EU"], "Sector": "not a field here", "nested": {"a": None}},
        ),
        Actor(id="umu", name="Umeå universitet", sector="academia", region="Västerbottens län"),
        Actor(id="okand", name="Okänd aktör", sector="unknown", country=None),
    ],
    collaborations=[Collaboration(id="p1", name="Projekt 1", kind="project", data={"x": [1]})],
    relations=[
        Relation(
            type="FUNDS", source="eu", target="umu", collaboration="p1", amount=10.5, year=2016
        ),
        Relation(type="PARTICIPATES_IN", source="umu", target="p1", role="co_funder"),
        Relation(type="PARTICIPATES_IN", source="okand", target="p1", role="third_party"),
        Relation(
            type="COLLABORATES_WITH",
            source="okand",
            target="umu",
            description="Text\r\nmed radbrytning",
            sources=(Source(url="https://example.org/a"),),
        ),
    ],
)


@pytest.mark.parametrize("batch", ["shipped", "new fields"])
def test_our_kumu_export_reads_back_as_the_same_records(tmp_path: Path, batch: str) -> None:
    if batch == "shipped":
        G = _shipped_snapshot()
    else:
        G = build_snapshot(NEW_FIELDS.actors, NEW_FIELDS.collaborations, NEW_FIELDS.relations)
    path = tmp_path / "map.json"
    path.write_text(json.dumps(to_kumu(G), ensure_ascii=False), encoding="utf-8")
    assert read_batch(path) == batch_from_graph(G)


@pytest.mark.parametrize("name", ["map.kumu", "map.txt", "map", "map.xml", "map.graphml"])
def test_a_kumu_blueprint_reads_whatever_its_suffix(tmp_path: Path, name: str) -> None:
    shutil.copy(SKANE, tmp_path / name)
    assert read_batch(tmp_path / name) == read_batch(SKANE)


def test_a_file_that_is_neither_json_nor_xml_is_refused_by_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Vinnova, Region Skåne\n", encoding="utf-8")
    assert [str(error) for error in validate(path).errors] == [
        f"{path}: cannot read '.txt'; expected .csv, .json, .jsonl, .graphml, .gexf, .xml "
        "(save a spreadsheet as CSV UTF-8)"
    ]


def test_json_nested_too_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    deep = "[" * 5000 + "]" * 5000
    path.write_text(f'{{"elements": [{{"Label": "A", "Type": "Project", "x": {deep}}}]}}')
    assert _messages_of(path) == [
        f"{path}: lists or objects are nested too deep to read (about 1,000 levels at most)"
    ]


def _messages_of(path: Path) -> list[str]:
    return [str(error) for error in validate(path).errors]
