"""GEXF in: graphs made in Gephi, our own `to_gexf` read back, and XML told apart by its root."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

import ingest.gexf
from ingest import batch_from_graph, read_batch, to_gexf, to_graphml, validate
from mapper.model import Batch
from mapper.stores.common import build_snapshot
from tests.test_import_kumu import NEW_FIELDS

SEED = Path(__file__).parent / "seed"
GEPHI = SEED / "gexf" / "vasterbotten.gexf"
SHIPPED = Path(__file__).parent.parent / "seed_data"

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<gexf xmlns="http://gexf.net/1.3" version="1.3">'


@pytest.fixture(scope="module")
def gephi() -> Batch:
    return read_batch(GEPHI)


def _gexf(folder: Path, body: str, name: str = "map.gexf") -> Path:
    """A GEXF file of `body` (what is inside <graph>), which starts on line 4."""
    path = folder / name
    path.write_text(f'{HEAD}\n<graph defaultedgetype="directed">\n{body}\n</graph>\n</gexf>\n')
    return path


def _messages(path: Path) -> list[str]:
    return [str(error) for error in validate(path).errors]


# -- a graph made in Gephi -----------------------------------------------------------------------


def test_a_graph_made_in_gephi_reads_without_problems() -> None:
    assert _messages(GEPHI) == []


@pytest.mark.parametrize(
    ("actor_id", "expected"),
    [
        (
            "umea-universitet",
            {
                "name": "Umeå universitet",
                "sector": "academia",
                "subsector": "university",
                "region": "Västerbottens län",
                "country": "SE",  # the attribute's default
                # Gephi's statistics and other columns, typed as declared
                "data": {
                    "Modularity Class": 0,
                    "Degree": 1,
                    "Betweenness Centrality": 0.5,
                    "Verified": True,
                },
            },
        ),
        ("region-vasterbotten", {"sector": "public", "region": "Västerbottens län"}),
        ("umea-kommun", {"sector": "public", "subsector": "municipality"}),
        ("coompanion-vasterbotten", {"sector": "civil_society", "subsector": "cooperative"}),
        ("norrlandsfonden", {"sector": "unknown", "kinds": ["funder"], "data": {}}),
        ("sliperiet", {"sector": "unknown", "data": {"Sector": "Kreativa näringar"}}),
        ("umea-kommun-2", {"name": "UMEÅ KOMMUN", "sector": "public"}),  # another node id
    ],
)
def test_nodes_become_actors_by_the_rules_of_a_kumu_map(gephi, actor_id, expected) -> None:
    actor = next(a for a in gephi.actors if a.id == actor_id).model_dump(mode="json")
    assert {name: actor[name] for name in expected} == expected


def test_a_node_typed_as_a_project_is_a_collaboration(gephi: Batch) -> None:
    (lab,) = gephi.collaborations
    assert (lab.id, lab.kind.value, lab.start) == ("social-innovation-lab-umea", "project", "2021")


def test_edges_take_their_type_from_an_attribute_their_kind_or_their_label(gephi) -> None:
    assert {r.key: r.description for r in gephi.relations} == {
        "PARTICIPATES_IN:umea-universitet->social-innovation-lab-umea:partner": None,
        "FUNDS:region-vasterbotten->social-innovation-lab-umea@2021": "weight: 2.0",
        "COLLABORATES_WITH:umea-kommun->region-vasterbotten": None,
        "MEMBER_OF:coompanion-vasterbotten->umea-kommun": None,
        "PARTICIPATES_IN:sliperiet->social-innovation-lab-umea:organiser": None,
        "COLLABORATES_WITH:norrlandsfonden->coompanion-vasterbotten": None,
        "PARTICIPATES_IN:umea-kommun-2->social-innovation-lab-umea:participant": None,
        "COLLABORATES_WITH:umea-universitet->region-vasterbotten": (
            "delägare i regionens innovationsråd"
        ),
    }
    funds = next(r for r in gephi.relations if r.type.value == "FUNDS")
    assert (funds.amount, funds.currency) == (500000.0, "SEK")


# -- our own export ------------------------------------------------------------------------------


def _snapshot(batch: Batch):
    return build_snapshot(batch.actors, batch.collaborations, batch.relations)


@pytest.mark.parametrize("batch", ["shipped", "new fields"])
def test_our_gexf_export_reads_back_as_the_same_records(tmp_path: Path, batch: str) -> None:
    G = _snapshot(read_batch(SHIPPED) if batch == "shipped" else NEW_FIELDS)
    to_gexf(G, tmp_path / "map.gexf")
    expected = batch_from_graph(G)
    if batch == "new fields":  # XML keeps no carriage returns (docs/seed-format.md)
        index = next(i for i, r in enumerate(expected.relations) if r.description)
        relation = expected.relations[index]
        expected.relations[index] = relation.model_copy(
            update={"description": relation.description.replace("\r\n", "\n")}
        )
    assert read_batch(tmp_path / "map.gexf") == expected


@pytest.mark.parametrize(
    ("write", "name"),
    [
        (to_gexf, "map.graphml"),
        (to_gexf, "map.xml"),
        (to_gexf, "map"),
        (to_graphml, "map.gexf"),
        (to_graphml, "map.xml"),
    ],
)
def test_graphml_and_gexf_read_by_their_root_whatever_their_suffix(tmp_path, write, name) -> None:
    G = _snapshot(read_batch(SHIPPED))
    write(G, tmp_path / name)
    assert read_batch(tmp_path / name) == batch_from_graph(G)


def test_a_gephi_file_saved_as_xml_reads_the_same(tmp_path: Path, gephi: Batch) -> None:
    shutil.copy(GEPHI, tmp_path / "graf.xml")
    assert read_batch(tmp_path / "graf.xml") == gephi


# -- problems ------------------------------------------------------------------------------------

NODE_ATTRIBUTES = """<attributes class="node">
<attribute id="0" title="Type" type="string"/>
<attribute id="1" title="Sector" type="string"/>
</attributes>"""

PROBLEMS = [
    (
        "a person",
        NODE_ATTRIBUTES
        + '\n<nodes>\n<node id="7" label="Anna"><attvalues><attvalue for="0" value="Person"/>'
        "</attvalues></node>\n</nodes>",
        [
            "9: node '7': Type: 'Person' is not an element type of this map: it maps "
            "organisations, not people. Remove the people and their connections from the file, "
            "or give the element the type of the organisation it stands for (such as "
            "Organization)"
        ],
    ),
    (
        "an undeclared attribute",
        NODE_ATTRIBUTES + '\n<nodes>\n<node id="a" label="A"><attvalues>'
        '<attvalue for="9" value="x"/></attvalues></node>\n</nodes>',
        ["9: node 'a': attvalue: for='9' names no attribute declared for nodes"],
    ),
    (
        "a bad kind",
        NODE_ATTRIBUTES.replace('title="Sector"', 'title="kind"')
        + '\n<nodes>\n<node id="a" label="A"><attvalues><attvalue for="0" value="collaboration"/>'
        '<attvalue for="1" value="festival"/></attvalues></node>\n</nodes>',
        [
            "9: node 'a': kind: 'festival' is not one of project, partnership, event, "
            "programme, network, policy"
        ],
    ),
    (
        "a node without an id",
        '<nodes>\n<node label="A"/>\n</nodes>',
        ["5: node: id: is missing; every GEXF node has an id"],
    ),
    (
        "an edge to nowhere",
        '<nodes>\n<node id="a" label="A"/>\n</nodes>\n<edges>\n'
        '<edge id="e1" source="a" target="b" label="member of"/>\n</edges>',
        ["8: target: 'b' is not a known actor id; did you mean 'a'?"],
    ),
    (
        "an edge between two collaborations",
        NODE_ATTRIBUTES
        + '\n<nodes>\n<node id="p" label="P"><attvalues><attvalue for="0" value="Project"/>'
        '</attvalues></node>\n<node id="q" label="Q"><attvalues><attvalue for="0" '
        'value="Event"/></attvalues></node>\n</nodes>\n<edges>\n<edge id="e1" source="p" '
        'target="q"/>\n</edges>',
        [
            "13: edge 'e1': source: connects two collaborations ('p' and 'q'); a relation goes "
            "from an actor: connect each actor to the collaborations instead"
        ],
    ),
    (
        "not well-formed",
        '<nodes>\n<node id="a" label="A & B"/>\n</nodes>',
        ["5: not well-formed XML: not well-formed (invalid token) (column 24)"],
    ),
]


@pytest.mark.parametrize(
    ("body", "messages"), [case[1:] for case in PROBLEMS], ids=[case[0] for case in PROBLEMS]
)
def test_problems_name_the_node_or_edge_and_the_attribute(tmp_path, body, messages) -> None:
    path = _gexf(tmp_path, body)
    assert _messages(path) == [f"{path}:{message}" for message in messages]


def test_an_xml_file_of_another_kind_is_named_by_its_root(tmp_path: Path) -> None:
    path = tmp_path / "bild.xml"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', encoding="utf-8")
    assert _messages(path) == [
        f"{path}: the root element is 'svg'; expected GraphML (<graphml>) or GEXF (<gexf>)"
    ]


# -- hostile files -------------------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i else "lol"}">\n' for i in range(10))
DTD_REFUSED = (
    "the file has a DTD (<!DOCTYPE ...>), which GraphML and GEXF do not need; it is refused so "
    "that no entity in it can expand: save the file again without it"
)


@pytest.mark.parametrize("name", ["map.gexf", "map.graphml", "map.xml"])
@pytest.mark.parametrize(
    "dtd",
    [
        f"<!DOCTYPE gexf [\n{LAUGHS}]>",  # billion laughs
        '<!DOCTYPE gexf [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE gexf SYSTEM "http://example.org/gexf.dtd">',
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
def test_a_file_with_a_dtd_is_refused_before_anything_expands(tmp_path, name, dtd) -> None:
    path = tmp_path / name
    body = '<graph><nodes><node id="a" label="&lol9;"/></nodes></graph>'
    path.write_text(f'<?xml version="1.0"?>\n{dtd}\n<gexf>{body}</gexf>\n', encoding="utf-8")
    started = time.perf_counter()
    assert [error.problem for error in validate(path).errors] == [DTD_REFUSED]
    assert time.perf_counter() - started < 1


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = _gexf(tmp_path, "<x>" * 40 + "</x>" * 40)
    (error,) = validate(path).errors
    assert error.problem == "elements are nested more than 32 deep; GEXF needs far fewer"


def test_too_many_declared_attributes_are_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ingest.gexf, "MAX_DECLARED", 1)
    (error,) = validate(_gexf(tmp_path, NODE_ATTRIBUTES)).errors
    assert (error.line, error.problem) == (6, "more than 1 attributes are declared for nodes")


def test_a_value_too_long_is_an_error_of_its_node_and_attribute(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ingest.gexf, "MAX_VALUE", 10)
    body = (
        NODE_ATTRIBUTES + '\n<nodes>\n<node id="a" label="A"><attvalues>'
        '<attvalue for="1" value="Offentlig sektor"/></attvalues></node>\n</nodes>'
    )
    path = _gexf(tmp_path, body)
    assert _messages(path) == [
        f"{path}:9: node 'a': Sector: is 16 characters long; at most 10 are read"
    ]


def test_json_text_nested_too_deep_is_an_error_of_its_node(tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    body = (
        '<attributes class="node"><attribute id="0" title="data" type="string"/></attributes>\n'
        f'<nodes><node id="a" label="A"><attvalues><attvalue for="0" value="{deep}"/>'
        "</attvalues></node></nodes>"
    )
    path = _gexf(tmp_path, body)
    assert _messages(path) == [
        f"{path}:5: node 'a': data: is JSON nested too deep to read (about 1,000 levels at most)"
    ]


def test_a_node_after_the_edges_is_named(tmp_path: Path) -> None:
    body = (
        '<nodes>\n<node id="a" label="A"/>\n</nodes>\n<edges>\n'
        '<edge id="e" source="a" target="b"/>\n</edges>\n'
        '<nodes>\n<node id="b" label="B"/>\n</nodes>'
    )
    path = _gexf(tmp_path, body)
    assert _messages(path) == [
        f"{path}:8: target: 'b' is not a known actor id; did you mean 'a'?",
        f"{path}:11: node 'b': comes after the edges; a GEXF file lists its nodes first",
    ]
